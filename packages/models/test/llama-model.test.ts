import * as tf from '@tensorflow/tfjs';

import {
  AttentionSite,
  ConfigError,
  initBackend,
  InvalidArgumentError,
  ResidualSite,
  ShapeMismatchError,
  type AttentionState,
  type LinearSite,
} from '@peftjs/core-tensor';

import {
  createLlamaConfig,
  LlamaForCausalLM,
  LlamaForSequenceClassification,
  llamaParameterShapes,
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

beforeAll(async () => {
  await initBackend();
});

function ids(rows: number[][]): tf.Tensor {
  return tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
}

/** Runs `forward` on plain arrays and returns the logits as nested arrays, disposing every tensor. */
function logitsOf(model: LlamaForCausalLM, rows: number[][], mask?: number[][]): number[][][] {
  return tf.tidy(() => {
    const attentionMask = mask === undefined ? undefined : tf.tensor2d(mask);
    return model.forward(ids(rows), { attentionMask }).arraySync() as number[][][];
  });
}

function maxDifference(a: number[], b: number[]): number {
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i]!)), 0);
}

describe('createLlamaConfig', () => {
  it('fills Hugging Face defaults', () => {
    const config = createLlamaConfig({
      hidden_size: 8,
      intermediate_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      vocab_size: 10,
    });
    expect(config).toEqual({
      hidden_size: 8,
      intermediate_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 2,
      vocab_size: 10,
      max_position_embeddings: 2048,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      tie_word_embeddings: false,
      bos_token_id: 1,
      eos_token_id: 2,
    });
  });

  it.each([
    ['hidden_size', { hidden_size: 0 }, /hidden_size must be a positive integer, got 0/],
    ['intermediate_size', { intermediate_size: 2.5 }, /intermediate_size must be a positive integer, got 2.5/],
    ['num_hidden_layers', { num_hidden_layers: -1 }, /num_hidden_layers must be a positive integer/],
    ['heads dividing hidden', { num_attention_heads: 3 }, /num_attention_heads 3 must divide hidden_size 16/],
    ['kv heads dividing heads', { num_key_value_heads: 3 }, /num_key_value_heads 3 must divide num_attention_heads 4/],
    ['even head size', { hidden_size: 12, num_attention_heads: 4, num_key_value_heads: 4 }, /head size .* = 3 must be even/],
    ['rms_norm_eps', { rms_norm_eps: 0 }, /rms_norm_eps must be a positive finite number/],
    ['rope_theta', { rope_theta: Number.NaN }, /rope_theta must be a positive finite number/],
    ['eos_token_id', { eos_token_id: 32 }, /eos_token_id must be an integer in \[0, vocab_size = 32\), got 32/],
    ['tie_word_embeddings', { tie_word_embeddings: 'yes' }, /tie_word_embeddings must be true or false/],
  ])('rejects invalid %s', (_label, change, message) => {
    const build = (): unknown => createLlamaConfig({ ...TINY, ...(change as Partial<LlamaConfigInput>) });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
  });
});

