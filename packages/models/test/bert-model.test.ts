import * as tf from '@tensorflow/tfjs';

import {
  AttentionSite,
  ConfigError,
  initBackend,
  InvalidArgumentError,
  ResidualSite,
  type AdaptationSite,
  type LinearSite,
  type Module,
} from '@peftjs/core-tensor';

import {
  BertForSequenceClassification,
  BertModel,
  bertCheckpointKeys,
  createBertConfig,
  createTinyRandomBert,
  createTinyRandomBertForSequenceClassification,
  encodingsToTensors,
  TINY_BERT_CONFIG,
  WordPieceTokenizer,
} from '../src/bert';
import { referenceBertForward, type ReferenceWeight } from './fixtures/bert/reference-forward';

beforeAll(async () => {
  await initBackend();
});

const IDS = [
  [101, 7, 42, 99, 13, 102],
  [101, 55, 3, 102, 0, 0],
];
const TYPES = [
  [0, 0, 0, 1, 1, 1],
  [0, 0, 0, 0, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0],
];

function int2d(values: number[][]): tf.Tensor {
  return tf.tensor2d(values, [values.length, values[0].length], 'int32');
}

function weightsOf(model: Module, stripPrefix = ''): Map<string, ReferenceWeight> {
  const weights = new Map<string, ReferenceWeight>();
  for (const [key, parameter] of model.namedParameters()) {
    const name = stripPrefix && key.startsWith(stripPrefix) ? key.slice(stripPrefix.length) : key;
    weights.set(name, { values: parameter.value.dataSync() as Float32Array, shape: parameter.shape });
  }
  return weights;
}

function expectClose(actual: number[] | number[][] | number[][][], expected: number[] | number[][] | number[][][], tolerance: number): void {
  const a = (actual as unknown[]).flat(2) as number[];
  const e = (expected as unknown[]).flat(2) as number[];
  expect(a.length).toBe(e.length);
  let worst = 0;
  a.forEach((value, i) => {
    worst = Math.max(worst, Math.abs(value - e[i]));
  });
  expect(worst).toBeLessThan(tolerance);
}

