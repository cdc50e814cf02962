import * as tf from '@tensorflow/tfjs';
import {
  Average,
  ConfigError,
  MergeError,
  Stack,
  groupGateScores,
  initBackend,
  recordGateScores,
  type AdaptableModel,
  type AttentionSite,
} from '@peftjs/core-tensor';

import { PrefixTuningConfig } from '../src';
import { TINY_MODELS, bertInput, collectWarnings, maxAbsDiff, snapshotParameters, tinyBert } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

function attentionSites(model: AdaptableModel): AttentionSite[] {
  return model.adaptationSites().filter((s): s is AttentionSite => s.kind === 'attention');
}

describe.each(TINY_MODELS)('prefix tuning on $label', ({ create, run }) => {
  it('changes outputs only while active', () => {
    const model = create();
    const base = run(model);
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 5, bottleneck_size: 16 }));
    const added = run(model);
    model.setActiveAdapters('p');
    const active = run(model);
    const disabled = model.withAdaptersDisabled(() => run(model));
    model.setActiveAdapters(null);
    const inactive = run(model);

    expect(maxAbsDiff(added, base)).toBe(0);
    expect(maxAbsDiff(active, base)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(disabled, base)).toBe(0);
    expect(maxAbsDiff(inactive, base)).toBe(0);
    tf.dispose([base, added, active, disabled, inactive]);
    model.dispose();
  });

  it('places the prefix module at the model root', () => {
    const model = create();
    const sites = attentionSites(model);
    const { numKeyValueHeads, headDim, hiddenSize } = sites[0];
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 5, bottleneck_size: 16 }));
    const shapes = new Map([...model.adapterParameters('p')].map(([path, p]) => [path, p.shape]));
    expect(shapes).toEqual(
      new Map([
        ['prefix_tunings.p.wte.weight', [5, hiddenSize]],
        ['prefix_tunings.p.control_trans.0.weight', [16, hiddenSize]],
        ['prefix_tunings.p.control_trans.0.bias', [16]],
        ['prefix_tunings.p.control_trans.2.weight', [sites.length * 2 * numKeyValueHeads * headDim, 16]],
        ['prefix_tunings.p.control_trans.2.bias', [sites.length * 2 * numKeyValueHeads * headDim]],
      ]),
    );
    model.dispose();
  });

  it('flat prefixes are one vector', () => {
    const model = create();
    const sites = attentionSites(model);
    const { numKeyValueHeads, headDim } = sites[0];
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 3, flat: true, leave_out: [1] }));
    const shapes = [...model.adapterParameters('p')].map(([path, p]) => [path, p.shape]);
    expect(shapes).toEqual([['prefix_tunings.p.control_trans', [3 * (sites.length - 1) * 2 * numKeyValueHeads * headDim]]]);
    model.dispose();
  });

  it('delete restores names, values and tensor count', () => {
    const model = create();
    run(model).dispose();
    const namesBefore = [...model.namedParameters().keys()];
    const valuesBefore = snapshotParameters(model);
    const tensorsBefore = tf.memory().numTensors;

    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 8, use_gating: true, dropout: 0.1 }), { setActive: true });
    run(model).dispose();
    model.deleteAdapter('p');

    expect([...model.namedParameters().keys()]).toEqual(namesBefore);
    expect(snapshotParameters(model)).toEqual(valuesBefore);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(model.activeAdapters).toBeNull();
    for (const [, module] of model.namedModules()) {
      expect(module.getModule('prefix_tunings')).toBeUndefined();
      expect(module.getModule('prefix_gates')).toBeUndefined();
    }
    model.dispose();
  });

  it('rejects bad leave_out without changing the model', () => {
    const model = create();
    const layers = model.describe().numLayers;
    const tensors = tf.memory().numTensors;
    expect(() => model.addAdapter('p', PrefixTuningConfig({ leave_out: [layers] }))).toThrow(new RegExp(`\\[${layers}\\]`));
    const all = Array.from({ length: layers }, (_, i) => i);
    expect(() => model.addAdapter('p', PrefixTuningConfig({ leave_out: all }))).toThrow(/excludes every attention layer/);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.adapterNames).toEqual([]);
    model.dispose();
  });

  it('leave_out skips layers', () => {
    const model = create();
    const base = run(model);
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 8, use_gating: true, leave_out: [0, 2] }), { setActive: true });
    const gated = [...model.adapterParameters('p').keys()].filter((path) => path.includes('prefix_gates'));
    const gatedLayers = new Set(gated.map((path) => Number(/\.(\d+)\./.exec(path)![1])));
    const expected = attentionSites(model).map((s) => s.layerIndex).filter((i) => i !== 0 && i !== 2);
    expect([...gatedLayers]).toEqual(expected);
    const adapted = run(model);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-4);
    tf.dispose([base, adapted]);
    model.dispose();
  });

  it('cannot be merged', () => {
    const model = create();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4 }));
    expect(() => model.mergeAdapter('p')).toThrow(MergeError);
    model.dispose();
  });

  it('trainAdapter unfreezes only the prefix parameters', () => {
    const model = create();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4, use_gating: true }));
    model.trainAdapter('p');
    const adapterPaths = new Set(model.adapterParameters('p').keys());
    for (const [path, parameter] of model.namedParameters()) expect([path, parameter.trainable]).toEqual([path, adapterPaths.has(path)]);
    expect(model.adapterSummary().adapters[0]).toMatchObject({ active: true, trainable: true, merged: false });
    model.dispose();
  });

  it('stacks prefixes and rejects Average', () => {
    const model = create();
    const base = run(model);
    model.addAdapter('a', PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8, init_weights_seed: 1 }));
    model.addAdapter('b', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 8, init_weights_seed: 2 }));
    model.setActiveAdapters('a');
    const onlyA = run(model);
    model.setActiveAdapters(new Stack('a', 'b'));
    const stacked = run(model);
    expect(maxAbsDiff(stacked, onlyA)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(stacked, base)).toBeGreaterThan(1e-4);
    expect(() => model.setActiveAdapters(new Average(['a', 'b'], [0.5, 0.5]))).toThrow(ConfigError);
    tf.dispose([base, onlyA, stacked]);
    model.setActiveAdapters(null);
    model.dispose();
  });

  it('dropout acts only in training mode', () => {
    const model = create();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 8, dropout: 0.5 }), { setActive: true });
    model.eval();
    const first = run(model);
    const second = run(model);
    expect(maxAbsDiff(first, second)).toBe(0);
    // Only the prefix module trains, so BERT's own dropout cannot cause the difference.
    model.getSubmodule('prefix_tunings').train();
    const dropped = run(model);
    expect(maxAbsDiff(dropped, first)).toBeGreaterThan(1e-4);
    tf.dispose([first, second, dropped]);
    model.dispose();
  });

  it('same seed gives the same prefix whatever the name', () => {
    const model = create();
    model.addAdapter('one', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4, init_weights_seed: 7 }));
    model.addAdapter('two', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4, init_weights_seed: 7 }));
    model.addAdapter('three', PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4, init_weights_seed: 8 }));
    const values = (name: string) => [...model.adapterParameters(name).values()].map((p) => Array.from(p.value.dataSync()));
    expect(values('one')).toEqual(values('two'));
    expect(values('one')).not.toEqual(values('three'));
    model.dispose();
  });
});

