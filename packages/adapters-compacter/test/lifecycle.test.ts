import * as tf from '@tensorflow/tfjs';
import { MergeError, initBackend } from '@peftjs/core-tensor';

import { IDENTITY_INIT, PRESET_CASES, VISIBLE_INIT, presetConfig } from './helpers/presets';
import { maxAbsDiff, snapshotParameters, tinyModel } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

const FAMILIES = ['bert', 'llama'] as const;
const CASES = FAMILIES.flatMap((family) => PRESET_CASES.map(([preset]) => [family, preset] as const));

describe.each(CASES)('%s with %s', (family, preset) => {
  it('identity init leaves outputs exactly unchanged', () => {
    const { model, run } = tinyModel(family);
    const base = run();
    model.addAdapter('a', presetConfig(preset, IDENTITY_INIT), { setActive: true });
    const adapted = run();
    expect(Array.from(adapted.dataSync())).toEqual(Array.from(base.dataSync()));
    tf.dispose([base, adapted]);
    model.dispose();
  });

  it('non-identity init changes outputs only while active', () => {
    const { model, run } = tinyModel(family);
    const base = run();
    model.addAdapter('a', presetConfig(preset, VISIBLE_INIT));
    const inactive = run();
    model.setActiveAdapters('a');
    const adapted = run();
    const disabled = model.withAdaptersDisabled(run);
    expect(maxAbsDiff(inactive, base)).toBe(0);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-6);
    expect(maxAbsDiff(disabled, base)).toBe(0);
    tf.dispose([base, inactive, adapted, disabled]);
    model.dispose();
  });

  it('delete restores names, values and tensor count', () => {
    const { model, run } = tinyModel(family);
    // A first forward pass lets the model build any caches it keeps (rotary tables).
    run().dispose();
    const namesBefore = [...model.namedParameters().keys()];
    const modulesBefore = [...model.namedModules()].map(([path]) => path);
    const valuesBefore = snapshotParameters(model);
    const tensorsBefore = tf.memory().numTensors;

    model.addAdapter('a', presetConfig(preset, { ...VISIBLE_INIT, dropout: 0.1 }), { setActive: true });
    model.train();
    expect(model.namedParameters().size).toBeGreaterThan(namesBefore.length);
    run().dispose();
    model.eval();
    model.deleteAdapter('a');

    expect([...model.namedParameters().keys()]).toEqual(namesBefore);
    expect([...model.namedModules()].map(([path]) => path)).toEqual(modulesBefore);
    expect(snapshotParameters(model)).toEqual(valuesBefore);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(model.adapterNames).toEqual([]);
    expect(model.activeAdapters).toBeNull();
    model.dispose();
  });

  it('forward passes do not leak tensors', () => {
    const { model, run } = tinyModel(family);
    model.addAdapter('a', presetConfig(preset, VISIBLE_INIT), { setActive: true });
    run().dispose();
    const before = tf.memory().numTensors;
    run().dispose();
    model.train();
    run().dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('trainAdapter unfreezes exactly the named adapter', () => {
    const { model } = tinyModel(family);
    model.addAdapter('trained', presetConfig(preset));
    model.addAdapter('other', presetConfig(preset));
    model.trainAdapter('trained');
    const trainable = [...model.namedParameters()].filter(([, p]) => p.trainable).map(([name]) => name);
    expect(trainable.sort()).toEqual([...model.adapterParameters('trained').keys()].sort());
    expect(model.activeAdapters).toBe('trained');
    expect(model.training).toBe(true);
    model.dispose();
  });

  it('adapter names do not change outputs', () => {
    const outputs = ['default', 'default2', 'other_default'].map((name) => {
      const { model, run } = tinyModel(family);
      model.addAdapter(name, presetConfig(preset, { ...VISIBLE_INIT, init_weights_seed: 7 }), { setActive: true });
      const out = run();
      const values = out.dataSync().slice();
      out.dispose();
      model.dispose();
      return values;
    });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });

  it('similar names keep separate parameters', () => {
    const { model, run } = tinyModel(family);
    const names = ['default', 'default2', 'other_default'];
    names.forEach((name, i) => model.addAdapter(name, presetConfig(preset, { ...VISIBLE_INIT, init_weights_seed: i })));
    for (const name of names) {
      const paths = [...model.adapterParameters(name).keys()];
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path.split('.')).toContain(name);
    }
    const outputs = names.map((name) => {
      model.setActiveAdapters(name);
      return run();
    });
    expect(maxAbsDiff(outputs[0], outputs[1])).toBeGreaterThan(1e-7);
    model.deleteAdapter('default');
    expect(model.adapterNames).toEqual(['default2', 'other_default']);
    model.setActiveAdapters('default2');
    const after = run();
    expect(maxAbsDiff(after, outputs[1])).toBe(0);
    tf.dispose([...outputs, after]);
    model.dispose();
  });

  it('cannot be merged', () => {
    const { model } = tinyModel(family);
    model.addAdapter('a', presetConfig(preset));
    expect(() => model.mergeAdapter('a')).toThrow(MergeError);
    model.dispose();
  });
});

describe('module paths', () => {
  it('follow AdapterHub on BERT', () => {
    const { model } = tinyModel('bert');
    model.addAdapter('default', presetConfig('double_seq_bn', { ln_before: true, ln_after: true, use_gating: true, scaling: 'learned' }));
    const paths = [...model.adapterParameters('default').keys()];
    const layer0 = paths.filter((p) => p.startsWith('encoder.layer.0.attention.output.adapters.default.'));
    expect(layer0.map((p) => p.slice('encoder.layer.0.attention.output.adapters.default.'.length)).sort()).toEqual(
      [
        'adapter_down.1.bias',
        'adapter_down.1.weight',
        'adapter_norm_after.bias',
        'adapter_norm_after.weight',
        'adapter_norm_before.bias',
        'adapter_norm_before.weight',
        'adapter_up.bias',
        'adapter_up.weight',
        'gate.bias',
        'gate.weight',
        'scaling',
      ].sort(),
    );
    expect(paths).toContain('encoder.layer.3.output.adapters.default.adapter_up.weight');
    expect(model.adapterParameters('default').get('encoder.layer.3.output.adapters.default.adapter_down.1.weight')!.shape).toEqual([2, 32]);
    model.dispose();
  });

  it('follow AdapterHub on Llama', () => {
    const { model } = tinyModel('llama');
    model.addAdapter('default', presetConfig('compacter'));
    const paths = [...model.adapterParameters('default').keys()];
    expect(paths).toContain('model.layers.0.attention_adapters.adapters.default.adapter_down.0.W_left');
    expect(paths).toContain('model.layers.2.output_adapters.adapters.default.adapter_up.W_right');
    expect(paths).toContain('shared_parameters.default.phm_rule');
    model.dispose();
  });
});