describe('BertModel', () => {
  it('names parameters as transformers does', () => {
    const model = createTinyRandomBert(0);
    const keys = [...model.namedParameters().keys()];
    expect(keys).toEqual(bertCheckpointKeys(model.config, 'BertModel'));
    for (const key of [
      'embeddings.word_embeddings.weight',
      'embeddings.position_embeddings.weight',
      'embeddings.token_type_embeddings.weight',
      'embeddings.LayerNorm.weight',
      'encoder.layer.3.attention.self.query.weight',
      'encoder.layer.0.attention.self.key.bias',
      'encoder.layer.0.attention.self.value.weight',
      'encoder.layer.1.attention.output.dense.weight',
      'encoder.layer.1.attention.output.LayerNorm.bias',
      'encoder.layer.2.intermediate.dense.weight',
      'encoder.layer.2.output.dense.bias',
      'encoder.layer.2.output.LayerNorm.weight',
      'pooler.dense.weight',
    ]) {
      expect(keys).toContain(key);
    }
    expect(keys.length).toBe(5 + 4 * 16 + 2);
    expect(model.namedParameters().get('encoder.layer.0.intermediate.dense.weight')!.shape).toEqual([37, 32]);
    expect(model.namedParameters().get('encoder.layer.0.output.dense.weight')!.shape).toEqual([32, 37]);
    model.dispose();
  });

  it('matches an independent reference forward pass', () => {
    const model = createTinyRandomBert(3);
    const ids = int2d(IDS);
    const types = int2d(TYPES);
    const mask = int2d(MASK);
    const output = model.forward(ids, { tokenTypeIds: types, attentionMask: mask });
    const reference = referenceBertForward(weightsOf(model), { ...model.config }, IDS, TYPES, MASK);

    expect(output.lastHiddenState.shape).toEqual([2, 6, 32]);
    expect(output.poolerOutput!.shape).toEqual([2, 32]);
    expectClose(output.lastHiddenState.arraySync() as number[][][], reference.lastHiddenState, 1e-4);
    expectClose(output.poolerOutput!.arraySync() as number[][], reference.poolerOutput, 1e-4);
    tf.dispose([ids, types, mask, output.lastHiddenState, output.poolerOutput!]);
    model.dispose();
  });

  it('keeps real positions unchanged under padding', () => {
    const model = createTinyRandomBert(5);
    const short = int2d([[101, 17, 23, 102]]);
    const alone = model.forward(short);

    const padded = int2d([[101, 17, 23, 102, 0, 0, 0]]);
    const garbage = int2d([[101, 17, 23, 102, 88, 64, 3]]);
    const mask = int2d([[1, 1, 1, 1, 0, 0, 0]]);
    const withPadding = model.forward(padded, { attentionMask: mask });
    const withGarbage = model.forward(garbage, { attentionMask: mask });

    const realPart = (t: tf.Tensor) => t.slice([0, 0, 0], [1, 4, 32]).arraySync() as number[][][];
    expectClose(realPart(withPadding.lastHiddenState), alone.lastHiddenState.arraySync() as number[][][], 1e-5);
    expectClose(realPart(withGarbage.lastHiddenState), alone.lastHiddenState.arraySync() as number[][][], 1e-5);
    expectClose(withPadding.poolerOutput!.arraySync() as number[][], alone.poolerOutput!.arraySync() as number[][], 1e-5);

    // Without the mask the padding tokens are attended to and the real outputs move.
    const unmasked = model.forward(padded);
    const difference = tf.max(tf.abs(tf.sub(unmasked.lastHiddenState.slice([0, 0, 0], [1, 4, 32]), alone.lastHiddenState)));
    expect(difference.dataSync()[0]).toBeGreaterThan(1e-3);

    tf.dispose([short, padded, garbage, mask, difference]);
    for (const out of [alone, withPadding, withGarbage, unmasked]) tf.dispose([out.lastHiddenState, out.poolerOutput!]);
    model.dispose();
  });

  it('defaults mask to ones and types to zeros', () => {
    const model = createTinyRandomBert(6);
    const ids = int2d([[101, 9, 8, 102]]);
    const ones = int2d([[1, 1, 1, 1]]);
    const zeros = int2d([[0, 0, 0, 0]]);
    const implicit = model.forward(ids);
    const explicit = model.forward(ids, { attentionMask: ones, tokenTypeIds: zeros });
    expect(implicit.lastHiddenState.arraySync()).toEqual(explicit.lastHiddenState.arraySync());
    tf.dispose([ids, ones, zeros, implicit.lastHiddenState, implicit.poolerOutput!, explicit.lastHiddenState, explicit.poolerOutput!]);
    model.dispose();
  });

  it('leaks no tensors in forward or dispose', () => {
    const before = tf.memory().numTensors;
    const model = createTinyRandomBert(7);
    const ids = int2d(IDS);
    const mask = int2d(MASK);
    const afterSetup = tf.memory().numTensors;
    const output = model.forward(ids, { attentionMask: mask });
    tf.dispose([output.lastHiddenState, output.poolerOutput!]);
    expect(tf.memory().numTensors).toBe(afterSetup);
    tf.dispose([ids, mask]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('applies dropout only in training mode', () => {
    const model = createTinyRandomBert(8, { hidden_dropout_prob: 0.5 });
    const ids = int2d([[101, 5, 6, 102]]);
    expect(model.training).toBe(false);
    const first = model.forward(ids).lastHiddenState;
    const second = model.forward(ids).lastHiddenState;
    expect(first.arraySync()).toEqual(second.arraySync());

    model.train();
    const trained = model.forward(ids).lastHiddenState;
    expect(trained.arraySync()).not.toEqual(first.arraySync());
    tf.dispose([ids, first, second, trained]);
    model.dispose();
  });

  it('builds without a pooler when asked', () => {
    const model = new BertModel(TINY_BERT_CONFIG, { addPoolingLayer: false });
    const ids = int2d([[101, 102]]);
    const output = model.forward(ids);
    expect(output.poolerOutput).toBeNull();
    expect([...model.namedParameters().keys()].some((key) => key.startsWith('pooler.'))).toBe(false);
    tf.dispose([ids, output.lastHiddenState]);
    model.dispose();
  });

  it('is deterministic for a seed', () => {
    const a = createTinyRandomBert(11);
    const b = createTinyRandomBert(11);
    const c = createTinyRandomBert(12);
    const key = 'encoder.layer.2.attention.self.value.bias';
    const value = (m: BertModel) => Array.from(m.namedParameters().get(key)!.value.dataSync());
    expect(value(a)).toEqual(value(b));
    expect(value(a)).not.toEqual(value(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('rejects invalid inputs with typed errors', () => {
    const model = createTinyRandomBert(0);
    const floatIds = tf.tensor2d([[1, 2]], [1, 2], 'float32');
    const rank1 = tf.tensor1d([1, 2], 'int32');
    const tooLong = tf.zeros([1, 65], 'int32');
    const ids = int2d([[1, 2, 3]]);
    const outOfVocab = int2d([[1, 128]]);
    const badTypes = int2d([[0, 1]]);
    const badMask = int2d([[1, 1]]);
    expect(() => model.forward(floatIds)).toThrow(InvalidArgumentError);
    expect(() => model.forward(rank1)).toThrow(/\[batch, length\]/);
    expect(() => model.forward(tooLong)).toThrow(/max_position_embeddings = 64/);
    expect(() => model.forward(outOfVocab)).toThrow(/128/);
    expect(() => model.forward(ids, { tokenTypeIds: badTypes })).toThrow(/tokenTypeIds/);
    expect(() => model.forward(ids, { attentionMask: badMask })).toThrow(/attentionMask/);
    tf.dispose([floatIds, rank1, tooLong, ids, outOfVocab, badTypes, badMask]);
    model.dispose();
  });

  it('rejects invalid config fields by name', () => {
    expect(() => new BertModel({ ...TINY_BERT_CONFIG, num_attention_heads: 5 })).toThrow(/num_attention_heads 5 must divide hidden_size 32/);
    expect(() => new BertModel({ ...TINY_BERT_CONFIG, hidden_dropout_prob: 1.5 })).toThrow(/hidden_dropout_prob/);
    expect(() => new BertModel({ ...TINY_BERT_CONFIG, hidden_act: 'wiggle' })).toThrow(ConfigError);
    expect(() => new BertModel({ ...TINY_BERT_CONFIG, pad_token_id: 500 })).toThrow(/pad_token_id/);
    expect(() => new BertModel({ ...TINY_BERT_CONFIG, vocab_size: 0 })).toThrow(/vocab_size/);
  });
});

describe('createBertConfig', () => {
  it('fills transformers defaults', () => {
    const config = createBertConfig({ vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 });
    expect(config.hidden_act).toBe('gelu');
    expect(config.layer_norm_eps).toBe(1e-12);
    expect(config.max_position_embeddings).toBe(512);
    expect(config.type_vocab_size).toBe(2);
    expect(config.hidden_dropout_prob).toBe(0.1);
    expect(config.num_labels).toBe(2);
    expect(config.id2label).toEqual({ '0': 'LABEL_0', '1': 'LABEL_1' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives num_labels from id2label and rejects disagreement', () => {
    const base = { vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 };
    expect(createBertConfig({ ...base, id2label: { '0': 'neg', '1': 'neu', '2': 'pos' } }).num_labels).toBe(3);
    expect(createBertConfig({ ...base, num_labels: 4 }).id2label['3']).toBe('LABEL_3');
    expect(() => createBertConfig({ ...base, num_labels: 2, id2label: { '0': 'a', '1': 'b', '2': 'c' } })).toThrow(/num_labels is 2/);
    expect(() => createBertConfig({ ...base, id2label: { '0': 'a', '2': 'c' } })).toThrow(/no name for class 1/);
  });
});

describe('BertForSequenceClassification', () => {
  it('matches the reference logits', () => {
    const model = createTinyRandomBertForSequenceClassification(4, { num_labels: 3 });
    const ids = int2d(IDS);
    const types = int2d(TYPES);
    const mask = int2d(MASK);
    const logits = model.forward(ids, { tokenTypeIds: types, attentionMask: mask });
    expect(logits.shape).toEqual([2, 3]);
    const reference = referenceBertForward(weightsOf(model, 'bert.'), { ...model.config }, IDS, TYPES, MASK);
    expectClose(logits.arraySync() as number[][], reference.logits!, 1e-4);
    tf.dispose([ids, types, mask, logits]);
    model.dispose();
  });

  it('prefixes encoder parameters and sites with bert.', () => {
    const model = createTinyRandomBertForSequenceClassification(0);
    const keys = [...model.namedParameters().keys()];
    expect(keys).toEqual(bertCheckpointKeys(model.config, 'BertForSequenceClassification'));
    expect(keys.slice(-2)).toEqual(['classifier.weight', 'classifier.bias']);
    expect(model.namedParameters().get('classifier.weight')!.shape).toEqual([2, 32]);
    for (const site of model.adaptationSites()) expect(site.path.startsWith('bert.encoder.layer.')).toBe(true);
    expect(model.describe()).toEqual({ modelType: 'bert', hiddenSize: 32, numLayers: 4 });
    model.dispose();
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const model = createTinyRandomBertForSequenceClassification(2);
    const ids = int2d(IDS);
    const afterSetup = tf.memory().numTensors;
    model.forward(ids).dispose();
    expect(tf.memory().numTensors).toBe(afterSetup);
    ids.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('BERT adaptation sites', () => {
  const linearSites = (sites: readonly AdaptationSite[]) => sites.filter((s): s is LinearSite => s.kind === 'linear');

  it('declares linear, residual and attention sites per layer', () => {
    const model = createTinyRandomBert(0);
    const sites = model.adaptationSites();
    expect(sites.length).toBe(4 * 9);
    expect(model.describe()).toEqual({ modelType: 'bert', hiddenSize: 32, numLayers: 4 });

    const layer1 = sites.filter((s) => s.layerIndex === 1);
    expect(linearSites(layer1).map((s) => [s.path, s.location, s.matrix])).toEqual([
      ['encoder.layer.1.attention.self.query', 'selfattn', 'q'],
      ['encoder.layer.1.attention.self.key', 'selfattn', 'k'],
      ['encoder.layer.1.attention.self.value', 'selfattn', 'v'],
      ['encoder.layer.1.attention.output.dense', 'selfattn', 'o'],
      ['encoder.layer.1.intermediate.dense', 'intermediate', 'intermediate'],
      ['encoder.layer.1.output.dense', 'output', 'output'],
    ]);
    for (const site of linearSites(sites)) expect(model.getSubmodule(site.path)).toBe(site.linear);

    const residuals = layer1.filter((s): s is ResidualSite => s instanceof ResidualSite);
    expect(residuals.map((s) => [s.path, s.location, s.hiddenSize, s.normPlacement])).toEqual([
      ['encoder.layer.1.attention.output', 'mh_adapter', 32, 'post'],
      ['encoder.layer.1.output', 'output_adapter', 32, 'post'],
    ]);
    for (const site of residuals) {
      expect(model.getSubmodule(site.path)).toBe(site.owner);
      expect(model.getSubmodule(`${site.path}.LayerNorm`)).toBe(site.layerNorm);
    }

    const attention = layer1.filter((s): s is AttentionSite => s instanceof AttentionSite);
    expect(attention.length).toBe(1);
    expect([attention[0].path, attention[0].numHeads, attention[0].numKeyValueHeads, attention[0].headDim, attention[0].hiddenSize]).toEqual([
      'encoder.layer.1.attention.self',
      4,
      4,
      8,
      32,
    ]);
    expect(model.getSubmodule(attention[0].path)).toBe(attention[0].owner);
    model.dispose();
  });

  it('runs linear hooks on every linear site', () => {
    const model = createTinyRandomBert(9);
    const ids = int2d([[101, 4, 5, 102]]);
    const baseline = model.forward(ids);
    for (const site of linearSites(model.adaptationSites())) {
      let calls = 0;
      site.linear.forwardHook = (_input, base) => {
        calls += 1;
        return tf.mul(base, 10);
      };
      const hooked = model.forward(ids);
      expect({ path: site.path, calls }).toEqual({ path: site.path, calls: 1 });
      const change = tf.max(tf.abs(tf.sub(hooked.lastHiddenState, baseline.lastHiddenState)));
      expect({ path: site.path, changed: change.dataSync()[0] > 1e-4 }).toEqual({ path: site.path, changed: true });
      site.linear.forwardHook = null;
      tf.dispose([hooked.lastHiddenState, hooked.poolerOutput!, change]);
    }
    tf.dispose([ids, baseline.lastHiddenState, baseline.poolerOutput!]);
    model.dispose();
  });

  it('passes sub-layer output and residual to sites', () => {
    const model = createTinyRandomBert(10);
    const ids = int2d([[101, 4, 5, 102]]);
    const baseline = model.forward(ids);
    const residuals = model.adaptationSites().filter((s): s is ResidualSite => s instanceof ResidualSite);
    expect(residuals.length).toBe(8);

    // A hook that recomputes the plain post-LN residual must leave the output unchanged.
    for (const site of residuals) {
      site.hook = (hidden, residual, norm) => tf.tidy(() => norm!.apply(tf.add(hidden, residual)));
    }
    const same = model.forward(ids);
    expectClose(same.lastHiddenState.arraySync() as number[][][], baseline.lastHiddenState.arraySync() as number[][][], 1e-6);

    // A hook that drops the sub-layer output changes it.
    residuals[0].hook = (_hidden, residual, norm) => norm!.apply(residual);
    const changed = model.forward(ids);
    const change = tf.max(tf.abs(tf.sub(changed.lastHiddenState, baseline.lastHiddenState)));
    expect(change.dataSync()[0]).toBeGreaterThan(1e-3);
    for (const site of residuals) site.hook = null;

    tf.dispose([ids, change]);
    for (const out of [baseline, same, changed]) tf.dispose([out.lastHiddenState, out.poolerOutput!]);
    model.dispose();
  });

  it('uses keys and values from attention sites', () => {
    const model = createTinyRandomBert(12);
    const ids = int2d([[101, 4, 5, 102]]);
    const baseline = model.forward(ids);
    const site = model.adaptationSites().find((s): s is AttentionSite => s instanceof AttentionSite && s.layerIndex === 2)!;

    // Two prefix positions with random keys and values.
    const prefixKey = tf.randomNormal([1, 4, 2, 8], 0, 1, 'float32', 1);
    const prefixValue = tf.randomNormal([1, 4, 2, 8], 0, 1, 'float32', 2);
    const extend = (blocked: boolean) => (state: { key: tf.Tensor; value: tf.Tensor; mask: tf.Tensor | null; hiddenStates: tf.Tensor }) => {
      expect(state.key.shape).toEqual([1, 4, 4, 8]);
      expect(state.hiddenStates.shape).toEqual([1, 4, 32]);
      const prefixMask = tf.fill([1, 1, 1, 2], blocked ? -1e9 : 0);
      const mask = state.mask === null ? tf.concat([prefixMask, tf.zeros([1, 1, 1, 4])], 3) : tf.concat([prefixMask, state.mask], 3);
      return {
        key: tf.concat([prefixKey, state.key], 2),
        value: tf.concat([prefixValue, state.value], 2),
        mask,
        hiddenStates: state.hiddenStates,
      };
    };

    site.hook = extend(false);
    const open = model.forward(ids);
    const openChange = tf.max(tf.abs(tf.sub(open.lastHiddenState, baseline.lastHiddenState)));
    expect(openChange.dataSync()[0]).toBeGreaterThan(1e-3);

    // The same prefix behind a closed mask must have no effect.
    site.hook = extend(true);
    const closed = model.forward(ids);
    expectClose(closed.lastHiddenState.arraySync() as number[][][], baseline.lastHiddenState.arraySync() as number[][][], 1e-5);

    site.hook = (state) => ({ ...state, key: tf.zeros([1, 4, 4, 7]) });
    expect(() => model.forward(ids)).toThrow(/attention site encoder.layer.2.attention.self/);
    site.hook = null;

    tf.dispose([ids, prefixKey, prefixValue, openChange]);
    for (const out of [baseline, open, closed]) tf.dispose([out.lastHiddenState, out.poolerOutput!]);
    model.dispose();
  });
});

describe('encodingsToTensors', () => {
  it('stacks tokenizer output into model inputs', () => {
    const tokenizer = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'hello', 'world']);
    const encodings = tokenizer.encodeBatch(['hello', 'hello world'], { padding: 'longest' });
    const inputs = encodingsToTensors(encodings);
    expect(inputs.inputIds.arraySync()).toEqual([
      [2, 4, 3, 0],
      [2, 4, 5, 3],
    ]);
    expect(inputs.attentionMask.arraySync()).toEqual([
      [1, 1, 1, 0],
      [1, 1, 1, 1],
    ]);
    expect(inputs.inputIds.dtype).toBe('int32');
    tf.dispose([inputs.inputIds, inputs.attentionMask, inputs.tokenTypeIds]);
    expect(() => encodingsToTensors(tokenizer.encodeBatch(['hello', 'hello world']))).toThrow(/padding: 'longest'/);
  });
});

describe('BertForSequenceClassification construction', () => {
  it('uses classifier_dropout when set', () => {
    const model = new BertForSequenceClassification({ ...TINY_BERT_CONFIG, classifier_dropout: 0.3 });
    expect(model.dropout.rate).toBe(0.3);
    model.dispose();
  });
});