describe.each(TINY_MODELS)('prefix gating on $label', ({ create, run }) => {
  it('records one gate per prefixed layer', () => {
    const model = create();
    model.addAdapter('g', PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8, use_gating: true, leave_out: [1] }), { setActive: true });
    const { output, scores } = recordGateScores(model, () => run(model));
    const layers = attentionSites(model).map((s) => s.layerIndex).filter((i) => i !== 1);
    expect(scores.map((s) => s.layerIndex)).toEqual(layers);
    for (const score of scores) {
      expect(score).toMatchObject({ adapter: 'g', method: 'prefix_tuning' });
      expect(score.values).toHaveLength(2);
      for (const row of score.values) {
        expect(row).toHaveLength(1);
        // A new gate has weights near 0, so its value is near 0.5.
        expect(row[0]).toBeGreaterThan(0.3);
        expect(row[0]).toBeLessThan(0.7);
      }
    }
    expect([...groupGateScores(scores).keys()]).toEqual(layers);
    output.dispose();
    model.dispose();
  });

  it('separate gates for keys and values', () => {
    const model = create();
    model.addAdapter('g', PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8, use_gating: true, shared_gating: false }), { setActive: true });
    const gate = [...model.adapterParameters('g')].find(([path]) => path.endsWith('prefix_gates.g.weight'))![1];
    expect(gate.shape).toEqual([2, attentionSites(model)[0].hiddenSize]);
    const { output, scores } = recordGateScores(model, () => run(model));
    expect(scores[0].values[0]).toHaveLength(2);
    output.dispose();
    model.dispose();
  });

  it('an open gate equals the ungated prefix', () => {
    const model = create();
    const config = { prefix_length: 3, bottleneck_size: 8, init_weights_seed: 3 };
    model.addAdapter('plain', PrefixTuningConfig(config));
    model.addAdapter('gated', PrefixTuningConfig({ ...config, use_gating: true }));
    model.setActiveAdapters('plain');
    const plain = run(model);
    model.setActiveAdapters('gated');
    const halfOpen = run(model);
    // sigmoid(40) is 1 in float32, so the gate lets the whole prefix through.
    for (const [path, parameter] of model.adapterParameters('gated')) {
      if (path.endsWith('prefix_gates.gated.bias')) tf.tidy(() => parameter.assign(tf.fill(parameter.shape, 40)));
    }
    const open = run(model);
    expect(maxAbsDiff(open, plain)).toBeLessThan(1e-5);
    expect(maxAbsDiff(halfOpen, plain)).toBeGreaterThan(1e-4);
    tf.dispose([plain, halfOpen, open]);
    model.dispose();
  });
});

