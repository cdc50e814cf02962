import * as tf from '@tensorflow/tfjs';
import { ShapeMismatchError, initBackend } from '@peftjs/core-tensor';

import { causalLanguageModelingLoss, nextTokenNegativeLogLikelihood } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** −log softmax(row)[target], computed in float64 from plain arrays. */
function referenceNll(row: number[], target: number): number {
  const max = Math.max(...row);
  const logSum = Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
  return logSum - row[target];
}

describe('next-token loss', () => {
  const logitsValues = [
    [
      [0.1, 2.0, -1.0, 0.5],
      [1.5, -0.5, 0.3, 0.0],
      [0.0, 0.0, 3.0, -2.0],
    ],
    [
      [-1.0, 0.2, 0.4, 2.2],
      [0.7, 0.7, -0.1, 0.9],
      [2.0, 1.0, 0.0, -1.0],
    ],
  ];
  const ids = [
    [1, 3, 2],
    [0, 2, 1],
  ];

  it('matches a hand computation with a mask', () => {
    const logits = tf.tensor3d(logitsValues);
    const inputIds = tf.tensor2d(ids, [2, 3], 'int32');
    // The second sequence has one real token after BOS; its last position is padding.
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const { sum, count } = nextTokenNegativeLogLikelihood(logits, inputIds, mask);
    const expected = referenceNll(logitsValues[0][0], 3) + referenceNll(logitsValues[0][1], 2) + referenceNll(logitsValues[1][0], 2);
    expect(sum.dataSync()[0]).toBeCloseTo(expected, 5);
    expect(count.dataSync()[0]).toBe(3);

    const mean = causalLanguageModelingLoss(logits, inputIds, mask);
    expect(mean.dataSync()[0]).toBeCloseTo(expected / 3, 5);
    tf.dispose([logits, inputIds, mask, sum, count, mean]);
  });

  it('has gradients on the wasm backend', () => {
    const logits = tf.variable(tf.tensor3d(logitsValues));
    const inputIds = tf.tensor2d(ids, [2, 3], 'int32');
    const tensors = tf.memory().numTensors;
    const { grads, value } = tf.variableGrads(() => causalLanguageModelingLoss(logits, inputIds), [logits]);
    const grad = grads[logits.name].arraySync() as number[][][];
    // d(mean NLL)/d logit = (softmax − one-hot) / count at predicting positions, 0 at the last one.
    const row = logitsValues[0][0];
    const softmax = row.map((v) => Math.exp(v) / row.reduce((s, x) => s + Math.exp(x), 0));
    expect(grad[0][0][3]).toBeCloseTo((softmax[3] - 1) / 4, 5);
    expect(grad[0][0][1]).toBeCloseTo(softmax[1] / 4, 5);
    expect(grad[0][2]).toEqual([0, 0, 0, 0]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([logits, inputIds]);
  });

  it('rejects mismatched shapes', () => {
    const logits = tf.zeros([2, 3, 4]);
    const inputIds = tf.zeros([2, 4], 'int32');
    expect(() => nextTokenNegativeLogLikelihood(logits, inputIds)).toThrow(ShapeMismatchError);
    tf.dispose([logits, inputIds]);
  });
});
