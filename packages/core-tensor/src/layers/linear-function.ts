import * as tf from '@tensorflow/tfjs';

import { ShapeMismatchError } from '../errors';
import { Parameter } from '../module/parameter';
import { linearProduct } from './linear-kernel';

/**
 * Applies a fully connected layer: `y = x Wᵀ + b` with `W` in PyTorch's `[out, in]` layout, as
 * `torch.nn.functional.linear` does. Inputs may have any number of leading dimensions.
 *
 * On the wasm backend the product and its gradients run as untransposed 2-D products in one
 * kernel, because tfjs 4.22's `tf.matMul(x, W, false, true)` is about 10 times slower there.
 * Gradients are those of `tf.matMul`, so training a model whose weights are frozen computes no
 * weight gradients.
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
    const x = input.dtype === 'float32' ? input : tf.cast(input, 'float32');
    return linearProduct(x, weightValue as tf.Tensor2D, biasValue as tf.Tensor1D | null);
  });
}
