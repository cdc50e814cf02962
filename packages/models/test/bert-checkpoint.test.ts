import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  CheckpointFormatError,
  ConfigError,
  initBackend,
  InvalidArgumentError,
  Linear,
  parseSafetensors,
  ResidualSite,
  serializeSafetensors,
  ShapeMismatchError,
} from '@peftjs/core-tensor';

import {
  BertForSequenceClassification,
  BertModel,
  createTinyRandomBert,
  createTinyRandomBertForSequenceClassification,
  loadHuggingFaceBert,
  parseBertConfigJson,
  saveHuggingFaceBert,
  serializeHuggingFaceBert,
  writeTinyRandomBertCheckpoint,
} from '../src/bert';

beforeAll(async () => {
  await initBackend();
});

const directories: string[] = [];

function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'peftjs-bert-test-'));
  directories.push(directory);
  return directory;
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

const IDS = [
  [101, 17, 23, 5, 102],
  [101, 9, 102, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 0, 0],
];

/** Runs a model on the fixed batch and returns its outputs as nested arrays. */
function run(model: BertModel | BertForSequenceClassification): { hidden: number[][][] | null; pooled: number[][] | null; logits: number[][] | null } {
  const ids = tf.tensor2d(IDS, [2, 5], 'int32');
  const mask = tf.tensor2d(MASK, [2, 5], 'int32');
  try {
    if (model instanceof BertForSequenceClassification) {
      const logits = model.forward(ids, { attentionMask: mask });
      const values = logits.arraySync() as number[][];
      logits.dispose();
      return { hidden: null, pooled: null, logits: values };
    }
    const output = model.forward(ids, { attentionMask: mask });
    const result = {
      hidden: output.lastHiddenState.arraySync() as number[][][],
      pooled: output.poolerOutput?.arraySync() as number[][],
      logits: null,
    };
    tf.dispose([output.lastHiddenState, output.poolerOutput ?? []]);
    return result;
  } finally {
    tf.dispose([ids, mask]);
  }
}

/** Reads the tensors of a serialised checkpoint, applies `edit` to the map and serialises it again. */
function editWeights(weights: Uint8Array, edit: (tensors: Map<string, tf.Tensor>) => void): Uint8Array {
  const { tensors } = parseSafetensors(weights);
  edit(tensors);
  const bytes = serializeSafetensors(tensors, { metadata: { format: 'pt' } });
  tf.dispose([...tensors.values()]);
  return bytes;
}

function renameKeys(tensors: Map<string, tf.Tensor>, rename: (key: string) => string): void {
  const entries = [...tensors.entries()];
  tensors.clear();
  for (const [key, tensor] of entries) tensors.set(rename(key), tensor);
}

const quiet = { onWarning: () => undefined };

