import * as tf from '@tensorflow/tfjs';

/** Cosines and sines of the rotary angles of a run of positions, each `[length, headDim]`. */
export interface RotaryAngles {
  readonly cos: tf.Tensor;
  readonly sin: tf.Tensor;
}

/**
 * Rotary position embedding in Hugging Face's rotate-half layout: dimension `i` of the first half
 * of a head is paired with dimension `i + headDim / 2`, and the pair is rotated by the angle
 * `position · rope_theta^(−2i / headDim)`.
 *
 * The angles are recomputed for every forward call from the absolute positions, so nothing is
 * cached or needs disposing. Attention scores depend only on the difference of query and key
 * positions, which is why left-padded batches give the same results as unpadded ones.
 */
export class RotaryEmbedding {
  private readonly inverseFrequencies: Float32Array;

  /**
   * @param headDim Size of one attention head (even).
   * @param theta Base of the frequencies (`rope_theta`, 10000 in Llama 1 and 2).
   */
  constructor(
    readonly headDim: number,
    readonly theta: number,
  ) {
    const half = headDim / 2;
    this.inverseFrequencies = new Float32Array(half);
    for (let i = 0; i < half; i++) {
      this.inverseFrequencies[i] = 1 / Math.pow(theta, (2 * i) / headDim);
    }
  }

  /**
   * Returns the cosines and sines for positions `offset … offset + length − 1`; the caller owns them.
   *
   * @param offset Absolute position of the first token (the cache length before the call).
   * @param length Number of positions.
   */
  angles(offset: number, length: number): RotaryAngles {
    return tf.tidy(() => {
      const half = this.headDim / 2;
      const positions = tf.range(offset, offset + length, 1, 'float32').reshape([length, 1]);
      const frequencies = tf.tensor2d(this.inverseFrequencies, [1, half]);
      const angles = tf.mul(positions, frequencies);
      const fullAngles = tf.concat([angles, angles], 1);
      return { cos: tf.cos(fullAngles), sin: tf.sin(fullAngles) };
    });
  }
}

/**
 * Rotates queries or keys `[batch, heads, length, headDim]`: `x · cos + rotateHalf(x) · sin` with
 * `rotateHalf([a, b]) = [−b, a]`.
 *
 * @param x Queries or keys; not disposed.
 * @param angles Angles of the same positions, from {@link RotaryEmbedding.angles}.
 */
export function applyRotary(x: tf.Tensor, angles: RotaryAngles): tf.Tensor {
  return tf.tidy(() => {
    const [first, second] = tf.split(x, 2, 3);
    const rotated = tf.concat([tf.neg(second!), first!], 3);
    return tf.add(tf.mul(x, angles.cos), tf.mul(rotated, angles.sin));
  });
}
