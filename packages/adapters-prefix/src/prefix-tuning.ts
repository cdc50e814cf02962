import * as tf from '@tensorflow/tfjs';
import { Embedding, Linear, Module, deriveSeed, getActivation, type Activation } from '@peftjs/core-tensor';

import { PrefixSource, type PrefixShape } from './prefix-source';

/**
 * AdapterHub's `control_trans` MLP: `0` maps the hidden size to the bottleneck, the activation
 * (index 1, no parameters) follows, and `2` maps the bottleneck to every layer's keys and values.
 */
class ControlTrans extends Module {
  readonly down: Linear;
  readonly up: Linear;

  constructor(hiddenSize: number, bottleneckSize: number, outputSize: number, seed: number) {
    super();
    this.down = this.registerModule('0', new Linear(hiddenSize, bottleneckSize, { seed: deriveSeed(seed, '0') }));
    this.up = this.registerModule('2', new Linear(bottleneckSize, outputSize, { seed: deriveSeed(seed, '2') }));
  }
}

/**
 * Reparametrised prefixes (Li and Liang, 2021, as AdapterHub's `PrefixTuning`): an embedding
 * `wte` of `prefixLength × hiddenSize` passes through `control_trans` (`hidden → bottleneck →
 * activation → numLayers · 2 · heads · headDim`). The MLP makes training more stable than learning
 * the prefixes directly; {@link flatten} computes the prefixes once for the flat form.
 *
 * Initialisation follows PyTorch's defaults: N(0, 1) for `wte`, kaiming-uniform for the linear
 * layers.
 */
export class PrefixTuning extends PrefixSource {
  readonly wte: Embedding;
  readonly control_trans: ControlTrans;
  private readonly activation: Activation;

  /**
   * @param shape Prefix sizes.
   * @param hiddenSize Width of the embedding and of the MLP input.
   * @param bottleneckSize Width of the MLP's hidden layer.
   * @param nonLinearity Activation name (AdapterHub's `non_linearity`).
   * @param dropoutRate Dropout probability on the keys and values.
   * @param seed Seed of the initialisation.
   */
  constructor(shape: PrefixShape, hiddenSize: number, bottleneckSize: number, nonLinearity: string, dropoutRate: number, seed: number) {
    super(shape, dropoutRate, seed);
    this.wte = this.registerModule('wte', new Embedding(shape.prefixLength, hiddenSize, deriveSeed(seed, 'wte')));
    const outputSize = shape.numLayers * 2 * shape.numKeyValueHeads * shape.headDim;
    this.control_trans = this.registerModule(
      'control_trans',
      new ControlTrans(hiddenSize, bottleneckSize, outputSize, deriveSeed(seed, 'control_trans')),
    );
    this.activation = getActivation(nonLinearity);
  }

  flatten(): tf.Tensor {
    return tf.tidy(() => this.control_trans.up.applyBase(this.bottleneck()).reshape([-1]));
  }

  protected layerRows(slot: number): tf.Tensor {
    // Only this layer's rows of the output projection are needed, so each layer multiplies a
    // `layerWidth`-row slice instead of computing every layer's prefixes.
    return tf.tidy(() => {
      const up = this.control_trans.up;
      const width = this.layerWidth;
      const weight = tf.slice(up.weight.value, [slot * width, 0], [width, -1]);
      const rows = tf.matMul(this.bottleneck(), weight, false, true);
      return up.bias === null ? rows : tf.add(rows, tf.slice(up.bias.value, [slot * width], [width]));
    });
  }

  /** `activation(control_trans.0(wte))`, `[prefixLength, bottleneckSize]`. */
  private bottleneck(): tf.Tensor {
    return tf.tidy(() => this.activation(this.control_trans.down.applyBase(this.wte.weight.value)));
  }
}
