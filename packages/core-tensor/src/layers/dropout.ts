import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import { Module } from '../module/module';

/**
 * Inverted dropout: in training mode zeroes each element with probability `rate` and scales the
 * rest by `1 / (1 − rate)`; in evaluation mode, or with rate 0, returns the input unchanged.
 */
export class Dropout extends Module {
  private calls = 0;

  /**
   * @param rate Probability of zeroing an element, in [0, 1).
   * @param seed Base seed; each call draws a fresh mask from `seed + call count`, so a run is
   *   reproducible from the seed.
   */
  constructor(
    readonly rate: number,
    readonly seed = 0,
  ) {
    super();
    if (!(rate >= 0 && rate < 1)) {
      throw new InvalidArgumentError(`Dropout rate must be in [0, 1), got ${rate}.`);
    }
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return tf.clone(x);
    this.calls += 1;
    return tf.dropout(x, this.rate, undefined, this.seed + this.calls);
  }
}
