import type * as tf from '@tensorflow/tfjs';
import { Linear, Module, deriveSeed, kaimingUniform, normal, truncatedNormal, zeros } from '@peftjs/core-tensor';

import type { BnConfigType } from './config';
import { PHMLayer } from './phm-layer';
import type { PHMPosition, SharedPHMParameters } from './shared-phm';

/** A projection of a bottleneck adapter: a linear layer, or a PHM layer for Compacter. */
export type Projection = Linear | PHMLayer;

/**
 * Applies a projection without any adapter hook (adapter layers are not adaptation sites).
 *
 * @param projection The linear or PHM projection.
 * @param x Input whose last dimension is the projection's input size.
 */
export function applyProjection(projection: Projection, x: tf.Tensor): tf.Tensor {
  return projection instanceof Linear ? projection.applyBase(x) : projection.apply(x);
}

/**
 * AdapterHub's `adapter_down`, an `nn.Sequential` whose only parameters are those of the down
 * projection, registered under its index in that sequence (`0`, or `1` after an `ln_before`
 * LayerNorm), so parameter paths read `adapter_down.0.weight` as in AdapterHub's files.
 */
export class AdapterDown extends Module {
  /**
   * @param projection The down projection.
   * @param index Its index in AdapterHub's sequence.
   */
  constructor(
    readonly projection: Projection,
    index: '0' | '1',
  ) {
    super();
    this.registerModule(index, projection);
  }
}

/**
 * Creates the down or up projection of one adapter with the weights `init_weights` selects.
 * `bert` draws normal(0, 0.02), `mam_adapter` kaiming-uniform for down and zeros for up, and
 * `houlsby` normal(0, 0.01) truncated to ±0.02. Biases start at zero. PHM projections take their
 * own initialisers, and `mam_adapter` zeroes the up projection's PHM product so the adapter starts
 * as an identity.
 *
 * @param position `down` (hidden → width) or `up` (width → hidden).
 * @param config The adapter config.
 * @param hiddenSize Width of the residual stream.
 * @param width Bottleneck width.
 * @param seed Seed of this projection.
 * @param shared The adapter's shared PHM parameters, when the config shares any.
 */
export function createProjection(
  position: PHMPosition,
  config: BnConfigType,
  hiddenSize: number,
  width: number,
  seed: number,
  shared: SharedPHMParameters | null,
): Projection {
  const [inFeatures, outFeatures] = position === 'down' ? [hiddenSize, width] : [width, hiddenSize];
  const zeroOutput = position === 'up' && config.init_weights === 'mam_adapter';
  if (config.phm_layer) {
    return new PHMLayer(inFeatures, outFeatures, position, config, seed, { shared, zeroWeight: zeroOutput });
  }

  const layer = new Linear(inFeatures, outFeatures, { seed });
  const shape = [outFeatures, inFeatures];
  const weightSeed = deriveSeed(seed, 'init');
  let weight: tf.Tensor;
  switch (config.init_weights) {
    case 'bert':
      weight = normal(shape, weightSeed, 0, 0.02);
      break;
    case 'mam_adapter':
      weight = zeroOutput ? zeros(shape) : kaimingUniform(shape, weightSeed);
      break;
    case 'houlsby':
      weight = truncatedNormal(shape, weightSeed, 0, 0.01);
      break;
  }
  layer.weight.assignOwned(weight);
  layer.bias!.assignOwned(zeros([outFeatures]));
  return layer;
}

/**
 * Creates the gate of a gated adapter (`use_gating`): a `[1, hidden]` linear layer whose output,
 * through a sigmoid and averaged over the sequence, scales the adapter output. `bert` and
 * `mam_adapter` draw its weight from normal(0, 0.02) with a zero bias, as AdapterHub does;
 * `houlsby` keeps the PyTorch default initialisation.
 *
 * @param config The adapter config.
 * @param hiddenSize Width of the residual stream.
 * @param seed Seed of the gate.
 */
export function createGate(config: BnConfigType, hiddenSize: number, seed: number): Linear {
  const gate = new Linear(hiddenSize, 1, { seed });
  if (config.init_weights !== 'houlsby') {
    gate.weight.assignOwned(normal([1, hiddenSize], deriveSeed(seed, 'init'), 0, 0.02));
    gate.bias!.assignOwned(zeros([1]));
  }
  return gate;
}
