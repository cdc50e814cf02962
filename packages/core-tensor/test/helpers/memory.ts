import * as tf from '@tensorflow/tfjs';

/**
 * Runs `body` and returns how many tensors it left allocated. A body that disposes everything
 * it creates returns 0.
 */
export function countLeakedTensors(body: () => void): number {
  const before = tf.memory().numTensors;
  body();
  return tf.memory().numTensors - before;
}
