import * as tf from '@tensorflow/tfjs';

import { AdamW, Embedding, Parameter, initBackend, linear } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Largest absolute difference between two tensors. */
function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('linear', () => {
  it('matches matMul with a transposed weight, forward and backward', () => {
    const x = tf.variable(tf.randomNormal([2, 3, 6], 0, 1, 'float32', 1));
    const w = tf.variable(tf.randomNormal([5, 6], 0, 1, 'float32', 2));
    const b = tf.variable(tf.randomNormal([5], 0, 1, 'float32', 3));
    const tensors = tf.memory().numTensors;

    const ours = tf.variableGrads(() => tf.sum(tf.square(linear(x, w, b))) as tf.Scalar, [x, w, b]);
    const reference = tf.variableGrads(
      () => tf.sum(tf.square(tf.add(tf.matMul(x.reshape([6, 6]), w, false, true), b))) as tf.Scalar,
      [x, w, b],
    );
    expect(Math.abs(ours.value.dataSync()[0] - reference.value.dataSync()[0])).toBeLessThan(1e-3);
    for (const variable of [x, w, b]) {
      expect(maxDiff(ours.grads[variable.name], reference.grads[variable.name])).toBeLessThan(1e-4);
    }
    tf.dispose([ours.value, reference.value, ...Object.values(ours.grads), ...Object.values(reference.grads)]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, w, b]);
  });
});

describe('Embedding gradient', () => {
  it('sums the gradient of repeated ids', () => {
    const embedding = new Embedding(5, 3, 7);
    const ids = tf.tensor2d([[1, 3, 1], [4, 1, 0]], [2, 3], 'int32');
    const weights = tf.tensor3d([[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1, 1], [2, 2, 2], [3, 3, 3]]]);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(embedding.apply(ids), weights)) as tf.Scalar,
      [embedding.weight.variable],
    );
    const grad = grads[embedding.weight.variable.name].arraySync() as number[][];
    // Row 1 appears at [0,0], [0,2] and [1,1]: 1+7+2, 2+8+2, 3+9+2.
    expect(grad[1]).toEqual([10, 12, 14]);
    expect(grad[0]).toEqual([3, 3, 3]);
    expect(grad[2]).toEqual([0, 0, 0]);
    expect(grad[3]).toEqual([4, 5, 6]);
    expect(grad[4]).toEqual([1, 1, 1]);
    tf.dispose([value, ...Object.values(grads), ids, weights]);
    embedding.dispose();
  });
});

describe('AdamW', () => {
  it('matches tf.train.adam without weight decay', () => {
    const ours = new Parameter(tf.randomNormal([4, 3], 0, 1, 'float32', 9));
    const theirs = tf.variable(ours.value.clone());
    const optimizer = new AdamW({ learningRate: 0.05 });
    const reference = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
    const target = tf.randomNormal([4, 3], 0, 1, 'float32', 10);
    for (let step = 0; step < 5; step++) {
      const a = tf.variableGrads(() => tf.sum(tf.square(tf.sub(ours.value, target))) as tf.Scalar, [ours.variable]);
      optimizer.applyGradients(a.grads, [ours]);
      tf.dispose([a.value, ...Object.values(a.grads)]);
      reference.minimize(() => tf.sum(tf.square(tf.sub(theirs, target))) as tf.Scalar, false, [theirs]);
    }
    expect(maxDiff(ours.value, theirs)).toBeLessThan(1e-6);
    optimizer.dispose();
    reference.dispose();
    tf.dispose([theirs, target]);
    ours.dispose();
  });

  it('decays weights by lr times weight decay', () => {
    const parameter = new Parameter(tf.ones([3]));
    const optimizer = new AdamW({ learningRate: 0.1, weightDecay: 0.5 });
    const zeroGrad = { [parameter.variable.name]: tf.zeros([3]) };
    optimizer.applyGradients(zeroGrad, [parameter]);
    // A zero gradient leaves Adam's step at zero, so only the decay 1 − 0.1 · 0.5 acts.
    expect(Array.from(parameter.value.dataSync())).toEqual([0.95, 0.95, 0.95].map((v) => Math.fround(v)));
    tf.dispose(Object.values(zeroGrad));
    optimizer.dispose();
    parameter.dispose();
  });
});
