import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import {
  CheckpointFormatError,
  ConfigError,
  initBackend,
  InvalidArgumentError,
  readSafetensors,
  readSafetensorsHeader,
  ShapeMismatchError,
  writeSafetensors,
} from '@peftjs/core-tensor';

import {
  llamaConfigFromJson,
  llamaParameterShapes,
  LlamaForCausalLM,
  loadHuggingFaceLlama,
  loadLlama2cCheckpoint,
  saveHuggingFaceLlama,
  stories260KPaths,
  type LlamaConfigInput,
} from '../src/llama';

const TINY: LlamaConfigInput = {
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 32,
  max_position_embeddings: 16,
  rms_norm_eps: 1e-5,
};

const PROBE = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315];

let stories: LlamaForCausalLM;
let workDir: string;

beforeAll(async () => {
  await initBackend();
  stories = await loadLlama2cCheckpoint(stories260KPaths().checkpoint);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peftjs-hf-llama-'));
});

afterAll(() => {
  stories.dispose();
  fs.rmSync(workDir, { recursive: true, force: true });
});

let dirCounter = 0;
function freshDir(): string {
  dirCounter += 1;
  const dir = path.join(workDir, `case-${dirCounter}`);
  fs.mkdirSync(dir);
  return dir;
}

function logits(model: LlamaForCausalLM, ids: number[]): Float32Array {
  return tf.tidy(() => model.forward(tf.tensor2d(ids, [1, ids.length], 'int32')).dataSync() as Float32Array);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Writes config.json and model.safetensors from a tiny model, letting the test edit both first. */
async function writeTinyCheckpoint(
  edit: (config: Record<string, unknown>, tensors: Map<string, tf.Tensor>) => void = () => {},
  options: { dtypes?: Record<string, 'F16' | 'BF16' | 'F32'> } = {},
): Promise<string> {
  const dir = freshDir();
  const model = new LlamaForCausalLM(TINY, { seed: 4 });
  const tensors = new Map([...model.namedParameters()].map(([name, p]) => [name, p.value]));
  const config: Record<string, unknown> = { model_type: 'llama', ...model.config };
  const extra: tf.Tensor[] = [];
  edit(config, tensors);
  for (const tensor of tensors.values()) if (!model.parameters().some((p) => p.value === tensor)) extra.push(tensor);
  await writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { metadata: { format: 'pt' }, dtypes: options.dtypes });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  tf.dispose(extra);
  model.dispose();
  return dir;
}

