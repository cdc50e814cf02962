import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';

/**
 * Seeded weight initializers. Each returns a new float32 tensor that the caller owns.
 *
 * Random draws use tfjs's seeded generators (`tf.randomNormal`, `tf.randomUniform`,
 * `tf.truncatedNormal`, which seed an Alea PRNG from the seed), so the same shape and seed give a
 * bit-identical tensor in every process. Fans follow PyTorch's `_calculate_fan_in_and_fan_out` for
 * a weight in `[out, in, ...]` layout: `fan_in = shape[1] * receptive`, `fan_out = shape[0] *
 * receptive`, where `receptive` is the product of the trailing dimensions.
 */

/**
 * Returns `[fanIn, fanOut]` of a weight shape in PyTorch's `[out, in, ...]` layout.
 *
 * @param shape Weight shape with at least 2 dimensions.
 */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    throw new InvalidArgumentError(
      `Fan-based initializers need a weight with at least 2 dimensions, got shape [${shape}]. ` +
        'Use normal, uniform, zeros or ones for vectors.',
    );
  }
  checkShape(shape);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function checkShape(shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(`Invalid shape [${shape}]: every dimension must be a non-negative integer.`);
  }
}

function checkSeed(seed: number): void {
  if (!Number.isFinite(seed)) {
    throw new InvalidArgumentError(`Invalid seed ${seed}: pass a finite number so the draw is reproducible.`);
  }
}

function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new InvalidArgumentError(`Invalid ${name} ${value}: it must be a finite number.`);
  }
}

function checkPositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`Invalid ${name} ${value}: it must be a positive finite number.`);
  }
}

/**
 * Normal(mean, std²) samples.
 *
 * @param shape Shape of the result.
 * @param seed Seed of the draw; the same shape and seed give the same tensor.
 * @param mean Mean of the distribution (default 0).
 * @param std Standard deviation, positive (default 1).
 */
export function normal(shape: readonly number[], seed: number, mean = 0, std = 1): tf.Tensor {
  checkShape(shape);
  checkSeed(seed);
  checkFinite('mean', mean);
  checkPositive('std', std);
  return tf.randomNormal([...shape], mean, std, 'float32', seed);
}

/**
 * Normal(mean, std²) samples redrawn until they fall within two standard deviations of the mean
 * (tfjs's `truncatedNormal`). The resulting standard deviation is about 0.8796 · std.
 *
 * @param shape Shape of the result.
 * @param seed Seed of the draw; the same shape and seed give the same tensor.
 * @param mean Mean of the untruncated distribution (default 0).
 * @param std Standard deviation of the untruncated distribution, positive (default 1).
 */
export function truncatedNormal(shape: readonly number[], seed: number, mean = 0, std = 1): tf.Tensor {
  checkShape(shape);
  checkSeed(seed);
  checkFinite('mean', mean);
  checkPositive('std', std);
  return tf.truncatedNormal([...shape], mean, std, 'float32', seed);
}

/**
 * Uniform samples on [low, high): mean (low + high) / 2, std (high − low) / √12.
 *
 * @param shape Shape of the result.
 * @param seed Seed of the draw; the same shape and seed give the same tensor.
 * @param low Inclusive lower end (default 0).
 * @param high Exclusive upper end, greater than `low` (default 1).
 */
export function uniform(shape: readonly number[], seed: number, low = 0, high = 1): tf.Tensor {
  checkShape(shape);
  checkSeed(seed);
  checkFinite('low', low);
  checkFinite('high', high);
  if (!(high > low)) {
    throw new InvalidArgumentError(`Invalid uniform range [${low}, ${high}): high must be greater than low.`);
  }
  return tf.randomUniform([...shape], low, high, 'float32', seed);
}

/**
 * He/Kaiming uniform for leaky-ReLU slope `a`: U(−b, b) with
 * `b = sqrt(6 / ((1 + a²) · fan_in))`. The default `a = √5` is PyTorch's `nn.Linear` default
 * and gives `b = 1 / sqrt(fan_in)`; LoRA initialises `lora_A` this way.
 *
 * @param shape Weight shape in `[out, in, ...]` layout, at least 2 dimensions.
 * @param seed Seed of the draw.
 * @param a Negative slope of the leaky ReLU that follows the layer (default √5).
 */
export function kaimingUniform(shape: readonly number[], seed: number, a = Math.sqrt(5)): tf.Tensor {
  checkFinite('negative slope a', a);
  const [fanIn] = computeFans(shape);
  const bound = Math.sqrt(6 / ((1 + a * a) * fanIn));
  return uniform(shape, seed, -bound, bound);
}

/**
 * He/Kaiming normal for leaky-ReLU slope `a`: N(0, std²) with `std = sqrt(2 / ((1 + a²) · fan_in))`.
 *
 * @param shape Weight shape in `[out, in, ...]` layout, at least 2 dimensions.
 * @param seed Seed of the draw.
 * @param a Negative slope of the leaky ReLU that follows the layer (default 0, plain ReLU).
 */
export function kaimingNormal(shape: readonly number[], seed: number, a = 0): tf.Tensor {
  checkFinite('negative slope a', a);
  const [fanIn] = computeFans(shape);
  return normal(shape, seed, 0, Math.sqrt(2 / ((1 + a * a) * fanIn)));
}

/**
 * Xavier/Glorot uniform: U(−b, b) with `b = gain · sqrt(6 / (fan_in + fan_out))`.
 *
 * @param shape Weight shape in `[out, in, ...]` layout, at least 2 dimensions.
 * @param seed Seed of the draw.
 * @param gain Scale factor, positive (default 1).
 */
export function xavierUniform(shape: readonly number[], seed: number, gain = 1): tf.Tensor {
  checkPositive('gain', gain);
  const [fanIn, fanOut] = computeFans(shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, seed, -bound, bound);
}

/**
 * Xavier/Glorot normal: N(0, std²) with `std = gain · sqrt(2 / (fan_in + fan_out))`.
 *
 * @param shape Weight shape in `[out, in, ...]` layout, at least 2 dimensions.
 * @param seed Seed of the draw.
 * @param gain Scale factor, positive (default 1).
 */
export function xavierNormal(shape: readonly number[], seed: number, gain = 1): tf.Tensor {
  checkPositive('gain', gain);
  const [fanIn, fanOut] = computeFans(shape);
  return normal(shape, seed, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/**
 * Creates a float32 tensor of zeros.
 *
 * @param shape Shape of the result.
 */
export function zeros(shape: readonly number[]): tf.Tensor {
  checkShape(shape);
  return tf.zeros([...shape], 'float32');
}

/**
 * Creates a float32 tensor of ones.
 *
 * @param shape Shape of the result.
 */
export function ones(shape: readonly number[]): tf.Tensor {
  checkShape(shape);
  return tf.ones([...shape], 'float32');
}

/** Aliases used by Keras and AdapterHub configs. */
export const glorotUniform = xavierUniform;
export const glorotNormal = xavierNormal;
