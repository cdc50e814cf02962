import * as tf from '@tensorflow/tfjs';
import { initBackend, runTraining } from '@peftjs/core-tensor';
import { causalLanguageModelingLoss } from '@peftjs/models';

import { PrefixTuningConfig } from '../src';
import { snapshotParameters, stories260K } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

describe('training prefix tuning', () => {
  it('lowers the loss on a batch and changes only prefix parameters', async () => {
    const model = await stories260K();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 10, bottleneck_size: 64, use_gating: true }));
    model.trainAdapter('p');
    const before = snapshotParameters(model);
    // "Once upon a time, there was a little" and a second short story opening, as token ids.
    const ids = tf.tensor2d(
      [
        [1, 403, 407, 261, 378, 430, 292, 274, 261, 399, 308],
        [1, 403, 407, 261, 378, 430, 292, 274, 261, 399, 308].map((id, i) => (i > 6 ? (id + 13) % 512 : id)),
      ],
      [2, 11],
      'int32',
    );
    const mask = tf.onesLike(ids);
    const result = await runTraining({
      parameters: model.parameters(),
      steps: 12,
      schedule: { learningRate: 1e-2, warmupSteps: 0, kind: 'constant' },
      nextBatch: () => ids,
      loss: (batch) => causalLanguageModelingLoss(model.forward(batch), batch, mask),
    });
    expect(result.losses[result.losses.length - 1]).toBeLessThan(result.losses[0] - 0.1);

    const after = snapshotParameters(model);
    for (const [path, values] of before) {
      const changed = values.some((v, i) => v !== after.get(path)![i]);
      expect([path, changed]).toEqual([path, path.startsWith('prefix_tunings.') || path.includes('prefix_gates')]);
    }
    tf.dispose([ids, mask]);
    model.dispose();
  });
});