describe('saveHuggingFaceLlama and loadHuggingFaceLlama', () => {
  it('stories260K round-trips with identical logits', async () => {
    const dir = freshDir();
    await saveHuggingFaceLlama(stories, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);

    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_act: 'silu',
      hidden_size: 64,
      intermediate_size: 172,
      num_hidden_layers: 5,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 512,
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
    });
    const header = await readSafetensorsHeader(path.join(dir, 'model.safetensors'));
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(new Set(header.tensors.keys())).toEqual(new Set(llamaParameterShapes(stories.model.config).keys()));
    expect(header.tensors.has('lm_head.weight')).toBe(false);

    const before = tf.memory().numTensors;
    const loaded = await loadHuggingFaceLlama(dir);
    expect(loaded.training).toBe(false);
    expect(maxDifference(logits(loaded, PROBE), logits(stories, PROBE))).toBeLessThan(1e-5);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads a checkpoint split into two shards', async () => {
    const single = freshDir();
    await saveHuggingFaceLlama(stories, single);
    const { tensors } = await readSafetensors(path.join(single, 'model.safetensors'));
    const names = [...tensors.keys()];
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const shardFiles = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];

    const dir = freshDir();
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < 2; s++) {
      const subset = new Map(shards[s]!.map((name) => [name, tensors.get(name)!]));
      await writeSafetensors(path.join(dir, shardFiles[s]!), subset, { metadata: { format: 'pt' } });
      for (const name of shards[s]!) weightMap[name] = shardFiles[s]!;
    }
    tf.dispose([...tensors.values()]);
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    fs.copyFileSync(path.join(single, 'config.json'), path.join(dir, 'config.json'));

    const loaded = await loadHuggingFaceLlama(dir);
    expect(maxDifference(logits(loaded, PROBE), logits(stories, PROBE))).toBeLessThan(1e-5);
    loaded.dispose();
  });

  it('untied model round-trips lm_head', async () => {
    const model = new LlamaForCausalLM(TINY, { seed: 8 });
    const dir = freshDir();
    await saveHuggingFaceLlama(model, dir);
    const header = await readSafetensorsHeader(path.join(dir, 'model.safetensors'));
    expect(header.tensors.get('lm_head.weight')!.shape).toEqual([32, 16]);
    const loaded = await loadHuggingFaceLlama(dir);
    expect(maxDifference(logits(loaded, [1, 2, 3]), logits(model, [1, 2, 3]))).toBe(0);
    loaded.dispose();
    model.dispose();
  });

  it('saving again replaces the files and leaves no temporary file', async () => {
    const dir = freshDir();
    const model = new LlamaForCausalLM(TINY, { seed: 8 });
    await saveHuggingFaceLlama(stories, dir);
    await saveHuggingFaceLlama(model, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    const loaded = await loadHuggingFaceLlama(dir);
    expect(loaded.config.hidden_size).toBe(16);
    loaded.dispose();
    model.dispose();
  });

  it('creates a missing directory', async () => {
    const dir = path.join(freshDir(), 'nested', 'model');
    const model = new LlamaForCausalLM(TINY);
    await saveHuggingFaceLlama(model, dir);
    expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(true);
    model.dispose();
  });

  it('loads F16 weights as float32', async () => {
    const dtypes = Object.fromEntries([...llamaParameterShapes(llamaConfigFromJson({ ...TINY })).keys()].map((n) => [n, 'F16' as const]));
    const dir = await writeTinyCheckpoint(() => {}, { dtypes });
    const reference = new LlamaForCausalLM(TINY, { seed: 4 });
    const loaded = await loadHuggingFaceLlama(dir);
    expect(loaded.model.norm.weight.value.dtype).toBe('float32');
    expect(maxDifference(logits(loaded, [1, 2, 3]), logits(reference, [1, 2, 3]))).toBeLessThan(0.05);
    loaded.dispose();
    reference.dispose();
  });

  it('ignores rotary inv_freq buffers and a tied lm_head', async () => {
    const dir = await writeTinyCheckpoint((config, tensors) => {
      config.tie_word_embeddings = true;
      tensors.set('model.layers.0.self_attn.rotary_emb.inv_freq', tf.ones([2]));
    });
    const loaded = await loadHuggingFaceLlama(dir);
    expect(loaded.lm_head).toBeNull();
    loaded.dispose();
  });
});

