import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  DuplicateAdapterError,
  MergeError,
  UnknownAdapterError,
  formatAdapterSummary,
  initBackend,
} from '@peftjs/core-tensor';

import { IA3Config, LoRAConfig } from '../src';
import { maxAbsDiff, snapshotParameters, tinyInput, tinyLlama } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

function silence(model: { adapterHost: { warn: (m: string) => void } }): string[] {
  const warnings: string[] = [];
  model.adapterHost.warn = (message) => warnings.push(message);
  return warnings;
}

describe('adding and deleting', () => {
  it('default init leaves outputs exactly unchanged', () => {
    const model = tinyLlama();
    const input = tinyInput();
    const base = model.forward(input);
    model.addAdapter('a', LoRAConfig({ r: 4, alpha: 7, attn_matrices: ['q', 'k', 'v', 'o'], intermediate_lora: true, output_lora: true }), {
      setActive: true,
    });
    const adapted = model.forward(input);
    expect(Array.from(adapted.dataSync())).toEqual(Array.from(base.dataSync()));
    tf.dispose([base, adapted, input]);
    model.dispose();
  });

  it('bert init changes outputs', () => {
    const model = tinyLlama();
    const input = tinyInput();
    const base = model.forward(input);
    model.addAdapter('a', LoRAConfig({ init_weights: 'bert' }), { setActive: true });
    const adapted = model.forward(input);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-6);
    model.setActiveAdapters(null);
    const inactive = model.forward(input);
    expect(maxAbsDiff(inactive, base)).toBe(0);
    tf.dispose([base, adapted, inactive, input]);
    model.dispose();
  });

  it('delete restores names, values and tensor count', () => {
    const model = tinyLlama();
    // A first forward pass lets the model build any caches it keeps (rotary tables).
    tf.tidy(() => {
      model.forward(tinyInput());
    });
    const namesBefore = [...model.namedParameters().keys()];
    const valuesBefore = snapshotParameters(model);
    const tensorsBefore = tf.memory().numTensors;

    model.addAdapter('a', LoRAConfig({ init_weights: 'bert', dropout: 0.1, use_gating: false }), { setActive: true });
    expect(model.namedParameters().size).toBeGreaterThan(namesBefore.length);
    tf.tidy(() => {
      model.forward(tinyInput());
    });
    model.deleteAdapter('a');

    expect([...model.namedParameters().keys()]).toEqual(namesBefore);
    expect(snapshotParameters(model)).toEqual(valuesBefore);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(model.adapterNames).toEqual([]);
    expect(model.activeAdapters).toBeNull();
    for (const [, module] of model.namedModules()) expect(module.getModule('lora_A')).toBeUndefined();
    model.dispose();
  });

  it('uses PEFT parameter paths', () => {
    const model = tinyLlama();
    model.addAdapter('default', LoRAConfig({ r: 2 }));
    const paths = [...model.adapterParameters('default').keys()];
    expect(paths).toContain('model.layers.0.self_attn.q_proj.lora_A.default.weight');
    expect(paths).toContain('model.layers.4.self_attn.v_proj.lora_B.default.weight');
    expect(model.adapterParameters('default').get('model.layers.0.self_attn.q_proj.lora_A.default.weight')!.shape).toEqual([2, 32]);
    expect(model.adapterParameters('default').get('model.layers.0.self_attn.v_proj.lora_B.default.weight')!.shape).toEqual([16, 2]);
    expect(paths).toHaveLength(5 * 2 * 2);
    model.dispose();
  });

  it('rejects duplicates, bad names and configs without changing the model', () => {
    const model = tinyLlama();
    const tensors = tf.memory().numTensors;
    model.addAdapter('a', LoRAConfig());
    const tensorsWithA = tf.memory().numTensors;
    expect(() => model.addAdapter('a', LoRAConfig())).toThrow(DuplicateAdapterError);
    expect(() => model.addAdapter('bad.name', LoRAConfig())).toThrow(ConfigError);
    expect(() => model.addAdapter('b', LoRAConfig({ leave_out: [0, 1, 2, 3, 9] }))).toThrow(/\[9\]/);
    expect(() => model.addAdapter('c', { architecture: 'nonexistent' })).toThrow(/No adapter method is registered as "nonexistent"/);
    expect(tf.memory().numTensors).toBe(tensorsWithA);
    expect(model.adapterNames).toEqual(['a']);
    model.deleteAdapter('a');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => model.deleteAdapter('a')).toThrow(UnknownAdapterError);
    model.dispose();
  });

  it('leave_out skips layers', () => {
    const model = tinyLlama();
    model.addAdapter('a', LoRAConfig({ leave_out: [1, 3] }));
    const layers = new Set([...model.adapterParameters('a').keys()].map((p) => p.split('.')[2]));
    expect([...layers]).toEqual(['0', '2', '4']);
    model.dispose();
  });
});