describe('saveHuggingFaceBert and loadHuggingFaceBert', () => {
  it('round-trips a BertModel with identical outputs', async () => {
    const original = createTinyRandomBert(21);
    const directory = freshDirectory();
    await saveHuggingFaceBert(original, directory);
    expect(readdirSync(directory).sort()).toEqual(['config.json', 'model.safetensors']);

    const loaded = await loadHuggingFaceBert(directory);
    expect(loaded).toBeInstanceOf(BertModel);
    expect(run(loaded)).toEqual(run(original));
    expect(loaded.config).toEqual(original.config);
    original.dispose();
    loaded.dispose();
  });

  it('round-trips a classifier with identical logits', async () => {
    const original = createTinyRandomBertForSequenceClassification(22, { id2label: { '0': 'neg', '1': 'neu', '2': 'pos' } });
    const directory = freshDirectory();
    await saveHuggingFaceBert(original, directory);
    const loaded = await loadHuggingFaceBert(directory, { architecture: 'BertForSequenceClassification' });
    expect(loaded).toBeInstanceOf(BertForSequenceClassification);
    expect(run(loaded).logits).toEqual(run(original).logits);
    expect(loaded.config.id2label).toEqual({ '0': 'neg', '1': 'neu', '2': 'pos' });
    original.dispose();
    loaded.dispose();
  });

  it('writes the config.json and keys transformers expects', async () => {
    const model = createTinyRandomBertForSequenceClassification(1);
    const { config, weights } = serializeHuggingFaceBert(model);
    const json = JSON.parse(config);
    expect(json.model_type).toBe('bert');
    expect(json.architectures).toEqual(['BertForSequenceClassification']);
    expect(json.hidden_size).toBe(32);
    expect(json.intermediate_size).toBe(37);
    expect(json.layer_norm_eps).toBe(1e-12);
    expect(json.hidden_act).toBe('gelu');
    expect(json.label2id).toEqual({ LABEL_0: 0, LABEL_1: 1 });

    const { tensors, metadata } = parseSafetensors(weights);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.has('bert.encoder.layer.0.attention.self.query.weight')).toBe(true);
    expect(tensors.has('classifier.weight')).toBe(true);
    expect(tensors.size).toBe(5 + 4 * 16 + 2 + 2);
    tf.dispose([...tensors.values()]);
    model.dispose();
  });

  it('loads keys with and without the bert. prefix', async () => {
    const original = createTinyRandomBert(23);
    const { config, weights } = serializeHuggingFaceBert(original);
    const prefixed = editWeights(weights, (tensors) => renameKeys(tensors, (key) => `bert.${key}`));

    const fromPrefixed = await loadHuggingFaceBert({ config, weights: prefixed });
    expect(run(fromPrefixed)).toEqual(run(original));

    // A BertModel checkpoint (no prefix) loads into a classifier whose head starts fresh.
    const classifier = await loadHuggingFaceBert(
      { config, weights },
      { architecture: 'BertForSequenceClassification', allowMissingClassifier: true, ...quiet },
    );
    const fromEncoder = classifier.bert.namedParameters().get('encoder.layer.1.output.dense.weight')!.value.arraySync();
    expect(fromEncoder).toEqual(original.namedParameters().get('encoder.layer.1.output.dense.weight')!.value.arraySync());
    [original, fromPrefixed, classifier].forEach((m) => m.dispose());
  });

  it('loads the encoder of a classifier checkpoint', async () => {
    const classifier = createTinyRandomBertForSequenceClassification(24);
    const files = serializeHuggingFaceBert(classifier);
    const warnings: string[] = [];
    const encoder = await loadHuggingFaceBert(files, { onWarning: (m) => warnings.push(m) });
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/classifier\.weight \(task head, not part of BertModel\)/);
    expect(warnings[0]).toMatch(/classifier\.bias/);

    const ids = tf.tensor2d(IDS, [2, 5], 'int32');
    const a = classifier.bert.forward(ids);
    const b = encoder.forward(ids);
    expect(b.poolerOutput!.arraySync()).toEqual(a.poolerOutput!.arraySync());
    tf.dispose([ids, a.lastHiddenState, a.poolerOutput!, b.lastHiddenState, b.poolerOutput!]);
    classifier.dispose();
    encoder.dispose();
  });

  it('accepts TensorFlow-style gamma and beta LayerNorm names', async () => {
    const original = createTinyRandomBert(25);
    const { config, weights } = serializeHuggingFaceBert(original);
    const legacy = editWeights(weights, (tensors) =>
      renameKeys(tensors, (key) => key.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')),
    );
    expect(parseSafetensors(legacy).tensors.has('embeddings.LayerNorm.gamma')).toBe(true);
    const loaded = await loadHuggingFaceBert({ config, weights: legacy });
    expect(run(loaded)).toEqual(run(original));
    original.dispose();
    loaded.dispose();
  });

  it('skips buffers and pre-training heads and says which', async () => {
    const original = createTinyRandomBert(26);
    const { config, weights } = serializeHuggingFaceBert(original);
    const extended = editWeights(weights, (tensors) => {
      renameKeys(tensors, (key) => `bert.${key}`);
      tensors.set('bert.embeddings.position_ids', tf.range(0, 64, 1, 'int32').reshape([1, 64]));
      tensors.set('cls.predictions.bias', tf.zeros([128]));
      tensors.set('cls.seq_relationship.weight', tf.zeros([2, 32]));
    });
    const warnings: string[] = [];
    const loaded = await loadHuggingFaceBert({ config, weights: extended }, { onWarning: (m) => warnings.push(m) });
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain('bert.embeddings.position_ids (buffer, not a weight)');
    expect(warnings[0]).toContain('cls.predictions.bias (pre-training head)');
    expect(warnings[0]).toContain('cls.seq_relationship.weight');
    expect(run(loaded)).toEqual(run(original));
    original.dispose();
    loaded.dispose();
  });

  it('rejects a config.json with a missing field', async () => {
    const model = createTinyRandomBert(27);
    const { config, weights } = serializeHuggingFaceBert(model);
    const json = JSON.parse(config);
    delete json.hidden_size;
    delete json.num_attention_heads;
    const attempt = loadHuggingFaceBert({ config: json, weights });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(loadHuggingFaceBert({ config: json, weights })).rejects.toThrow(/"hidden_size", "num_attention_heads"/);
    model.dispose();
  });

  it('rejects other models and unsupported variants', () => {
    const base = { vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 };
    expect(() => parseBertConfigJson({ ...base, model_type: 'roberta' })).toThrow(/"roberta"/);
    expect(() => parseBertConfigJson({ ...base, position_embedding_type: 'relative_key' })).toThrow(/position_embedding_type/);
    expect(() => parseBertConfigJson({ ...base, is_decoder: true })).toThrow(/is_decoder/);
    expect(() => parseBertConfigJson([1, 2])).toThrow(ConfigError);
    expect(() => parseBertConfigJson({ ...base, hidden_dropout_prob: 'high' })).toThrow(/hidden_dropout_prob/);
    expect(parseBertConfigJson({ ...base, transformers_version: '4.40.0', label2id: { a: 0 } }).hidden_size).toBe(8);
  });

  it('rejects tensors whose shape does not match config.json', async () => {
    const model = createTinyRandomBert(28);
    const { config, weights } = serializeHuggingFaceBert(model);
    const json = { ...JSON.parse(config), intermediate_size: 40 };
    const attempt = loadHuggingFaceBert({ config: json, weights });
    await expect(attempt).rejects.toThrow(ShapeMismatchError);
    await expect(loadHuggingFaceBert({ config: json, weights })).rejects.toThrow(
      /"encoder\.layer\.0\.intermediate\.dense\.weight" is \[37,32\] but the model expects \[40,32\]/,
    );
    model.dispose();
  });

  it('rejects a checkpoint with a missing tensor and names it', async () => {
    const model = createTinyRandomBert(29);
    const { config, weights } = serializeHuggingFaceBert(model);
    const incomplete = editWeights(weights, (tensors) => {
      tensors.get('encoder.layer.2.attention.self.key.bias')!.dispose();
      tensors.delete('encoder.layer.2.attention.self.key.bias');
    });
    const attempt = loadHuggingFaceBert({ config, weights: incomplete });
    await expect(attempt).rejects.toThrow(CheckpointFormatError);
    await expect(loadHuggingFaceBert({ config, weights: incomplete })).rejects.toThrow(/"encoder\.layer\.2\.attention\.self\.key\.bias"/);
    model.dispose();
  });

  it('requires opt-in for a missing classifier', async () => {
    const model = createTinyRandomBert(30);
    const files = serializeHuggingFaceBert(model);
    await expect(loadHuggingFaceBert(files, { architecture: 'BertForSequenceClassification' })).rejects.toThrow(/allowMissingClassifier/);

    const warnings: string[] = [];
    const classifier = await loadHuggingFaceBert(files, {
      architecture: 'BertForSequenceClassification',
      allowMissingClassifier: true,
      configOverrides: { num_labels: 5 },
      onWarning: (m) => warnings.push(m),
    });
    expect(classifier.config.num_labels).toBe(5);
    expect(classifier.classifier.weight.shape).toEqual([5, 32]);
    expect(warnings.join(' ')).toMatch(/initialised classifier\.weight and classifier\.bias/);
    model.dispose();
    classifier.dispose();
  });

  it('rejects unexpected, duplicated and integer tensors', async () => {
    const model = createTinyRandomBert(31);
    const { config, weights } = serializeHuggingFaceBert(model);

    const unexpected = editWeights(weights, (tensors) => tensors.set('encoder.layer.0.attention.self.rotary.weight', tf.zeros([2])));
    await expect(loadHuggingFaceBert({ config, weights: unexpected })).rejects.toThrow(/"encoder\.layer\.0\.attention\.self\.rotary\.weight"/);

    const duplicated = editWeights(weights, (tensors) => tensors.set('bert.pooler.dense.bias', tf.zeros([32])));
    const duplicateAttempt = loadHuggingFaceBert({ config, weights: duplicated });
    await expect(duplicateAttempt).rejects.toThrow(/"bert\.pooler\.dense\.bias"/);
    await expect(loadHuggingFaceBert({ config, weights: duplicated })).rejects.toThrow(/same parameter "pooler\.dense\.bias"/);

    const integer = editWeights(weights, (tensors) => {
      tensors.get('pooler.dense.bias')!.dispose();
      tensors.set('pooler.dense.bias', tf.zeros([32], 'int32'));
    });
    await expect(loadHuggingFaceBert({ config, weights: integer })).rejects.toThrow(/"pooler\.dense\.bias" has dtype int32/);
    model.dispose();
  });

  it('rejects missing files and broken bytes with typed errors', async () => {
    const directory = freshDirectory();
    await expect(loadHuggingFaceBert(directory)).rejects.toThrow(InvalidArgumentError);
    await expect(loadHuggingFaceBert(directory)).rejects.toThrow(/config\.json/);
    writeFileSync(join(directory, 'config.json'), '{ "hidden_size": ');
    await expect(loadHuggingFaceBert(directory)).rejects.toThrow(CheckpointFormatError);
    const model0 = createTinyRandomBert(0);
    writeFileSync(join(directory, 'config.json'), serializeHuggingFaceBert(model0).config);
    model0.dispose();
    await expect(loadHuggingFaceBert(directory)).rejects.toThrow(/model\.safetensors/);
    await expect(loadHuggingFaceBert({ config: '{}', weights: new Uint8Array([1, 2, 3]) })).rejects.toThrow(ConfigError);
    const model = createTinyRandomBert(0);
    const { config } = serializeHuggingFaceBert(model);
    await expect(loadHuggingFaceBert({ config, weights: new Uint8Array([1, 2, 3]) })).rejects.toThrow(CheckpointFormatError);
    await expect(loadHuggingFaceBert({ config, weights: 'bytes' as never })).rejects.toThrow(InvalidArgumentError);
    model.dispose();
  });

  it('loads a sharded checkpoint directory', async () => {
    const original = createTinyRandomBert(34);
    const { config, weights } = serializeHuggingFaceBert(original);
    const { tensors } = parseSafetensors(weights);
    const names = [...tensors.keys()];
    const shards = [names.slice(0, 40), names.slice(40)];
    const directory = freshDirectory();
    const weightMap: Record<string, string> = {};
    shards.forEach((shardNames, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      const shard = new Map(shardNames.map((name) => [name, tensors.get(name)!]));
      writeFileSync(join(directory, file), serializeSafetensors(shard, { metadata: { format: 'pt' } }));
      for (const name of shardNames) weightMap[name] = file;
    });
    tf.dispose([...tensors.values()]);
    writeFileSync(join(directory, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    writeFileSync(join(directory, 'config.json'), config);

    const loaded = await loadHuggingFaceBert(directory);
    expect(run(loaded)).toEqual(run(original));
    original.dispose();
    loaded.dispose();
  });

  it('leaks no tensors when loading, failing and disposing', async () => {
    const model = createTinyRandomBert(32);
    const files = serializeHuggingFaceBert(model);
    const json = { ...JSON.parse(files.config), intermediate_size: 40 };
    model.dispose();

    const before = tf.memory().numTensors;
    const loaded = await loadHuggingFaceBert(files);
    loaded.dispose();
    await expect(loadHuggingFaceBert({ config: json, weights: files.weights })).rejects.toThrow(ShapeMismatchError);
    await expect(loadHuggingFaceBert(files, { architecture: 'BertForSequenceClassification' })).rejects.toThrow(CheckpointFormatError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves out adapter parameters when saving', async () => {
    const model = createTinyRandomBert(33);
    const before = serializeHuggingFaceBert(model);
    // An adapter registers its modules under a site owner; the saved checkpoint must not change.
    const site = model.adaptationSites().find((s): s is ResidualSite => s instanceof ResidualSite)!;
    site.owner.registerModule('adapter_down', new Linear(32, 4));
    expect([...model.namedParameters().keys()]).toContain('encoder.layer.0.attention.output.adapter_down.weight');
    const after = serializeHuggingFaceBert(model);
    expect(Buffer.from(after.weights).equals(Buffer.from(before.weights))).toBe(true);
    model.dispose();
  });

  it('rejects saving something that is not a BERT model', async () => {
    await expect(saveHuggingFaceBert({} as never, freshDirectory())).rejects.toThrow(InvalidArgumentError);
    const model = createTinyRandomBert(0);
    await expect(saveHuggingFaceBert(model, '')).rejects.toThrow(InvalidArgumentError);
    model.dispose();
  });
});

describe('writeTinyRandomBertCheckpoint', () => {
  it('writes a deterministic checkpoint per seed', async () => {
    const first = await writeTinyRandomBertCheckpoint(5);
    const second = await writeTinyRandomBertCheckpoint(5);
    const other = await writeTinyRandomBertCheckpoint(6, 'BertForSequenceClassification');
    directories.push(first, second, other);
    const bytes = (directory: string) => readFileSync(join(directory, 'model.safetensors'));
    expect(bytes(first).equals(bytes(second))).toBe(true);
    expect(bytes(first).equals(bytes(other))).toBe(false);
    expect(JSON.parse(readFileSync(join(other, 'config.json'), 'utf8')).architectures).toEqual(['BertForSequenceClassification']);

    const loaded = await loadHuggingFaceBert(first);
    const rebuilt = createTinyRandomBert(5);
    expect(run(loaded)).toEqual(run(rebuilt));
    loaded.dispose();
    rebuilt.dispose();
  });
});