describe('LlamaForCausalLM module tree', () => {
  it('uses Hugging Face parameter names', () => {
    const model = new LlamaForCausalLM(TINY);
    const names = model.namedParameters();
    expect(names.get('model.embed_tokens.weight')!.shape).toEqual([32, 16]);
    expect(names.get('model.layers.1.self_attn.q_proj.weight')!.shape).toEqual([16, 16]);
    expect(names.get('model.layers.1.self_attn.k_proj.weight')!.shape).toEqual([8, 16]);
    expect(names.get('model.layers.1.self_attn.v_proj.weight')!.shape).toEqual([8, 16]);
    expect(names.get('model.layers.1.self_attn.o_proj.weight')!.shape).toEqual([16, 16]);
    expect(names.get('model.layers.0.mlp.gate_proj.weight')!.shape).toEqual([24, 16]);
    expect(names.get('model.layers.0.mlp.up_proj.weight')!.shape).toEqual([24, 16]);
    expect(names.get('model.layers.0.mlp.down_proj.weight')!.shape).toEqual([16, 24]);
    expect(names.get('model.layers.0.input_layernorm.weight')!.shape).toEqual([16]);
    expect(names.get('model.layers.0.post_attention_layernorm.weight')!.shape).toEqual([16]);
    expect(names.get('model.norm.weight')!.shape).toEqual([16]);
    expect(names.get('lm_head.weight')!.shape).toEqual([32, 16]);
    expect([...names.keys()].filter((name) => name.endsWith('.bias'))).toEqual([]);
    expect(names.size).toBe(2 + 2 * 9 + 1);
    expect(new Set(names.keys())).toEqual(new Set(llamaParameterShapes(model.config).keys()));
    model.dispose();
  });

  it('tied model has no lm_head', () => {
    const model = new LlamaForCausalLM({ ...TINY, tie_word_embeddings: true });
    expect(model.lm_head).toBeNull();
    expect(model.namedParameters().has('lm_head.weight')).toBe(false);
    model.dispose();
  });

  it('same seed builds the same weights', () => {
    const a = new LlamaForCausalLM(TINY, { seed: 3 });
    const b = new LlamaForCausalLM(TINY, { seed: 3 });
    const c = new LlamaForCausalLM(TINY, { seed: 4 });
    const weight = (m: LlamaForCausalLM): number[] =>
      Array.from(m.namedParameters().get('model.layers.1.mlp.up_proj.weight')!.value.dataSync());
    expect(weight(a)).toEqual(weight(b));
    expect(weight(a)).not.toEqual(weight(c));
    // Each projection derives its own seed, so two same-shaped weights differ.
    const q = a.namedParameters().get('model.layers.0.self_attn.q_proj.weight')!.value.dataSync();
    const o = a.namedParameters().get('model.layers.0.self_attn.o_proj.weight')!.value.dataSync();
    expect(Array.from(q)).not.toEqual(Array.from(o));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('describe reports llama dimensions', () => {
    const model = new LlamaForCausalLM(TINY);
    expect(model.describe()).toEqual({ modelType: 'llama', hiddenSize: 16, numLayers: 2 });
    model.dispose();
  });
});

describe('LlamaForCausalLM adaptation sites', () => {
  let model: LlamaForCausalLM;
  beforeAll(() => {
    model = new LlamaForCausalLM(TINY);
  });
  afterAll(() => model.dispose());

  it('lists linear, residual and attention sites per layer', () => {
    const sites = model.adaptationSites();
    expect(sites).toHaveLength(2 * 10);
    const linear = sites.filter((site): site is LinearSite => site.kind === 'linear');
    expect(linear.map((site) => [site.path, site.layerIndex, site.location, site.matrix])).toEqual(
      [0, 1].flatMap((i) => [
        [`model.layers.${i}.self_attn.q_proj`, i, 'selfattn', 'q'],
        [`model.layers.${i}.self_attn.k_proj`, i, 'selfattn', 'k'],
        [`model.layers.${i}.self_attn.v_proj`, i, 'selfattn', 'v'],
        [`model.layers.${i}.self_attn.o_proj`, i, 'selfattn', 'o'],
        [`model.layers.${i}.mlp.gate_proj`, i, 'intermediate', 'gate'],
        [`model.layers.${i}.mlp.up_proj`, i, 'intermediate', 'up'],
        [`model.layers.${i}.mlp.down_proj`, i, 'output', 'down'],
      ]),
    );
    for (const site of linear) expect(model.getSubmodule(site.path)).toBe(site.linear);
  });

  it('residual sites own registered adapter slots', () => {
    const residual = model.adaptationSites().filter((site): site is ResidualSite => site.kind === 'residual');
    expect(residual.map((site) => [site.path, site.location])).toEqual([
      ['model.layers.0.attention_adapters', 'mh_adapter'],
      ['model.layers.0.output_adapters', 'output_adapter'],
      ['model.layers.1.attention_adapters', 'mh_adapter'],
      ['model.layers.1.output_adapters', 'output_adapter'],
    ]);
    for (const site of residual) {
      expect(model.getSubmodule(site.path)).toBe(site.owner);
      expect(site.normPlacement).toBe('pre');
      expect(site.hiddenSize).toBe(16);
      expect(site.owner.parameters()).toHaveLength(0);
    }
  });

  it('attention sites describe grouped heads', () => {
    const attention = model.adaptationSites().filter((site): site is AttentionSite => site.kind === 'attention');
    expect(attention.map((site) => site.path)).toEqual(['model.layers.0.self_attn', 'model.layers.1.self_attn']);
    for (const site of attention) {
      expect(model.getSubmodule(site.path)).toBe(site.owner);
      expect([site.numHeads, site.numKeyValueHeads, site.headDim, site.hiddenSize]).toEqual([4, 2, 4, 16]);
    }
  });
});

describe('LlamaForCausalLM forward', () => {
  let model: LlamaForCausalLM;
  beforeAll(() => {
    model = new LlamaForCausalLM(TINY, { seed: 11 });
  });
  afterAll(() => model.dispose());

  it('returns logits and hidden states without leaks', () => {
    const before = tf.memory().numTensors;
    const input = ids([[1, 5, 7]]);
    const logits = model.forward(input);
    const hidden = model.hiddenStates(input);
    expect(logits.shape).toEqual([1, 3, 32]);
    expect(hidden.shape).toEqual([1, 3, 16]);
    tf.dispose([input, logits, hidden]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is causal', () => {
    const short = logitsOf(model, [[1, 5, 7]])[0]!;
    const long = logitsOf(model, [[1, 5, 7, 9, 3]])[0]!;
    for (let t = 0; t < 3; t++) expect(maxDifference(short[t]!, long[t]!)).toBeLessThan(1e-5);
  });

  it('cached chunks equal one full forward', () => {
    const sequence = [1, 4, 9, 2, 8, 3, 6];
    const full = logitsOf(model, [sequence])[0]!;
    const before = tf.memory().numTensors;
    const cache = model.createCache();
    const chunks = [[1, 4, 9], [2], [8, 3], [6]];
    let position = 0;
    for (const chunk of chunks) {
      const logits = tf.tidy(() => model.forward(ids([chunk]), { cache }).arraySync() as number[][][]);
      chunk.forEach((_, i) => expect(maxDifference(logits[0]![i]!, full[position + i]!)).toBeLessThan(1e-5));
      position += chunk.length;
      expect(cache.length).toBe(position);
    }
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('right padding leaves real tokens unchanged', () => {
    const alone = logitsOf(model, [[1, 6, 2]])[0]!;
    const padded = logitsOf(model, [[1, 4, 9, 2, 8], [1, 6, 2, 0, 0]], [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);
    for (let t = 0; t < 3; t++) expect(maxDifference(padded[1]![t]!, alone[t]!)).toBeLessThan(1e-5);
    const first = logitsOf(model, [[1, 4, 9, 2, 8]])[0]!;
    for (let t = 0; t < 5; t++) expect(maxDifference(padded[0]![t]!, first[t]!)).toBeLessThan(1e-5);
  });

  it('left padding leaves real tokens unchanged', () => {
    const alone = logitsOf(model, [[1, 6, 2]])[0]!;
    const padded = logitsOf(model, [[0, 0, 1, 6, 2]], [[0, 0, 1, 1, 1]])[0]!;
    // Rotary angles differ by two positions, which only changes float32 rounding.
    for (let t = 0; t < 3; t++) expect(maxDifference(padded[t + 2]!, alone[t]!)).toBeLessThan(1e-4);
  });

  it('cache remembers left padding', () => {
    const aloneCache = model.createCache();
    const paddedCache = model.createCache();
    tf.tidy(() => {
      model.forward(ids([[1, 6, 2]]), { cache: aloneCache });
      model.forward(ids([[0, 0, 1, 6, 2]]), { cache: paddedCache, attentionMask: tf.tensor2d([[0, 0, 1, 1, 1]]) });
    });
    expect(paddedCache.paddingMask!.arraySync()).toEqual([[0, 0, 1, 1, 1]]);
    const next = (cache: typeof aloneCache, mask?: number[][]): number[] =>
      tf.tidy(() => {
        const attentionMask = mask === undefined ? undefined : tf.tensor2d(mask);
        return (model.forward(ids([[9]]), { cache, attentionMask }).arraySync() as number[][][])[0]![0]!;
      });
    const expected = next(aloneCache);
    expect(maxDifference(next(paddedCache), expected)).toBeLessThan(1e-4);
    expect(paddedCache.paddingMask!.arraySync()).toEqual([[0, 0, 1, 1, 1, 1]]);
    aloneCache.dispose();
    paddedCache.dispose();
  });

  it('accepts a full-history mask with a cache', () => {
    const cacheA = model.createCache();
    const cacheB = model.createCache();
    const mask = [[0, 1, 1]];
    tf.tidy(() => {
      model.forward(ids([[0, 1, 6]]), { cache: cacheA, attentionMask: tf.tensor2d(mask) });
      model.forward(ids([[0, 1, 6]]), { cache: cacheB, attentionMask: tf.tensor2d(mask) });
    });
    const viaNew = tf.tidy(() => model.forward(ids([[2]]), { cache: cacheA, attentionMask: tf.tensor2d([[1]]) }).arraySync());
    const viaFull = tf.tidy(() =>
      model.forward(ids([[2]]), { cache: cacheB, attentionMask: tf.tensor2d([[0, 1, 1, 1]]) }).arraySync(),
    );
    expect(viaFull).toEqual(viaNew);
    cacheA.dispose();
    cacheB.dispose();
  });
});

describe('LlamaForCausalLM input errors', () => {
  let model: LlamaForCausalLM;
  beforeAll(() => {
    model = new LlamaForCausalLM(TINY);
  });
  afterAll(() => model.dispose());

  it('rejects float ids', () => {
    const input = tf.tensor2d([[1, 2]]);
    expect(() => model.forward(input)).toThrow(/int32 tensor of shape \[batch, length\], got a float32 tensor/);
    input.dispose();
  });

  it('rejects rank-1 ids', () => {
    const input = tf.tensor1d([1, 2], 'int32');
    expect(() => model.forward(input)).toThrow(InvalidArgumentError);
    input.dispose();
  });

  it('rejects ids outside the vocabulary', () => {
    const input = ids([[1, 40]]);
    const before = tf.memory().numTensors;
    expect(() => model.forward(input)).toThrow(/Token id 40/);
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });

  it('rejects sequences beyond max_position_embeddings', () => {
    const cache = model.createCache();
    tf.tidy(() => model.forward(ids([new Array(12).fill(3)]), { cache }));
    expect(() => tf.tidy(() => model.forward(ids([[1, 2, 3, 4, 5]]), { cache }))).toThrow(
      /reach 17 tokens \(12 cached \+ 5 new\), beyond max_position_embeddings = 16/,
    );
    expect(cache.length).toBe(12);
    cache.dispose();
  });

  it('rejects a cache of another batch size', () => {
    const cache = model.createCache();
    tf.tidy(() => model.forward(ids([[1, 2]]), { cache }));
    expect(() => tf.tidy(() => model.forward(ids([[1], [2]]), { cache }))).toThrow(/contains a batch of 1 sequences but the input has 2/);
    cache.dispose();
  });

  it('rejects a disposed cache', () => {
    const cache = model.createCache();
    cache.dispose();
    expect(() => tf.tidy(() => model.forward(ids([[1]]), { cache }))).toThrow(/has been disposed/);
  });

  it('rejects a cache of another model', () => {
    const other = new LlamaForCausalLM({ ...TINY, num_hidden_layers: 3 });
    const cache = other.createCache();
    expect(() => tf.tidy(() => model.forward(ids([[1]]), { cache }))).toThrow(/cache has 3 layers but the model has 2/);
    cache.dispose();
    other.dispose();
  });

  it('rejects a mask of the wrong shape', () => {
    expect(() => logitsOf(model, [[1, 2, 3]], [[1, 1]])).toThrow(/attentionMask has shape \[1,2\]; expected \[1, 3\]/);
  });

  it('rejects a mask that is not 0/1', () => {
    expect(() => logitsOf(model, [[1, 2, 3]], [[1, 0.5, 1]])).toThrow(/only 0 \(padding\) and 1 \(token\), got 0.5/);
  });
});

describe('LlamaForCausalLM site hooks', () => {
  let model: LlamaForCausalLM;
  const input = [[1, 5, 7, 3]];
  let base: number[][][];

  beforeAll(() => {
    model = new LlamaForCausalLM(TINY, { seed: 5 });
    base = logitsOf(model, input);
  });
  afterAll(() => model.dispose());

  function siteOf<K extends 'attention' | 'residual'>(kind: K, layer: number, location?: string) {
    const site = model
      .adaptationSites()
      .find((s) => s.kind === kind && s.layerIndex === layer && (location === undefined || (s as ResidualSite).location === location));
    return site as K extends 'attention' ? AttentionSite : ResidualSite;
  }

  function worstChange(): number {
    const now = logitsOf(model, input)[0]!;
    return Math.max(...now.map((row, t) => maxDifference(row, base[0]![t]!)));
  }

  it('linear hook on q_proj changes the output', () => {
    const q = model.model.layers.at(1).self_attn.q_proj;
    q.forwardHook = (_x, y) => tf.mul(y, 1.5);
    expect(worstChange()).toBeGreaterThan(1e-3);
    q.forwardHook = null;
    expect(worstChange()).toBe(0);
  });

  it('residual hooks replace the residual add', () => {
    const site = siteOf('residual', 0, 'output_adapter');
    const seen: number[][] = [];
    site.hook = (hidden, residual, norm) => {
      seen.push(hidden.shape, residual.shape);
      expect(norm).toBeNull();
      return tf.add(hidden, residual);
    };
    expect(worstChange()).toBe(0);
    expect(seen).toEqual([
      [1, 4, 16],
      [1, 4, 16],
    ]);
    site.hook = (hidden, residual) => tf.add(tf.mul(hidden, 2), residual);
    expect(worstChange()).toBeGreaterThan(1e-3);
    site.hook = null;
  });

  it('attention hook sees rotated keys, values and mask', () => {
    const site = siteOf('attention', 1);
    const states: AttentionState[] = [];
    site.hook = (state) => {
      states.push(state);
      return state;
    };
    logitsOf(model, input);
    site.hook = null;
    expect(states).toHaveLength(1);
    expect(states[0]!.key.shape).toEqual([1, 2, 4, 4]);
    expect(states[0]!.value.shape).toEqual([1, 2, 4, 4]);
    expect(states[0]!.hiddenStates.shape).toEqual([1, 4, 16]);
    expect(states[0]!.mask!.shape).toEqual([1, 1, 4, 4]);
  });

  /** A hook that puts `length` prefix keys and values before the real ones, open or masked. */
  function prefixHook(length: number, open: boolean) {
    return (state: AttentionState): AttentionState => {
      const [batch, kvHeads, , headDim] = state.key.shape as [number, number, number, number];
      const prefixKey = tf.fill([batch, kvHeads, length, headDim], 0.7);
      const prefixValue = tf.fill([batch, kvHeads, length, headDim], -2);
      const queryLength = state.hiddenStates.shape[1]!;
      const prefixMask = tf.fill([1, 1, queryLength, length], open ? 0 : -1e9);
      const mask = state.mask ?? tf.zeros([1, 1, queryLength, state.key.shape[2]!]);
      return {
        key: tf.concat([prefixKey, state.key], 2),
        value: tf.concat([prefixValue, state.value], 2),
        mask: tf.concat([prefixMask, mask], 3),
        hiddenStates: state.hiddenStates,
      };
    };
  }

  it('masked prefixes change nothing, open prefixes do', () => {
    const site = siteOf('attention', 0);
    site.hook = prefixHook(3, false);
    expect(worstChange()).toBeLessThan(1e-5);
    site.hook = prefixHook(3, true);
    expect(worstChange()).toBeGreaterThan(1e-3);
    site.hook = null;
  });

  it('prefixes are not stored in the cache', () => {
    const site = siteOf('attention', 0);
    site.hook = prefixHook(2, true);
    const full = logitsOf(model, [[1, 5, 7]])[0]!;
    const cache = model.createCache();
    tf.tidy(() => model.forward(ids([[1, 5]]), { cache }));
    const last = tf.tidy(() => (model.forward(ids([[7]]), { cache }).arraySync() as number[][][])[0]![0]!);
    site.hook = null;
    expect(cache.length).toBe(3);
    expect(maxDifference(last, full[2]!)).toBeLessThan(1e-5);
    cache.dispose();
  });

  it('bad hook output raises and rolls the cache back', () => {
    const site = siteOf('attention', 1);
    const cache = model.createCache();
    tf.tidy(() => model.forward(ids([[1, 5]]), { cache }));
    const before = tf.memory().numTensors;
    site.hook = (state) => ({ ...state, key: tf.zeros([1, 3, 2, 4]) });
    expect(() => tf.tidy(() => model.forward(ids([[7]]), { cache }))).toThrow(ShapeMismatchError);
    expect(() => tf.tidy(() => model.forward(ids([[7]]), { cache }))).toThrow(/returned a key of shape \[1,3,2,4\]/);
    site.hook = null;
    expect(cache.length).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    const resumed = tf.tidy(() => (model.forward(ids([[7]]), { cache }).arraySync() as number[][][])[0]![0]!);
    const full = logitsOf(model, [[1, 5, 7]])[0]!;
    expect(maxDifference(resumed, full[2]!)).toBeLessThan(1e-5);
    cache.dispose();
  });
});

describe('LlamaForSequenceClassification', () => {
  let model: LlamaForSequenceClassification;
  beforeAll(() => {
    model = new LlamaForSequenceClassification(TINY, { numLabels: 3, seed: 2 });
  });
  afterAll(() => model.dispose());

  function classify(rows: number[][], mask?: number[][]): number[][] {
    return tf.tidy(() => {
      const attentionMask = mask === undefined ? undefined : tf.tensor2d(mask);
      return model.forward(ids(rows), { attentionMask }).arraySync() as number[][];
    });
  }

  it('has score.weight and no lm_head', () => {
    const names = model.namedParameters();
    expect(names.get('score.weight')!.shape).toEqual([3, 16]);
    expect(names.has('score.bias')).toBe(false);
    expect(names.has('lm_head.weight')).toBe(false);
    expect(names.has('model.layers.1.mlp.down_proj.weight')).toBe(true);
    expect(model.adaptationSites()).toHaveLength(20);
    expect(model.describe()).toEqual({ modelType: 'llama', hiddenSize: 16, numLayers: 2 });
  });

  it('pools the last real token with padding on either side', () => {
    const before = tf.memory().numTensors;
    const alone = classify([[1, 6, 2]])[0]!;
    const right = classify([[1, 4, 9, 2], [1, 6, 2, 0]], [[1, 1, 1, 1], [1, 1, 1, 0]]);
    const left = classify([[0, 1, 6, 2]], [[0, 1, 1, 1]])[0]!;
    expect(right[1]).toHaveLength(3);
    expect(maxDifference(right[1]!, alone)).toBeLessThan(1e-5);
    expect(maxDifference(left, alone)).toBeLessThan(1e-4);
    expect(maxDifference(right[0]!, classify([[1, 4, 9, 2]])[0]!)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pooled output differs from the first token', () => {
    // A pooling bug that always reads position 0 would make these equal.
    expect(maxDifference(classify([[1, 6, 2]])[0]!, classify([[1, 9, 4]])[0]!)).toBeGreaterThan(1e-4);
  });

  it('rejects an all-padding row', () => {
    expect(() => classify([[1, 2], [3, 4]], [[1, 1], [0, 0]])).toThrow(/row 1 has no token/);
  });

  it('rejects an invalid numLabels', () => {
    expect(() => new LlamaForSequenceClassification(TINY, { numLabels: 0 })).toThrow(ConfigError);
  });
});