describe('merging', () => {
  it('merged forward equals unmerged and unmerge restores the base', () => {
    const model = tinyLlama();
    const base = snapshotParameters(model);
    const input = tinyInput();
    model.addAdapter('a', LoRAConfig({ r: 4, alpha: 3, init_weights: 'bert', attn_matrices: ['q', 'v', 'o'], output_lora: true }), {
      setActive: true,
    });
    const unmerged = model.forward(input);
    model.mergeAdapter('a');
    const merged = model.forward(input);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-4);
    expect(snapshotParameters(model).get('model.layers.0.self_attn.q_proj.weight')).not.toEqual(base.get('model.layers.0.self_attn.q_proj.weight'));

    model.unmergeAdapter('a');
    const after = snapshotParameters(model);
    for (const [name, values] of base) {
      const restored = after.get(name)!;
      const diff = values.reduce((m, v, i) => Math.max(m, Math.abs(v - restored[i])), 0);
      expect(diff).toBeLessThan(1e-5);
    }
    tf.dispose([unmerged, merged, input]);
    model.dispose();
  });

  it('merging twice warns and does nothing', () => {
    const model = tinyLlama();
    const warnings = silence(model);
    model.addAdapter('a', LoRAConfig({ init_weights: 'bert' }));
    model.mergeAdapter('a');
    const once = snapshotParameters(model);
    model.mergeAdapter('a');
    expect(snapshotParameters(model)).toEqual(once);
    expect(warnings).toEqual([expect.stringContaining('already merged')]);
    model.dispose();
  });

  it('a non-finite merged weight raises and leaves base weights untouched', () => {
    const model = tinyLlama();
    model.addAdapter('a', LoRAConfig({ init_weights: 'bert' }));
    const base = snapshotParameters(model);
    const lastB = model.adapterParameters('a').get('model.layers.4.self_attn.v_proj.lora_B.a.weight')!;
    tf.tidy(() => lastB.assign(tf.fill(lastB.shape, Number.POSITIVE_INFINITY)));
    expect(() => model.mergeAdapter('a')).toThrow(MergeError);
    const after = snapshotParameters(model);
    for (const [name, values] of base) {
      if (name.includes('lora_')) continue;
      expect(after.get(name)).toEqual(values);
    }
    expect(model.adapterSummary().adapters[0].merged).toBe(false);
    model.dispose();
  });

  it('(IA)³ merges with merged and unmerged outputs equal', () => {
    const model = tinyLlama();
    const input = tinyInput();
    model.addAdapter('ia3', IA3Config(), { setActive: true });
    const vectors = [...model.adapterParameters('ia3').values()];
    tf.tidy(() => vectors.forEach((p, i) => p.assign(tf.add(p.value, tf.randomNormal(p.shape, 0, 0.3, 'float32', i)))));
    const unmerged = model.forward(input);
    model.mergeAdapter('ia3');
    const merged = model.forward(input);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-4);
    tf.dispose([unmerged, merged, input]);
    model.dispose();
  });

  it('deleting a merged adapter unmerges it first', () => {
    const model = tinyLlama();
    const base = snapshotParameters(model);
    model.addAdapter('a', LoRAConfig({ init_weights: 'bert' }));
    model.mergeAdapter('a');
    model.deleteAdapter('a');
    const after = snapshotParameters(model);
    for (const [name, values] of base) {
      const diff = values.reduce((m, v, i) => Math.max(m, Math.abs(v - after.get(name)![i])), 0);
      expect(diff).toBeLessThan(1e-5);
    }
    model.dispose();
  });

  it('gated LoRA cannot be merged', () => {
    const model = tinyLlama();
    model.addAdapter('g', LoRAConfig({ use_gating: true }));
    expect(() => model.mergeAdapter('g')).toThrow(MergeError);
    model.dispose();
  });
});

