import * as tf from '@tensorflow/tfjs';
import { ConfigError, MergeError, formatAdapterSummary, initBackend, type AdaptableModel, type AdapterConfig } from '@peftjs/core-tensor';

import { CompacterConfig, CompacterPlusPlusConfig, DoubleSeqBnConfig, ParBnConfig, SeqBnConfig } from '../src';
import { captureWarnings, tinyBert, tinyLlama } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

/** Adds `config` expecting a ConfigError and returns its message; checks the model kept no trace. */
function rejectedAdd(config: AdapterConfig, model: AdaptableModel = tinyBert()): string {
  model.addAdapter('kept', SeqBnConfig());
  const names = [...model.namedParameters().keys()];
  const tensors = tf.memory().numTensors;
  let message = '';
  try {
    model.addAdapter('rejected', config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    message = (error as Error).message;
  }
  expect(message).not.toBe('');
  expect(tf.memory().numTensors).toBe(tensors);
  expect([...model.namedParameters().keys()]).toEqual(names);
  expect(model.adapterNames).toEqual(['kept']);
  expect(model.getModule('shared_parameters')).toBeUndefined();
  model.dispose();
  return message;
}

describe('bottleneck width at add time', () => {
  it('rejects width 1 naming hidden size, factor, width and a working factor', () => {
    const message = rejectedAdd(SeqBnConfig({ reduction_factor: 32 }));
    expect(message).toContain('encoder.layer.0.output');
    expect(message).toContain('hidden size 32');
    expect(message).toContain('reduction_factor 32');
    expect(message).toContain('would be 1 wide');
    expect(message).toContain('reduction_factor, for example 16 (width 2)');
  });

  it('rejects default Compacter++ on hidden 32 with a factor that also fits phm_dim', () => {
    const message = rejectedAdd(CompacterPlusPlusConfig());
    expect(message).toContain('would be 1 wide');
    expect(message).toContain('for example 8 (width 4, divisible by phm_dim 4)');
  });

  it('rejects a factor map without default that misses a layer, naming the layer', () => {
    const message = rejectedAdd(SeqBnConfig({ reduction_factor: { '0': 8, '1': 8, '3': 4 } }));
    expect(message).toContain('no entry for layer 2');
    expect(message).toContain('"default"');
  });

  it('accepts a map that covers left-out layers or has a default', () => {
    const model = tinyBert();
    model.addAdapter('a', SeqBnConfig({ reduction_factor: { '0': 8, '1': 4, '3': 4 }, leave_out: [2] }));
    model.addAdapter('b', SeqBnConfig({ reduction_factor: { '1': 4, default: 16 } }));
    const widthOf = (name: string, layer: number) =>
      model.adapterParameters(name).get(`encoder.layer.${layer}.output.adapters.${name}.adapter_down.0.weight`)?.shape[0];
    expect([0, 1, 2, 3].map((i) => widthOf('a', i))).toEqual([4, 8, undefined, 8]);
    expect([0, 1, 2, 3].map((i) => widthOf('b', i))).toEqual([2, 8, 2, 2]);
    model.dispose();
  });

  it('rejects map entries and leave_out indices beyond the model', () => {
    expect(rejectedAdd(SeqBnConfig({ reduction_factor: { '7': 8, default: 8 } }))).toContain('[7]');
    expect(rejectedAdd(SeqBnConfig({ leave_out: [4] }))).toContain('[4]');
  });

  it('rejects a config that selects no site', () => {
    expect(rejectedAdd(SeqBnConfig({ leave_out: [0, 1, 2, 3] }))).toContain('selects no residual site');
  });
});

describe('phm_dim at add time', () => {
  it('names the layer, the dimension and the nearest valid phm_dim', () => {
    const message = rejectedAdd(CompacterPlusPlusConfig({ reduction_factor: 8, phm_dim: 3 }));
    expect(message).toContain('encoder.layer.0.output.adapters.rejected.adapter_down.0');
    expect(message).toContain('in_features 32');
    expect(message).toContain('the nearest that does is 4');
  });

  it('names the output dimension when only the width fails', () => {
    const message = rejectedAdd(CompacterConfig({ reduction_factor: 16 }));
    expect(message).toContain('encoder.layer.0.attention.output.adapters.rejected.adapter_down.0');
    expect(message).toContain('out_features 2');
    expect(message).toContain('the nearest that does is 2');
    expect(message).toContain('keep phm_dim 4 and use reduction_factor 8 (width 4');
  });

  it('names adapter_down.1 when ln_before shifts the projection', () => {
    const message = rejectedAdd(CompacterPlusPlusConfig({ reduction_factor: 8, phm_dim: 8, ln_before: true }));
    expect(message).toContain('adapters.rejected.adapter_down.1');
  });

  it('checks Llama sites too', () => {
    const message = rejectedAdd(CompacterPlusPlusConfig({ reduction_factor: 16 }), tinyLlama());
    expect(message).toContain('model.layers.0.output_adapters.adapters.rejected.adapter_down.0');
  });
});

describe('merging', () => {
  it.each([
    ['seq_bn', SeqBnConfig()],
    ['compacter', CompacterConfig({ reduction_factor: 8 })],
  ])('%s cannot be merged', (_name, config) => {
    const model = tinyBert();
    model.addAdapter('a', config, { setActive: true });
    expect(() => model.mergeAdapter('a')).toThrow(MergeError);
    expect(() => model.mergeAdapter('a')).toThrow(/cannot be merged/);
    expect(model.adapterSummary().adapters[0].merged).toBe(false);
    model.dispose();
  });
});

describe('parameter counts', () => {
  it('Compacter++ phm_dim 2, factor 8 has 440 parameters', () => {
    const model = tinyBert();
    model.addAdapter('default', CompacterPlusPlusConfig({ phm_dim: 2, reduction_factor: 8 }));
    model.trainAdapter('default');
    const params = model.adapterParameters('default');
    // Per layer: down 32→4 (W_left [2,16,1], W_right [2,1,2], b [4]) = 40 and up 4→32
    // (W_left [2,2,1], W_right [2,1,16], b [32]) = 68; 4 layers; plus one shared rule [2,2,2].
    expect(params.get('shared_parameters.default.phm_rule')!.shape).toEqual([2, 2, 2]);
    expect(params.get('encoder.layer.0.output.adapters.default.adapter_down.0.W_left')!.shape).toEqual([2, 16, 1]);
    expect(params.get('encoder.layer.3.output.adapters.default.adapter_up.W_right')!.shape).toEqual([2, 1, 16]);
    expect(params.size).toBe(4 * 6 + 1);
    const trainable = model.countParameters({ trainableOnly: true });
    expect(trainable).toBe(440);

    const summary = model.adapterSummary();
    expect(summary.adapters[0].parameters).toBe(440);
    expect(summary.adapters[0].trainable).toBe(true);
    expect(summary.baseTrainableParameters).toBe(0);
    expect(formatAdapterSummary(summary)).toMatch(/default\s+bottleneck\s+440\s/);
    model.dispose();
  });

  it('counts unshared rules and double adapters', () => {
    const model = tinyBert();
    model.addAdapter('a', CompacterConfig({ phm_dim: 2, reduction_factor: 8, shared_phm_rule: false }));
    // 8 sites × (108 + two own rules of 8) and no shared parameters.
    expect(model.adapterSummary().adapters[0].parameters).toBe(8 * (108 + 16));
    expect([...model.adapterParameters('a').keys()].some((k) => k.startsWith('shared_parameters'))).toBe(false);
    model.dispose();
  });

  it('counts plain adapters like AdapterHub', () => {
    const model = tinyBert();
    model.addAdapter('seq', SeqBnConfig({ reduction_factor: 4 }));
    model.addAdapter('double', DoubleSeqBnConfig({ reduction_factor: 4, ln_before: true, ln_after: true }));
    model.addAdapter('par', ParBnConfig({ scaling: 'channel', use_gating: true }));
    const [seq, double, par] = model.adapterSummary().adapters.map((a) => a.parameters);
    const linear = (i: number, o: number) => i * o + o;
    expect(seq).toBe(4 * (linear(32, 8) + linear(8, 32)));
    expect(double).toBe(8 * (linear(32, 8) + linear(8, 32) + 4 * 32));
    expect(par).toBe(4 * (linear(32, 16) + linear(16, 32) + 32 + linear(32, 1)));
    model.dispose();
  });
});

describe('warnings', () => {
  it('warns about options a parallel adapter ignores and a zero scaling', () => {
    const model = tinyBert();
    const warnings = captureWarnings(model);
    model.addAdapter('p', ParBnConfig({ original_ln_before: true, scaling: 0 }));
    expect(warnings).toEqual([expect.stringContaining('original_ln_before has no effect'), expect.stringContaining('scaling 0')]);
    model.dispose();
  });
});
