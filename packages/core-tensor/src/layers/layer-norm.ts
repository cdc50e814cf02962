import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError, ShapeMismatchError } from '../errors';
import { ones, zeros } from '../init/initializers';
import { Module } from '../module/module';
import { Parameter } from '../module/parameter';

function checkDim(dim: number, eps: number): void {
  if (!Number.isInteger(dim) || dim <= 0) {
    throw new InvalidArgumentError(`Normalisation size must be a positive integer, got ${dim}.`);
  }
  if (!(eps > 0 && Number.isFinite(eps))) {
    throw new InvalidArgumentError(`Normalisation epsilon must be a positive finite number, got ${eps}.`);
  }
}

// A last dimension of 1 would broadcast against the weight and return a wrong shape silently.
function checkInput(layer: string, dim: number, x: tf.Tensor): void {
  if (x.shape[x.shape.length - 1] !== dim) {
    throw new ShapeMismatchError(
      `${layer} expects inputs with last dimension ${dim}, got shape [${x.shape}]. ` +
        'Pass hidden states of the size the layer was built for.',
    );
  }
}

/**
 * Layer normalisation over the last dimension: `(x − mean) / sqrt(var + eps) · weight + bias`,
 * with the biased variance, as `torch.nn.LayerNorm`. Parameters are `weight` (ones) and `bias`
 * (zeros), the names Hugging Face checkpoints use.
 */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  /**
   * @param dim Size of the normalised last dimension.
   * @param eps Added to the variance for stability (PyTorch default 1e-5; BERT uses 1e-12).
   */
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    checkDim(dim, eps);
    this.weight = this.registerParameter('weight', new Parameter(ones([dim])));
    this.bias = this.registerParameter('bias', new Parameter(zeros([dim])));
  }

  /**
   * Normalises `x` over its last dimension.
   *
   * @param x A tensor whose last dimension is `dim`; leading dimensions are kept.
   */
  apply(x: tf.Tensor): tf.Tensor {
    checkInput('LayerNorm', this.dim, x);
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.weight.value), this.bias.value);
    });
  }
}

/**
 * Root-mean-square normalisation over the last dimension: `x / sqrt(mean(x²) + eps) · weight`,
 * as in Llama and llama2.c. The parameter is `weight` (ones).
 */
export class RMSNorm extends Module {
  readonly weight: Parameter;

  /**
   * @param dim Size of the normalised last dimension.
   * @param eps Added to the mean square for stability (Llama default 1e-5; some checkpoints use 1e-6).
   */
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    checkDim(dim, eps);
    this.weight = this.registerParameter('weight', new Parameter(ones([dim])));
  }

  /**
   * Normalises `x` over its last dimension.
   *
   * @param x A tensor whose last dimension is `dim`; leading dimensions are kept.
   */
  apply(x: tf.Tensor): tf.Tensor {
    checkInput('RMSNorm', this.dim, x);
    return tf.tidy(() => {
      const meanSquare = tf.mean(tf.square(x), -1, true);
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, this.eps))), this.weight.value);
    });
  }
}