describe('masks', () => {
  it('BERT padding stays masked with a prefix', () => {
    const model = tinyBert();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 8 }), { setActive: true });
    const padded = tf.tensor2d([[2, 17, 45, 99, 3, 0, 0]], [1, 7], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 1, 1, 0, 0]], [1, 7], 'int32');
    const short = tf.tensor2d([[2, 17, 45, 99, 3]], [1, 5], 'int32');
    const withPadding = model.forward(padded, { attentionMask: mask });
    const withoutPadding = model.forward(short);
    const realTokens = tf.slice(withPadding.lastHiddenState, [0, 0, 0], [1, 5, -1]);
    expect(maxAbsDiff(realTokens, withoutPadding.lastHiddenState)).toBeLessThan(1e-5);
    tf.dispose([padded, mask, short, withPadding.lastHiddenState, withPadding.poolerOutput!, withoutPadding.lastHiddenState, withoutPadding.poolerOutput!, realTokens]);
    model.dispose();
  });

  it('Llama stays causal with a prefix', () => {
    const model = TINY_MODELS[0].create() as import('@peftjs/models').LlamaForCausalLM;
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 8 }), { setActive: true });
    const full = model.forward(tf.tensor2d([[1, 5, 9, 14, 33, 2]], [1, 6], 'int32'));
    const prefix = model.forward(tf.tensor2d([[1, 5, 9]], [1, 3], 'int32'));
    const head = tf.slice(full, [0, 0, 0], [1, 3, -1]);
    expect(maxAbsDiff(head, prefix)).toBeLessThan(1e-5);
    tf.dispose([full, prefix, head]);
    model.dispose();
  });

  it('no warnings for a plain prefix', () => {
    const model = tinyBert();
    const warnings = collectWarnings(model);
    model.addAdapter('p', PrefixTuningConfig());
    expect(warnings).toEqual([]);
    const input = bertInput();
    const output = model.forward(input);
    tf.dispose([input, output.lastHiddenState, output.poolerOutput!]);
    model.dispose();
  });
});
