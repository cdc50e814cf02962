import * as tf from '@tensorflow/tfjs';
import { IA3Config, LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { Average, ConfigError, MergeError, Stack, getAdapterPreset, initBackend, type AdaptableModel } from '@peftjs/core-tensor';

import { ConfigUnion, MAMConfig } from '../src';
import { TINY_MODELS, collectWarnings, maxAbsDiff, snapshotParameters } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

/** Lists every layer index of `model` except `kept`, for members that act on one layer only. */
function allLayersBut(model: AdaptableModel, kept: number): number[] {
  return Array.from({ length: model.describe().numLayers }, (_, i) => i).filter((i) => i !== kept);
}

const loraPlusPrefix = () => ConfigUnion(LoRAConfig({ r: 2, alpha: 5, init_weights: 'bert' }), PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8 }));

describe.each(TINY_MODELS)('union lifecycle on $label', ({ create, run }) => {
  it('one name covers every member', () => {
    const model = create();
    const base = run(model);
    model.addAdapter('u', loraPlusPrefix(), { setActive: true });
    const paths = [...model.adapterParameters('u').keys()];
    expect(paths.some((p) => p.includes('.lora_A.u.'))).toBe(true);
    expect(paths.some((p) => p.startsWith('prefix_tunings.u.'))).toBe(true);
    expect(model.adapterSummary().adapters).toEqual([expect.objectContaining({ name: 'u', architecture: 'union', active: true })]);

    const adapted = run(model);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-4);
    model.setActiveAdapters(null);
    const inactive = run(model);
    expect(maxAbsDiff(inactive, base)).toBe(0);
    tf.dispose([base, adapted, inactive]);
    model.dispose();
  });

  it('trainAdapter unfreezes every member and nothing else', () => {
    const model = create();
    model.addAdapter('u', MAMConfig({ prefixTuning: PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 8 }) }));
    model.addAdapter('other', LoRAConfig());
    model.trainAdapter('u');
    const own = new Set(model.adapterParameters('u').keys());
    for (const [path, parameter] of model.namedParameters()) expect([path, parameter.trainable]).toEqual([path, own.has(path)]);
    expect([...own].some((p) => p.startsWith('prefix_tunings.u.'))).toBe(true);
    expect([...own].some((p) => p.includes('.adapters.u.'))).toBe(true);
    model.dispose();
  });

  it('delete restores names, values and tensor count', () => {
    const model = create();
    run(model).dispose();
    const names = [...model.namedParameters().keys()];
    const values = snapshotParameters(model);
    const tensors = tf.memory().numTensors;
    model.addAdapter('u', ConfigUnion(PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 8, use_gating: true }), getAdapterPreset('par_bn').create(), LoRAConfig({ r: 3, use_gating: true })), {
      setActive: true,
    });
    run(model).dispose();
    model.deleteAdapter('u');
    expect([...model.namedParameters().keys()]).toEqual(names);
    expect(snapshotParameters(model)).toEqual(values);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('leave_out clashes are found per layer when adding', () => {
    const model = create();
    const tensors = tf.memory().numTensors;
    const clashing = ConfigUnion(getAdapterPreset('seq_bn').create({ leave_out: [0] }), getAdapterPreset('seq_bn').create({ leave_out: [1] }));
    expect(() => model.addAdapter('u', clashing)).toThrow(ConfigError);
    expect(() => model.addAdapter('u', clashing)).toThrow(
      /configs\[0\] \(bottleneck, mh_adapter false, output_adapter true, leave_out \[0\]\) and configs\[1\] \(bottleneck, mh_adapter false, output_adapter true, leave_out \[1\]\) both act at layer 2, output_adapter/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.adapterNames).toEqual([]);

    const layers = model.describe().numLayers;
    const even = Array.from({ length: layers }, (_, i) => i).filter((i) => i % 2 === 0);
    const odd = Array.from({ length: layers }, (_, i) => i).filter((i) => i % 2 === 1);
    model.addAdapter('ok', ConfigUnion(getAdapterPreset('seq_bn').create({ leave_out: even }), getAdapterPreset('seq_bn').create({ leave_out: odd })));
    const adapted = new Set([...model.adapterParameters('ok').keys()].map((p) => Number(/\.(\d+)\./.exec(p)![1])));
    expect(adapted.size).toBe(layers);
    model.dispose();
  });

  it('a failing member leaves the model unchanged', () => {
    const model = create();
    const tensors = tf.memory().numTensors;
    const layers = model.describe().numLayers;
    const union = ConfigUnion(PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 8 }), LoRAConfig({ leave_out: [layers + 3] }));
    expect(() => model.addAdapter('u', union)).toThrow(new RegExp(`Union member configs\\[1\\] \\(lora, leave_out \\[${layers + 3}\\]\\): leave_out contains layer indices`));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.adapterNames).toEqual([]);
    model.dispose();
  });

  it('member warnings name the member', () => {
    const model = create();
    const warnings = collectWarnings(model);
    model.addAdapter('u', ConfigUnion(PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 8 }), LoRAConfig({ r: 4, rank_pattern: { nomatch: 2 } })));
    expect(warnings).toEqual([expect.stringMatching(/^adapter "u": configs\[1\] \(lora\): rank_pattern key "nomatch" matches no adapted module/)]);
    model.dispose();
  });

  it('compositions are limited to what every member supports', () => {
    const model = create();
    model.addAdapter('a', loraPlusPrefix());
    model.addAdapter('b', ConfigUnion(LoRAConfig({ init_weights: 'bert', leave_out: [0] }), IA3Config({ leave_out: allLayersBut(model, 0) })));
    model.addAdapter('c', ConfigUnion(LoRAConfig({ init_weights: 'bert', leave_out: [1] }), IA3Config({ leave_out: allLayersBut(model, 1) })));
    expect(() => model.setActiveAdapters(new Average(['a', 'b'], [0.5, 0.5]))).toThrow(/not supported for adapter "a" \(union\); it supports: stack/);
    model.setActiveAdapters(new Average(['b', 'c'], [0.5, 0.5]));
    model.setActiveAdapters(new Stack('a', 'b'));
    run(model).dispose();
    model.setActiveAdapters(null);
    model.dispose();
  });
});

