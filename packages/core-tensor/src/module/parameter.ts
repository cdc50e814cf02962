import * as tf from '@tensorflow/tfjs';

/**
 * A named, trainable-or-frozen tensor owned by a {@link Module}.
 *
 * The value lives in a `tf.Variable` so optimizers can update it in place. `trainable` decides
 * whether training computes a gradient for it: frozen parameters cost no weight-gradient work.
 */
export class Parameter {
  /** The variable holding the value. Replaced, never mutated, by {@link Parameter.assign}. */
  readonly variable: tf.Variable;

  /**
   * @param value Initial value. The parameter takes ownership and disposes it.
   * @param trainable Whether gradients are computed for it (default true).
   */
  constructor(value: tf.Tensor, trainable = true) {
    this.variable = tf.variable(value, trainable);
    value.dispose();
  }

  /**
   * Whether training computes a gradient for this parameter. Mirrors the variable's own flag,
   * which `tf.variableGrads` and the tfjs optimizers read.
   */
  get trainable(): boolean {
    return this.variable.trainable;
  }

  set trainable(value: boolean) {
    this.variable.trainable = value;
  }

  /** The current value. Do not dispose it: it belongs to the parameter. */
  get value(): tf.Tensor {
    return this.variable;
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get size(): number {
    return this.variable.size;
  }

  /** Replaces the value in place; the shape must stay the same. Does not take ownership of `value`. */
  assign(value: tf.Tensor): void {
    this.variable.assign(value);
  }

  /** Replaces the value in place and disposes `value`: for freshly created tensors. */
  assignOwned(value: tf.Tensor): void {
    this.variable.assign(value);
    value.dispose();
  }

  /** Releases the variable's memory. The parameter must not be used afterwards. */
  dispose(): void {
    if (!this.variable.isDisposed) this.variable.dispose();
  }
}
