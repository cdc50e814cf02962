import * as tf from '@tensorflow/tfjs';
import { ConfigError, InvalidArgumentError, Parameter, ShapeMismatchError, zeros } from '@peftjs/core-tensor';

import { kroneckerProduct } from './kronecker';
import { nearestValidPhmDim } from './phm-dims';
import { PHMParameterOwner, assembleStack, type FactoredStack, type PHMOptions } from './phm-parameters';
import type { PHMPosition, SharedPHMParameters } from './shared-phm';

/** Options of {@link PHMLayer} besides the config fields. */
export interface PHMLayerOptions {
  /** Parameters shared by all layers of the adapter; required when the config shares rules or weights. */
  readonly shared?: SharedPHMParameters | null;
  /** Start the product at zero (the up projection under `mam_adapter`), so the layer outputs its bias. */
  readonly zeroWeight?: boolean;
}

/**
 * A parameterized hypercomplex multiplication (PHM) layer, the projection of Compacter. It
 * computes `y = x H + b` with `H = Σᵢ kron(ruleᵢ, Wᵢ)` of shape `[in, out]`, built from
 * `n = phm_dim` rules `ruleᵢ` (`n × n`) and blocks `Wᵢ` (`in/n × out/n`, or `W_leftᵢ @ W_rightᵢ`
 * of rank `phm_rank` when factorized). Unlike core-tensor's `Linear`, `H` is applied as `x H`, not
 * `x Hᵀ`, as in AdapterHub's `PHMLayer`. With factorized blocks of rank `r` the weights take
 * `r·(in + out)` values instead of `in·out`, plus `out` for the bias and `n³` for unshared rules.
 * Parameter names are AdapterHub's: `phm_rule` (or `phm_rule_left` and `phm_rule_right`), `W`
 * (or `W_left` and `W_right`) and `b`. Shared rules and weights live in
 * {@link SharedPHMParameters} instead.
 */
export class PHMLayer extends PHMParameterOwner {
  readonly bias: Parameter | null;
  private readonly rule: FactoredStack;
  private readonly weight: FactoredStack;

  /**
   * @param inFeatures Size of the last input dimension; `phm_dim` must divide it.
   * @param outFeatures Size of the last output dimension; `phm_dim` must divide it.
   * @param position `down` or `up`: selects the shared weight when weights are shared.
   * @param options PHM fields of the adapter config.
   * @param seed Seed of the initialisation.
   * @param layerOptions Shared parameters and whether to start the product at zero.
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly position: PHMPosition,
    readonly options: PHMOptions,
    seed: number,
    layerOptions: PHMLayerOptions = {},
  ) {
    super();
    checkPHMDimensions(inFeatures, outFeatures, options.phm_dim);
    const shared = layerOptions.shared ?? null;
    if ((options.shared_phm_rule || options.shared_W_phm) && shared === null) {
      throw new InvalidArgumentError(
        `PHMLayer: the config shares ${options.shared_phm_rule ? 'rules' : 'weights'} across layers, so pass the adapter's SharedPHMParameters.`,
      );
    }

    this.rule = options.shared_phm_rule ? shared!.rule! : this.registerRule(options, seed);
    this.weight = options.shared_W_phm
      ? shared!.weight(position)!
      : this.registerWeight('W', inFeatures, outFeatures, options, seed, layerOptions.zeroWeight ?? false);
    this.bias = options.phm_bias ? this.registerParameter('b', new Parameter(zeros([outFeatures]))) : null;
  }

  /** Returns the assembled rules `[n, n, n]`. */
  assembledRule(): tf.Tensor {
    return tf.tidy(() => tf.clone(assembleStack(this.rule)));
  }

  /** Returns the assembled blocks `[n, in/n, out/n]`. */
  assembledWeight(): tf.Tensor {
    return tf.tidy(() => tf.clone(assembleStack(this.weight)));
  }

  /** Returns the layer's matrix `H = Σᵢ kron(ruleᵢ, Wᵢ)` of shape `[in, out]`. */
  hypercomplexWeight(): tf.Tensor {
    return tf.tidy(() => tf.sum(kroneckerProduct(assembleStack(this.rule), assembleStack(this.weight)), 0));
  }

  /**
   * Applies `y = x H + b`.
   *
   * @param x A tensor whose last dimension is `inFeatures`; leading dimensions are kept.
   */
  apply(x: tf.Tensor): tf.Tensor {
    const inner = x.shape[x.shape.length - 1];
    if (inner !== this.inFeatures) {
      throw new ShapeMismatchError(`PHM layer expects inputs with last dimension ${this.inFeatures}, got shape [${x.shape}].`);
    }
    return tf.tidy(() => {
      const leading = x.shape.slice(0, -1);
      let y = tf.matMul(x.reshape([-1, this.inFeatures]), this.hypercomplexWeight());
      if (this.bias !== null) y = tf.add(y, this.bias.value);
      return y.reshape([...leading, this.outFeatures]);
    });
  }
}

/**
 * Raises a {@link ConfigError} unless `phmDim` divides both sizes of a PHM layer, naming the size
 * that fails and the nearest `phm_dim` that works.
 *
 * @param inFeatures Input size of the layer.
 * @param outFeatures Output size of the layer.
 * @param phmDim The configured `phm_dim`.
 * @param layerName Name used in the message, e.g. the layer's module path.
 */
export function checkPHMDimensions(inFeatures: number, outFeatures: number, phmDim: number, layerName = 'PHM layer'): void {
  for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`${layerName}: ${name} must be a positive integer, got ${value}.`);
    }
  }
  const failing = inFeatures % phmDim !== 0 ? ['in_features', inFeatures] : outFeatures % phmDim !== 0 ? ['out_features', outFeatures] : null;
  if (failing !== null) {
    const suggestion = nearestValidPhmDim(phmDim, [inFeatures, outFeatures]);
    throw new ConfigError(
      `${layerName} (${inFeatures} → ${outFeatures}): phm_dim ${phmDim} does not divide its ${failing[0]} ${failing[1]}. ` +
        `phm_dim must divide both sizes; the nearest that does is ${suggestion}.`,
    );
  }
}
