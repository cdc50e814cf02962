import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, initBackend, type Module } from '@peftjs/core-tensor';

import { CompacterConfig, CompacterPlusPlusConfig, PHMLayer, initPHMRule, initPHMWeight, type BottleneckAdapter } from '../src';
import { tinyBert } from './helpers/models';
import { SingleResidualModel } from './helpers/single-residual-model';

beforeAll(async () => {
  await initBackend();
});

function statistics(t: tf.Tensor): { mean: number; std: number; maxAbs: number } {
  const values = Array.from(t.dataSync() as Float32Array);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), maxAbs: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
}

describe('PHM weight initialisers', () => {
  // 4 slices of 96 × 32: the Glorot fans are those of one slice, 96 + 32 = 128.
  const shape = [4, 96, 32];

  it('glorot-uniform draws U(−√(6/128), √(6/128))', () => {
    const stats = statistics(initPHMWeight(shape, 'glorot-uniform', 1e-4, 1));
    const bound = Math.sqrt(6 / 128);
    expect(stats.maxAbs).toBeLessThanOrEqual(bound);
    expect(stats.maxAbs).toBeGreaterThan(0.95 * bound);
    expect(stats.std).toBeCloseTo(bound / Math.sqrt(3), 2);
  });

  it('glorot-normal draws N(0, 2/128)', () => {
    const stats = statistics(initPHMWeight(shape, 'glorot-normal', 1e-4, 1));
    expect(Math.abs(stats.mean)).toBeLessThan(0.01);
    expect(stats.std / Math.sqrt(2 / 128)).toBeGreaterThan(0.97);
    expect(stats.std / Math.sqrt(2 / 128)).toBeLessThan(1.03);
    // A normal draw of 12,288 values exceeds the uniform bound; a Glorot-uniform one never does.
    expect(stats.maxAbs).toBeGreaterThan(Math.sqrt(6 / 128));
  });

  it('normal and uniform use phm_init_range', () => {
    const normal = statistics(initPHMWeight(shape, 'normal', 0.3, 1));
    expect(normal.std / 0.3).toBeGreaterThan(0.97);
    expect(normal.std / 0.3).toBeLessThan(1.03);
    const uniform = statistics(initPHMWeight(shape, 'uniform', 0.3, 1));
    expect(uniform.maxAbs).toBeLessThanOrEqual(0.3);
    expect(uniform.std).toBeCloseTo(0.3 / Math.sqrt(3), 2);
  });

  it('rules use phm_init_range as std or bound', () => {
    expect(statistics(initPHMRule([8, 8, 8], 'normal', 0.01, 3)).std).toBeCloseTo(0.01, 2);
    expect(statistics(initPHMRule([8, 8, 8], 'uniform', 0.01, 3)).maxAbs).toBeLessThanOrEqual(0.01);
  });

  it('rejects unknown names and bad shapes', () => {
    expect(() => initPHMWeight(shape, 'phm' as never, 1e-4, 1)).toThrow(InvalidArgumentError);
    expect(() => initPHMWeight([4, 8], 'normal', 1e-4, 1)).toThrow(/\[n, rows, columns\]/);
    expect(() => initPHMRule([2, 2, 2], 'glorot' as never, 1e-4, 1)).toThrow(/normal or uniform/);
  });

  it('hypercomplex_nonlinearity selects the initialiser of the adapter weights', () => {
    // hidden 256, factor 2: down W_left is [4, 64, 1], so the Glorot bound is √(6/65).
    const drawn = (init: 'glorot-uniform' | 'glorot-normal' | 'normal' | 'uniform') => {
      const model = new SingleResidualModel(256);
      model.addAdapter('a', CompacterPlusPlusConfig({ reduction_factor: 2, hypercomplex_nonlinearity: init, phm_init_range: 0.5 }));
      const stats = statistics(model.adapterParameters('a').get('block.output.adapters.a.adapter_down.0.W_left')!.value);
      model.dispose();
      return stats;
    };
    const glorotBound = Math.sqrt(6 / 65);
    expect(drawn('glorot-uniform').maxAbs).toBeLessThanOrEqual(glorotBound);
    expect(drawn('glorot-normal').std).toBeLessThan(0.25);
    expect(drawn('normal').std).toBeGreaterThan(0.4);
    expect(drawn('normal').maxAbs).toBeGreaterThan(0.5);
    expect(drawn('uniform').maxAbs).toBeLessThanOrEqual(0.5);
    expect(drawn('uniform').maxAbs).toBeGreaterThan(glorotBound);
  });
});

