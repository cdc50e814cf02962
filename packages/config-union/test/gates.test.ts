import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';

import { UniPELTConfig, groupGateScores, recordGateScores } from '../src';
import { TINY_MODELS } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

describe.each(TINY_MODELS)('UniPELT gate scores on $label', ({ create, run }) => {
  it('are recorded per layer and method', () => {
    const model = create();
    model.addAdapter('uni', UniPELTConfig(), { setActive: true });
    const { output, scores } = recordGateScores(model, () => run(model));
    const layers = groupGateScores(scores);
    expect([...layers.keys()]).toEqual(Array.from({ length: model.describe().numLayers }, (_, i) => i));
    for (const [layer, methods] of layers) {
      expect([layer, [...methods.keys()].sort()]).toEqual([layer, ['bottleneck', 'lora', 'prefix_tuning']]);
      // LoRA gates its q and v projections, prefix tuning its attention, seq_bn the output block.
      expect(methods.get('lora')!.map((s) => s.sitePath.split('.').pop())).toEqual(expect.arrayContaining([expect.stringMatching(/^(q_proj|query)$/), expect.stringMatching(/^(v_proj|value)$/)]));
      expect(methods.get('prefix_tuning')).toHaveLength(1);
      expect(methods.get('bottleneck')).toHaveLength(1);
    }
    for (const score of scores) {
      expect(score.adapter).toBe('uni');
      expect(score.values).toHaveLength(2);
      for (const row of score.values) {
        // New gates have weights near 0, so they start near sigmoid(bias) with a small bias.
        expect(row[0]).toBeGreaterThan(0.2);
        expect(row[0]).toBeLessThan(0.8);
      }
    }
    output.dispose();
    model.dispose();
  });

  it('report the gates that ran', () => {
    const model = create();
    model.addAdapter('uni', UniPELTConfig(), { setActive: true });
    // LoRA's B starts at zero, which would hide the gate's effect on the output.
    for (const [path, parameter] of model.adapterParameters('uni')) {
      if (path.includes('lora_B')) tf.tidy(() => parameter.assign(tf.randomNormal(parameter.shape, 0, 0.1, 'float32', 3)));
    }
    const before = run(model);
    const gateBias = [...model.adapterParameters('uni')].find(([path]) => /layers?\.0\..*(q_proj|query)\.lora_gate\.uni\.bias$/.test(path))![1];
    tf.tidy(() => gateBias.assign(tf.fill(gateBias.shape, 20)));
    const { output, scores } = recordGateScores(model, () => run(model));
    const opened = scores.filter((s) => s.method === 'lora' && s.layerIndex === 0 && /(q_proj|query)$/.test(s.sitePath));
    expect(opened).toHaveLength(1);
    for (const row of opened[0].values) expect(row[0]).toBeCloseTo(1, 6);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(output, before))).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([before, output]);
    model.dispose();
  });

  it('are not recorded outside a recording or for another model', () => {
    const model = create();
    const other = create();
    model.addAdapter('uni', UniPELTConfig(), { setActive: true });
    other.addAdapter('uni', UniPELTConfig(), { setActive: true });
    run(model).dispose();
    const { output, scores } = recordGateScores(other, () => run(model));
    expect(scores).toEqual([]);
    output.dispose();
    model.dispose();
    other.dispose();
  });

  it('stop recording when the callback throws', () => {
    const model = create();
    model.addAdapter('uni', UniPELTConfig(), { setActive: true });
    expect(() =>
      recordGateScores(model, () => {
        throw new Error('forward failed');
      }),
    ).toThrow('forward failed');
    const { output, scores } = recordGateScores(model, () => run(model));
    expect(scores.length).toBeGreaterThan(0);
    output.dispose();
    model.dispose();
  });
});

describe('recordGateScores arguments', () => {
  it('rejects a non-model and a non-function', () => {
    expect(() => recordGateScores({} as never, () => 1)).toThrow(/must be an adaptable model/);
    const model = TINY_MODELS[0].create();
    expect(() => recordGateScores(model, 5 as never)).toThrow(/must be a function/);
    model.dispose();
  });

  it('records until an async callback settles', async () => {
    const { create, run } = TINY_MODELS[0];
    const model = create();
    model.addAdapter('uni', UniPELTConfig(), { setActive: true });
    const { output, scores } = await recordGateScores(model, async () => {
      await Promise.resolve();
      return run(model);
    });
    expect(scores.length).toBeGreaterThan(0);
    output.dispose();
    model.dispose();
  });
});
