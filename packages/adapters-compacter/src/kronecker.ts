import * as tf from '@tensorflow/tfjs';
import { ShapeMismatchError } from '@peftjs/core-tensor';

/**
 * Returns the Kronecker product of the matrices in the last two dimensions of `a` and `b`:
 * `out[..., i·p + k, j·q + l] = a[..., i, j] · b[..., k, l]` for `a` of shape `[..., m, n]` and
 * `b` of shape `[..., p, q]`, giving `[..., m·p, n·q]`. Leading dimensions broadcast as in
 * element-wise multiplication (as AdapterHub's `kronecker_product`, which equals `torch.kron` for
 * plain matrices).
 *
 * @param a Left factor, at least 2-D.
 * @param b Right factor, at least 2-D.
 */
export function kroneckerProduct(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeMismatchError(
      `kroneckerProduct needs two tensors of at least 2 dimensions, got shapes [${a.shape}] and [${b.shape}]; reshape vectors to [1, n] or [n, 1].`,
    );
  }
  return tf.tidy(() => {
    const [m, n] = a.shape.slice(-2);
    const [p, q] = b.shape.slice(-2);
    // [..., m, 1, n, 1] · [..., 1, p, 1, q] lays the products out as [..., m, p, n, q].
    const left = a.reshape([...a.shape.slice(0, -2), m, 1, n, 1]);
    const right = b.reshape([...b.shape.slice(0, -2), 1, p, 1, q]);
    const product = tf.mul(left, right);
    const leading = product.shape.slice(0, -4);
    return product.reshape([...leading, m * p, n * q]);
  });
}