describe('PHMLayer', () => {
  it('rejects a phm_dim that does not divide its sizes', () => {
    const options = CompacterPlusPlusConfig({ shared_phm_rule: false });
    expect(() => new PHMLayer(12, 6, 'down', options, 1)).toThrow(/out_features 6.*nearest that does is 3/);
  });

  it('needs the shared parameters when the config shares them', () => {
    expect(() => new PHMLayer(8, 4, 'down', CompacterPlusPlusConfig(), 1)).toThrow(/SharedPHMParameters/);
  });

  it('does not leak tensors in a forward pass', () => {
    const layer = new PHMLayer(8, 4, 'up', CompacterPlusPlusConfig({ shared_phm_rule: false, factorized_phm_rule: true }), 1);
    const x = tf.randomNormal([2, 3, 8]);
    const before = tf.memory().numTensors;
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 3, 4]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    layer.dispose();
  });
});

function adapterAt(model: ReturnType<typeof tinyBert>, path: string, name: string): BottleneckAdapter {
  return (model.getSubmodule(path).getModule('adapters') as Module).getModule(name) as BottleneckAdapter;
}

describe('shared PHM parameters', () => {
  it('one rule tensor per adapter is used by every layer', () => {
    const model = tinyBert();
    model.addAdapter('a', CompacterConfig({ reduction_factor: 8 }));
    const keys = [...model.adapterParameters('a').keys()];
    expect(keys.filter((k) => k.includes('phm_rule'))).toEqual(['shared_parameters.a.phm_rule']);

    const layers = ['encoder.layer.0.output', 'encoder.layer.3.attention.output'].map((p) => adapterAt(model, p, 'a'));
    const before = layers.map((a) => (a.adapterUp as PHMLayer).hypercomplexWeight());
    const rule = model.adapterParameters('a').get('shared_parameters.a.phm_rule')!;
    tf.tidy(() => rule.assign(tf.mul(rule.value, 3)));
    layers.forEach((adapter, i) => {
      tf.tidy(() => {
        const after = (adapter.adapterUp as PHMLayer).hypercomplexWeight();
        const ratio = tf.div(after, before[i]).dataSync();
        expect(Math.abs(ratio[0] - 3)).toBeLessThan(1e-4);
      });
    });
    tf.dispose(before);
    model.dispose();
  });

  it('shared_W_phm keeps one down and one up weight per adapter', () => {
    const model = tinyBert();
    model.addAdapter('w', CompacterConfig({ reduction_factor: 8, shared_W_phm: true, factorized_phm_rule: true }));
    const keys = [...model.adapterParameters('w').keys()];
    expect(keys.filter((k) => k.startsWith('shared_parameters')).sort()).toEqual([
      'shared_parameters.w.W_down_left',
      'shared_parameters.w.W_down_right',
      'shared_parameters.w.W_up_left',
      'shared_parameters.w.W_up_right',
      'shared_parameters.w.phm_rule_left',
      'shared_parameters.w.phm_rule_right',
    ]);
    expect(keys.filter((k) => k.startsWith('encoder.layer.0.output.')).sort()).toEqual([
      'encoder.layer.0.output.adapters.w.adapter_down.0.b',
      'encoder.layer.0.output.adapters.w.adapter_up.b',
    ]);
    const down0 = adapterAt(model, 'encoder.layer.0.output', 'w').adapterDown.projection as PHMLayer;
    const down2 = adapterAt(model, 'encoder.layer.2.attention.output', 'w').adapterDown.projection as PHMLayer;
    tf.tidy(() => expect(tf.max(tf.abs(tf.sub(down0.hypercomplexWeight(), down2.hypercomplexWeight()))).dataSync()[0]).toBe(0));
    model.dispose();
  });

  it('learn_phm false keeps the rules frozen under trainAdapter', () => {
    const model = tinyBert();
    model.addAdapter('frozen', CompacterConfig({ reduction_factor: 8, learn_phm: false }));
    model.addAdapter('unshared', CompacterConfig({ reduction_factor: 8, learn_phm: false, shared_phm_rule: false, factorized_phm_rule: true }));
    model.addAdapter('learned', CompacterConfig({ reduction_factor: 8 }));
    for (const name of ['frozen', 'unshared', 'learned']) {
      model.trainAdapter(name);
      const params = [...model.adapterParameters(name)];
      const rules = params.filter(([k]) => k.includes('phm_rule'));
      expect(rules.length).toBeGreaterThan(0);
      for (const [, p] of rules) expect(p.trainable).toBe(name === 'learned');
      for (const [, p] of params.filter(([k]) => !k.includes('phm_rule'))) expect(p.trainable).toBe(true);
    }
    expect(model.adapterSummary().adapters.map((a) => a.trainable)).toEqual([false, false, true]);
    model.dispose();
  });

  it('mam_adapter init starts the shared up weight at zero', () => {
    const model = tinyBert();
    model.addAdapter('m', CompacterConfig({ reduction_factor: 8, shared_W_phm: true, init_weights: 'mam_adapter' }));
    const params = model.adapterParameters('m');
    expect(statistics(params.get('shared_parameters.m.W_up_right')!.value).maxAbs).toBe(0);
    expect(statistics(params.get('shared_parameters.m.W_up_left')!.value).maxAbs).toBeGreaterThan(0);
    model.dispose();
  });
});
