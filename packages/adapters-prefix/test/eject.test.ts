import * as tf from '@tensorflow/tfjs';
import { ConfigError, Stack, initBackend, registerAdapterMethod, unregisterAdapterMethod, type AdapterConfig } from '@peftjs/core-tensor';

import { PrefixTuningConfig, ejectPrefix } from '../src';
import { TINY_MODELS, maxAbsDiff } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

describe.each(TINY_MODELS)('ejectPrefix on $label', ({ create, run }) => {
  it('gives identical outputs with flat prefixes', () => {
    const model = create();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 5, bottleneck_size: 12, leave_out: [1] }), { setActive: true });
    const before = run(model);
    const tensors = tf.memory().numTensors;

    ejectPrefix(model, 'p');

    const after = run(model);
    expect(maxAbsDiff(after, before)).toBeLessThan(1e-5);
    expect(model.adapterConfig('p')).toEqual(PrefixTuningConfig({ prefix_length: 5, bottleneck_size: 12, leave_out: [1], flat: true }));
    expect([...model.adapterParameters('p').keys()]).toEqual(['prefix_tunings.p.control_trans']);
    expect(model.activeAdapters).toBe('p');
    // The MLP's tensors are freed; only the flat vector replaces them.
    expect(tf.memory().numTensors).toBeLessThan(tensors);
    tf.dispose([before, after]);
    model.dispose();
  });

  it('keeps gates, trainable flags and a Stack setup', () => {
    const model = create();
    model.addAdapter('g', PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8, use_gating: true, init_weights_seed: 1 }));
    model.addAdapter('other', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 8, init_weights_seed: 2 }));
    // Change the gates from their initial values so that keeping them is visible.
    for (const [path, parameter] of model.adapterParameters('g')) {
      if (path.includes('prefix_gates')) tf.tidy(() => parameter.assign(tf.add(parameter.value, 0.3)));
    }
    model.trainAdapter(new Stack('g', 'other'));
    // Evaluation mode turns BERT's dropout off, so the outputs can be compared.
    model.eval();
    const before = run(model);
    const gatesBefore = [...model.adapterParameters('g')].filter(([path]) => path.includes('prefix_gates')).map(([path, p]) => [path, Array.from(p.value.dataSync())]);

    ejectPrefix(model, 'g');

    const after = run(model);
    expect(maxAbsDiff(after, before)).toBeLessThan(1e-5);
    const gatesAfter = [...model.adapterParameters('g')].filter(([path]) => path.includes('prefix_gates')).map(([path, p]) => [path, Array.from(p.value.dataSync())]);
    expect(gatesAfter).toEqual(gatesBefore);
    expect([...model.adapterParameters('g').values()].every((p) => p.trainable)).toBe(true);
    expect(model.activeAdapters).toEqual(new Stack('g', 'other'));
    tf.dispose([before, after]);
    model.setActiveAdapters(null);
    model.dispose();
  });

  it('leaves flat adapters alone and rejects other methods', () => {
    const model = create();
    model.addAdapter('flat', PrefixTuningConfig({ prefix_length: 2, flat: true }));
    const values = Array.from(model.adapterParameters('flat').get('prefix_tunings.flat.control_trans')!.value.dataSync());
    ejectPrefix(model, 'flat');
    expect(Array.from(model.adapterParameters('flat').get('prefix_tunings.flat.control_trans')!.value.dataSync())).toEqual(values);
    expect(() => ejectPrefix(model, 'missing')).toThrow(/No adapter named "missing"/);
    model.dispose();
  });
});

describe('ejectPrefix arguments', () => {
  it('rejects an adapter of another method', () => {
    // A minimal method that adds nothing, so this package's tests need no other adapter package.
    registerAdapterMethod({
      architecture: 'test_noop',
      supportedCompositions: [],
      parseConfig: (input) => input as AdapterConfig,
      build: () => ({ placements: [], bindings: [] }),
    });
    const model = TINY_MODELS[0].create();
    model.addAdapter('noop', { architecture: 'test_noop' });
    expect(() => ejectPrefix(model, 'noop')).toThrow(ConfigError);
    expect(() => ejectPrefix(model, 'noop')).toThrow(/test_noop adapter without prefix tuning; ejectPrefix converts prefix tuning adapters/);
    model.dispose();
    unregisterAdapterMethod('test_noop');
  });
});
