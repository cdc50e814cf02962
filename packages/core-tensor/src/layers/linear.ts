import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError, ShapeMismatchError } from '../errors';
import { deriveSeed } from '../init/seed';
import { kaimingUniform, uniform, zeros } from '../init/initializers';
import { Module } from '../module/module';
import { Parameter } from '../module/parameter';
import { linear } from './linear-function';

/**
 * A function that post-processes a linear layer's output. The adapter host installs one on every
 * linear adaptation site that has adapters. It receives the layer input and the base output and
 * returns the adapted output (for example `y + s · x Aᵀ Bᵀ` for LoRA).
 */
export type LinearForwardHook = (input: tf.Tensor, baseOutput: tf.Tensor) => tf.Tensor;

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Whether the layer has an additive bias (default true). */
  bias?: boolean;
  /**
   * Seed of the default initialisation (default 0). The weight uses kaiming-uniform with
   * `a = √5` and the bias U(−1/√in, 1/√in), as PyTorch's `nn.Linear` does.
   */
  seed?: number;
}

/**
 * A fully connected layer `y = x Wᵀ + b`.
 *
 * The weight keeps PyTorch's `[out, in]` layout, so Hugging Face, PEFT and AdapterHub tensors
 * load without a transpose, and is applied by {@link linear}. Inputs may have any number of
 * leading dimensions.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  /** Adapter hook applied after the base computation; `null` when no adapter acts here. */
  forwardHook: LinearForwardHook | null = null;

  /**
   * @param inFeatures Size of the last input dimension.
   * @param outFeatures Size of the last output dimension.
   * @param options Bias and initialisation seed.
   */
  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new InvalidArgumentError(`Linear ${name} must be a positive integer, got ${value}.`);
      }
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;

    const seed = options.seed ?? 0;
    this.weight = this.registerParameter(
      'weight',
      new Parameter(kaimingUniform([outFeatures, inFeatures], deriveSeed(seed, 'weight'))),
    );

    const bound = 1 / Math.sqrt(inFeatures);
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', new Parameter(uniform([outFeatures], deriveSeed(seed, 'bias'), -bound, bound)));
  }

  /**
   * Creates a layer whose weight (and bias, if given) are all zero.
   *
   * @param inFeatures Size of the last input dimension.
   * @param outFeatures Size of the last output dimension.
   * @param bias Whether the layer has an additive bias (default true).
   */
  static zeros(inFeatures: number, outFeatures: number, bias = true): Linear {
    const layer = new Linear(inFeatures, outFeatures, { bias });
    // `assign` does not take ownership, so the zero tensors are freed here.
    tf.tidy(() => {
      layer.weight.assign(zeros([outFeatures, inFeatures]));
      if (layer.bias) layer.bias.assign(zeros([outFeatures]));
    });
    return layer;
  }

  /** Applies the layer and any installed adapter hook. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = this.applyBase(x);
      return this.forwardHook ? this.forwardHook(x, y) : y;
    });
  }

  /** Applies only `x Wᵀ + b`, ignoring adapters. */
  applyBase(x: tf.Tensor): tf.Tensor {
    const inner = x.shape[x.shape.length - 1];
    if (inner !== this.inFeatures) {
      throw new ShapeMismatchError(
        `Linear layer expects inputs with last dimension ${this.inFeatures}, got shape [${x.shape}].`,
      );
    }
    return linear(x, this.weight, this.bias);
  }
}