describe('loadHuggingFaceLlama errors', () => {
  it('names missing config fields', async () => {
    const dir = await writeTinyCheckpoint((config) => {
      delete config.hidden_size;
      delete config.num_hidden_layers;
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(ConfigError);
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/missing the required fields hidden_size, num_hidden_layers/);
  });

  it('names an invalid config value', async () => {
    const dir = await writeTinyCheckpoint((config) => {
      config.num_key_value_heads = 3;
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/config\.json: LlamaConfig\.num_key_value_heads 3 must divide/);
  });

  it('rejects another model_type', async () => {
    const dir = await writeTinyCheckpoint((config) => {
      config.model_type = 'mistral';
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/model_type "mistral"; expected "llama"/);
  });

  it('rejects unsupported features', () => {
    const base = { ...TINY } as Record<string, unknown>;
    expect(() => llamaConfigFromJson({ ...base, rope_scaling: { type: 'linear', factor: 2 } })).toThrow(/rope_scaling/);
    expect(() => llamaConfigFromJson({ ...base, attention_bias: true })).toThrow(/attention_bias: true/);
    expect(() => llamaConfigFromJson({ ...base, hidden_act: 'gelu' })).toThrow(/hidden_act "gelu"/);
    expect(() => llamaConfigFromJson({ ...base, head_dim: 8 })).toThrow(/head_dim = 8/);
  });

  it('takes the first of several eos ids', () => {
    expect(llamaConfigFromJson({ ...TINY, eos_token_id: [2, 5] } as Record<string, unknown>).eos_token_id).toBe(2);
  });

  it('names tensors with the wrong shape', async () => {
    const dir = await writeTinyCheckpoint((config) => {
      config.intermediate_size = 20;
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(ShapeMismatchError);
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(
      /"model\.layers\.0\.mlp\.gate_proj\.weight" is \[24, 16\] but the config needs \[20, 16\]/,
    );
  });

  it('names missing tensors', async () => {
    const dir = await writeTinyCheckpoint((_config, tensors) => {
      tensors.delete('model.norm.weight');
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(CheckpointFormatError);
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/missing "model\.norm\.weight"/);
  });

  it('names unexpected tensors', async () => {
    const dir = await writeTinyCheckpoint((_config, tensors) => {
      tensors.set('model.layers.0.self_attn.q_proj.bias', tf.zeros([16]));
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/unexpected "model\.layers\.0\.self_attn\.q_proj\.bias"/);
  });

  it('requires lm_head when untied', async () => {
    const dir = await writeTinyCheckpoint((_config, tensors) => {
      tensors.delete('lm_head.weight');
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/missing "lm_head\.weight"/);
  });

  it('rejects integer weights', async () => {
    const dir = await writeTinyCheckpoint((_config, tensors) => {
      tensors.set('model.norm.weight', tf.ones([16], 'int32'));
    });
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/"model\.norm\.weight" .* has dtype I32/);
  });

  it('rejects a directory without weights', async () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(TINY));
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/No safetensors checkpoint .* expected model\.safetensors or model\.safetensors\.index\.json/);
  });

  it('rejects a directory without config.json', async () => {
    await expect(loadHuggingFaceLlama(freshDir())).rejects.toThrow(InvalidArgumentError);
  });

  it('rejects config.json that is not JSON', async () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{ hidden_size: 16');
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/config\.json is not valid JSON/);
  });

  describe('sharded index', () => {
    async function shardedDir(weightMap: (names: string[]) => Record<string, string>): Promise<string> {
      const source = await writeTinyCheckpoint();
      const dir = freshDir();
      fs.copyFileSync(path.join(source, 'config.json'), path.join(dir, 'config.json'));
      fs.copyFileSync(path.join(source, 'model.safetensors'), path.join(dir, 'shard-a.safetensors'));
      const names = [...llamaParameterShapes(llamaConfigFromJson({ ...TINY })).keys()];
      fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap(names) }));
      return dir;
    }

    it('loads a one-shard index', async () => {
      const dir = await shardedDir((names) => Object.fromEntries(names.map((n) => [n, 'shard-a.safetensors'])));
      const loaded = await loadHuggingFaceLlama(dir);
      loaded.dispose();
    });

    it('rejects a missing shard', async () => {
      const dir = await shardedDir((names) => ({
        ...Object.fromEntries(names.map((n) => [n, 'shard-a.safetensors'])),
        'model.norm.weight': 'shard-b.safetensors',
      }));
      await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/names the shard shard-b\.safetensors, which is missing/);
    });

    it('rejects a shard tensor the index omits', async () => {
      const dir = await shardedDir((names) =>
        Object.fromEntries(names.filter((n) => n !== 'model.norm.weight').map((n) => [n, 'shard-a.safetensors'])),
      );
      await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/contains the tensor "model\.norm\.weight", which .* does not list/);
    });

    it('rejects an indexed tensor its shard lacks', async () => {
      const dir = await shardedDir((names) => ({
        ...Object.fromEntries(names.map((n) => [n, 'shard-a.safetensors'])),
        'extra.weight': 'shard-a.safetensors',
      }));
      await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/lists tensors that their shards do not contain: "extra\.weight"/);
    });

    it('rejects shard paths outside the directory', async () => {
      const dir = await shardedDir((names) => Object.fromEntries(names.map((n) => [n, '../shard-a.safetensors'])));
      await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(/expected the name of a shard file in the same directory/);
    });
  });

  it('failed loads leak no tensors', async () => {
    const dir = await writeTinyCheckpoint((config) => {
      config.intermediate_size = 20;
    });
    const before = tf.memory().numTensors;
    await expect(loadHuggingFaceLlama(dir)).rejects.toThrow(ShapeMismatchError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