describe.each(TINY_MODELS)('union merging on $label', ({ create, run }) => {
  it('merges when every member can merge', () => {
    const model = create();
    const base = snapshotParameters(model);
    const union = ConfigUnion(LoRAConfig({ r: 2, alpha: 3, init_weights: 'bert', leave_out: [0] }), IA3Config({ leave_out: allLayersBut(model, 0) }));
    model.addAdapter('u', union, { setActive: true });
    for (const [path, parameter] of model.adapterParameters('u')) {
      // (IA)³ starts at ones, an identity; move it so merging has something to fold.
      if (path.includes('lora_B') && parameter.shape[1] === 1) tf.tidy(() => parameter.assign(tf.add(parameter.value, 0.25)));
    }
    const unmerged = run(model);
    model.mergeAdapter('u');
    const merged = run(model);
    expect(maxAbsDiff(merged, unmerged)).toBeLessThan(1e-4);
    model.unmergeAdapter('u');
    const after = snapshotParameters(model);
    for (const [path, values] of base) {
      const diff = values.reduce((m, v, i) => Math.max(m, Math.abs(v - after.get(path)![i])), 0);
      expect([path, diff < 1e-5]).toEqual([path, true]);
    }
    tf.dispose([unmerged, merged]);
    model.dispose();
  });

  it('cannot merge with a prefix member', () => {
    const model = create();
    model.addAdapter('u', loraPlusPrefix());
    expect(() => model.mergeAdapter('u')).toThrow(MergeError);
    model.dispose();
  });
});
