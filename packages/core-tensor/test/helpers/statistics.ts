import * as tf from '@tensorflow/tfjs';

/** Sample mean and population standard deviation, accumulated in float64. */
export interface Moments {
  mean: number;
  std: number;
}

/**
 * Computes the mean and standard deviation of a tensor's values on the JavaScript side, so the
 * check does not depend on the tfjs reduction under test.
 */
export function momentsOf(tensor: tf.Tensor): Moments {
  const values = tensor.dataSync();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;

  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length) };
}

/** Returns the smallest and largest value of a tensor. */
export function rangeOf(tensor: tf.Tensor): { min: number; max: number } {
  const values = tensor.dataSync();
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  return { min, max };
}
