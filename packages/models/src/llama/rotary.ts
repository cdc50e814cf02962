import * as tf from '@tensorflow/tfjs';

/**
 * Rotary position embedding in Hugging Face's rotate-half layout: dimension `i` of the first half
 * of a head is paired with dimension `i + headDim / 2`, and the pair is rotated by the angle
 * `position · rope_theta^(−2i / headDim)`.
 *
 * The angles are recomputed on every call from the absolute positions, so nothing needs to be
 * cached or disposed. Attention scores depend only on the difference of query and key positions,
 * which is why left-padded batches give the same results as unpadded ones.
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
   * Rotates queries or keys of shape `[batch, heads, length, headDim]` whose first position is
   * `offset` (the number of tokens already in the cache).
   *
   * @param x Queries or keys; not disposed.
   * @param offset Absolute position of `x[:, :, 0]`.
   */
  apply(x: tf.Tensor, offset: number): tf.Tensor {
    return tf.tidy(() => {
      const length = x.shape[2]!;
      const half = this.headDim / 2;
      const positions = tf.range(offset, offset + length, 1, 'float32').reshape([length, 1]);
      const frequencies = tf.tensor2d(this.inverseFrequencies, [1, half]);
      const angles = tf.mul(positions, frequencies);
      const fullAngles = tf.concat([angles, angles], 1);
      const cos = tf.cos(fullAngles);
      const sin = tf.sin(fullAngles);

      const [first, second] = tf.split(x, 2, 3);
      const rotated = tf.concat([tf.neg(second), first], 3);
      return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
    });
  }
}
