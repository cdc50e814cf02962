import * as tf from '@tensorflow/tfjs';

import { ConfigError } from '../errors';

/** An element-wise activation function. */
export type Activation = (x: tf.Tensor) => tf.Tensor;

const SQRT_HALF = Math.SQRT1_2;
const SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

/** `max(x, 0)`. */
export const relu: Activation = (x) => tf.relu(x);

/** Leaky ReLU with negative slope 0.01, PyTorch's `F.leaky_relu` default (AdapterHub `"leakyrelu"`). */
export const leakyRelu: Activation = (x) => tf.leakyRelu(x, 0.01);

/** GELU in its exact form `x · ½ · (1 + erf(x / √2))` (PyTorch `gelu`, Hugging Face `"gelu"`). */
export const gelu: Activation = (x) =>
  tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT_HALF)))));

/** GELU's tanh approximation `½x(1 + tanh(√(2/π)(x + 0.044715x³)))` (Hugging Face `"gelu_new"`). */
export const geluTanh: Activation = (x) =>
  tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_TWO_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });

/** SiLU, also called swish: `x · sigmoid(x)`. */
export const silu: Activation = (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));

export const tanh: Activation = (x) => tf.tanh(x);

export const sigmoid: Activation = (x) => tf.sigmoid(x);

/** The identity, returning a copy so callers may dispose input and output independently. */
export const identity: Activation = (x) => tf.clone(x);

/**
 * Activations by the names used in Hugging Face configs (`hidden_act`) and AdapterHub configs
 * (`non_linearity`). Lookup is case-insensitive.
 */
export const ACTIVATIONS: Readonly<Record<string, Activation>> = Object.freeze({
  relu,
  leakyrelu: leakyRelu,
  leaky_relu: leakyRelu,
  gelu,
  gelu_orig: gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_tanh: geluTanh,
  silu,
  swish: silu,
  tanh,
  sigmoid,
  linear: identity,
  identity,
});

/** Returns the activation registered as `name`, raising a {@link ConfigError} that lists the known names. */
export function getActivation(name: string): Activation {
  const fn = Object.prototype.hasOwnProperty.call(ACTIVATIONS, name.toLowerCase())
    ? ACTIVATIONS[name.toLowerCase()]
    : undefined;
  if (fn === undefined) {
    throw new ConfigError(
      `Unknown activation "${name}". Use one of: ${Object.keys(ACTIVATIONS).join(', ')}.`,
    );
  }
  return fn;
}
