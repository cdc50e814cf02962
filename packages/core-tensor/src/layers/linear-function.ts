import * as tf from '@tensorflow/tfjs';

import { ShapeMismatchError } from '../errors';
import { Parameter } from '../module/parameter';
import { matMulTransposeB } from './matmul-transpose-b';

/**
 * Applies a fully connected layer: `y = x Wᵀ + b` with `W` in PyTorch's `[out, in]` layout, as
 * `torch.nn.functional.linear` does. Inputs may have any number of leading dimensions.
 *
 * The product and its gradients run as untransposed 2-D products on the wasm backend, where
 * tfjs 4.22's `tf.matMul(x, W, false, true)` is about 10 times slower. Gradients flow as for
 * `tf.matMul`, so training a model whose weights are frozen computes no weight gradients.
 *
 * @param input Input `[..., in]`; not disposed. Non-float inputs are cast to float32.
 * @param weight Weight `[out, in]`.
 * @param bias Bias `[out]`, or null for none.
 * @returns Output `[..., out]`; the caller owns it.
 */
export function linear(
  input: tf.Tensor,
  weight: Parameter | tf.Tensor,
  bias: Parameter | tf.Tensor | null = null,
): tf.Tensor {
  const weightValue = weight instanceof Parameter ? weight.value : weight;
  const biasValue = bias instanceof Parameter ? bias.value : bias;
  if (weightValue.rank !== 2) {
    throw new ShapeMismatchError(
      `linear expects a weight of rank 2 ([out, in]), got shape [${weightValue.shape}]; pass the [out, in] matrix.`,
    );
  }
  const [outFeatures, inFeatures] = weightValue.shape as [number, number];
  if (input.rank === 0 || input.shape[input.rank - 1] !== inFeatures) {
    throw new ShapeMismatchError(
      `linear expects an input whose last dimension is ${inFeatures} (the weight's in size), got shape [${input.shape}].`,
    );
  }
  if (biasValue !== null && (biasValue.rank !== 1 || biasValue.shape[0] !== outFeatures)) {
    throw new ShapeMismatchError(
      `linear expects a bias of shape [${outFeatures}] (the weight's out size), got shape [${biasValue.shape}].`,
    );
  }

  return tf.tidy(() => {
    const leading = input.shape.slice(0, -1);
    let flat = input.reshape([-1, inFeatures]) as tf.Tensor2D;
    if (flat.dtype !== 'float32') flat = tf.cast(flat, 'float32');
    let output: tf.Tensor = matMulTransposeB(flat, weightValue as tf.Tensor2D);
    if (biasValue !== null) output = tf.add(output, biasValue);
    return output.reshape([...leading, outFeatures]);
  });
}