describe('activation and composition', () => {
  function twoAdapters() {
    const model = tinyLlama();
    model.addAdapter('a', LoRAConfig({ init_weights: 'bert', init_weights_seed: 1 }));
    model.addAdapter('b', LoRAConfig({ init_weights: 'bert', init_weights_seed: 2, alpha: 16 }));
    return model;
  }

  it('withAdaptersDisabled bypasses and then restores', async () => {
    const model = twoAdapters();
    const input = tinyInput();
    const base = model.forward(input);
    model.setActiveAdapters('a');
    const withA = model.forward(input);
    const disabled = model.withAdaptersDisabled(() => model.forward(input));
    const asyncDisabled = await model.withAdaptersDisabled(async () => model.forward(input));
    const again = model.forward(input);
    expect(maxAbsDiff(disabled, base)).toBe(0);
    expect(maxAbsDiff(asyncDisabled, base)).toBe(0);
    expect(maxAbsDiff(again, withA)).toBe(0);
    expect(() => model.withAdaptersDisabled(() => {
      throw new Error('inner');
    })).toThrow('inner');
    const afterThrow = model.forward(input);
    expect(maxAbsDiff(afterThrow, withA)).toBe(0);
    tf.dispose([input, base, withA, disabled, asyncDisabled, again, afterThrow]);
    model.dispose();
  });

  it('Stack adds both updates and Average mixes them', () => {
    const model = twoAdapters();
    silence(model);
    const input = tinyInput();
    // Compare at one linear layer, where LoRA updates add exactly.
    const site = model.adaptationSites().find((s) => s.kind === 'linear' && s.path === 'model.layers.0.self_attn.q_proj')!;
    if (site.kind !== 'linear') throw new Error('expected a linear site');
    const x = tf.randomNormal([3, 32], 0, 1, 'float32', 5);
    const run = (setup: Parameters<typeof model.setActiveAdapters>[0]) => {
      model.setActiveAdapters(setup);
      return site.linear.apply(x);
    };
    const base = run(null);
    const a = run('a');
    const b = run('b');
    const stacked = run(['a', 'b']);
    const expectedStack = tf.sub(tf.add(a, b), base);
    expect(maxAbsDiff(stacked, expectedStack)).toBeLessThan(1e-5);

    const { Average, BatchSplit, Parallel } = jest.requireActual('@peftjs/core-tensor');
    const averaged = run(new Average(['a', 'b'], [3, 1]));
    const expectedAverage = tf.add(base, tf.add(tf.mul(tf.sub(a, base), 0.75), tf.mul(tf.sub(b, base), 0.25)));
    expect(maxAbsDiff(averaged, expectedAverage)).toBeLessThan(1e-5);

    const split = run(new BatchSplit(['a', 'b'], [1, 2]));
    expect(maxAbsDiff(split.slice([0, 0], [1, -1]), a.slice([0, 0], [1, -1]))).toBeLessThan(1e-6);
    expect(maxAbsDiff(split.slice([1, 0], [2, -1]), b.slice([1, 0], [2, -1]))).toBeLessThan(1e-6);
    expect(() => run(new BatchSplit(['a', 'b'], [2, 2]))).toThrow(/splits a batch of 4 rows/);

    expect(() => model.setActiveAdapters(new Parallel('a', 'b'))).toThrow(/not supported for adapter "a"/);
    expect(() => model.setActiveAdapters(['a', 'missing'])).toThrow(UnknownAdapterError);
    tf.dispose([x, base, a, b, stacked, expectedStack, averaged, expectedAverage, split, input]);
    model.dispose();
  });

  it('adapter names do not change outputs', () => {
    const outputs = ['default', 'default2', 'other_default'].map((name) => {
      const model = tinyLlama();
      model.addAdapter(name, LoRAConfig({ init_weights: 'bert', init_weights_seed: 7 }), { setActive: true });
      const out = tf.tidy(() => model.forward(tinyInput()));
      const values = out.dataSync().slice();
      out.dispose();
      model.dispose();
      return values;
    });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });
});

describe('adapterSummary', () => {
  it('reports parameters, share of base, active and trainable', () => {
    const model = tinyLlama();
    model.addAdapter('a', LoRAConfig({ r: 4 }));
    model.addAdapter('b', IA3Config());
    model.trainAdapter('a');
    const summary = model.adapterSummary();
    // LoRA r=4 on q (32→32) and v (32→16) in 5 layers: 5·(4·32 + 32·4 + 4·32 + 16·4).
    const loraParams = 5 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4);
    // (IA)³ on k, v (16 each), gate and up (37 each) in 5 layers.
    const ia3Params = 5 * (16 + 16 + 37 + 37);
    expect(summary.adapters).toEqual([
      { name: 'a', architecture: 'lora', parameters: loraParams, percentOfBase: expect.any(Number), active: true, trainable: true, merged: false },
      { name: 'b', architecture: 'lora', parameters: ia3Params, percentOfBase: expect.any(Number), active: false, trainable: false, merged: false },
    ]);
    expect(summary.adapters[0].percentOfBase).toBeCloseTo((100 * loraParams) / summary.baseParameters, 10);
    expect(summary.baseTrainableParameters).toBe(0);
    const table = formatAdapterSummary(summary);
    expect(table).toContain('Full model');
    expect(table).toMatch(/a\s+lora\s+2,240/);
    model.dispose();
  });
});
