import * as tf from '@tensorflow/tfjs';
import { Parameter, deriveSeed, normal } from '@peftjs/core-tensor';

import { PrefixSource, type PrefixShape } from './prefix-source';

/**
 * Prefixes learned directly (AdapterHub's `FlatPrefixTuning`): one parameter `control_trans` of
 * `prefixLength · numLayers · 2 · heads · headDim` values, initialised N(0, 1) as `torch.randn`.
 */
export class FlatPrefixTuning extends PrefixSource {
  readonly control_trans: Parameter;

  /**
   * @param shape Prefix sizes.
   * @param dropoutRate Dropout probability on the keys and values.
   * @param seed Seed of the initialisation.
   */
  constructor(shape: PrefixShape, dropoutRate: number, seed: number) {
    super(shape, dropoutRate, seed);
    const size = shape.prefixLength * shape.numLayers * 2 * shape.numKeyValueHeads * shape.headDim;
    this.control_trans = this.registerParameter('control_trans', new Parameter(normal([size], deriveSeed(seed, 'control_trans'))));
  }

  flatten(): tf.Tensor {
    return tf.clone(this.control_trans.value);
  }

  protected layerRows(slot: number): tf.Tensor {
    return tf.tidy(() => {
      const { prefixLength, numLayers } = this.shape;
      const width = this.layerWidth;
      const matrix = this.control_trans.value.reshape([prefixLength, numLayers * width]);
      return tf.slice(matrix, [0, slot * width], [prefixLength, width]);
    });
  }
}
