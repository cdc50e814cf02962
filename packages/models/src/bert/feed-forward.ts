import * as tf from '@tensorflow/tfjs';

import {
  type Activation,
  deriveSeed,
  Dropout,
  getActivation,
  LayerNorm,
  type Linear,
  type LinearSite,
  Module,
  ResidualSite,
} from '@peftjs/core-tensor';

import type { BertConfig } from './config';
import { bertLinear } from './init';

/** First feed-forward projection and activation (transformers' `BertIntermediate`; child `dense`). */
export class BertIntermediate extends Module {
  readonly dense: Linear;
  private readonly activation: Activation;

  /**
   * @param config Validated model configuration.
   * @param layerIndex Index of the encoder layer.
   * @param path Module path from the model root, e.g. `bert.encoder.layer.0.intermediate`.
   * @param seed Model seed.
   */
  constructor(
    config: BertConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    this.dense = this.registerModule(
      'dense',
      bertLinear(config.hidden_size, config.intermediate_size, deriveSeed(seed, `${path}.dense`), config.initializer_range),
    );
    this.activation = getActivation(config.hidden_act);
  }

  /** Returns the linear site `intermediate` of this block. */
  linearSite(): LinearSite {
    return {
      kind: 'linear',
      path: `${this.path}.dense`,
      layerIndex: this.layerIndex,
      location: 'intermediate',
      matrix: 'intermediate',
      linear: this.dense,
    };
  }

  /**
   * @param hidden `[batch, length, hiddenSize]`; not disposed.
   * @returns `[batch, length, intermediateSize]`.
   */
  apply(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.activation(this.dense.apply(hidden)));
  }
}

/**
 * Second feed-forward projection with dropout, residual add and LayerNorm (transformers'
 * `BertOutput`; children `dense`, `LayerNorm`). The residual combination runs through a
 * {@link ResidualSite} (`output_adapter`) so bottleneck adapters can act on it.
 */
export class BertOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;
  readonly residualSite: ResidualSite;

  /**
   * @param config Validated model configuration.
   * @param layerIndex Index of the encoder layer.
   * @param path Module path from the model root, e.g. `bert.encoder.layer.0.output`.
   * @param seed Model seed.
   */
  constructor(
    config: BertConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    const hidden = config.hidden_size;
    this.dense = this.registerModule(
      'dense',
      bertLinear(config.intermediate_size, hidden, deriveSeed(seed, `${path}.dense`), config.initializer_range),
    );
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(hidden, config.layer_norm_eps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hidden_dropout_prob, deriveSeed(seed, `${path}.dropout`)));
    this.residualSite = new ResidualSite(path, layerIndex, 'output_adapter', hidden, this, this.LayerNorm);
  }

  /** Returns the linear site `output` of this block. */
  linearSite(): LinearSite {
    return { kind: 'linear', path: `${this.path}.dense`, layerIndex: this.layerIndex, location: 'output', matrix: 'output', linear: this.dense };
  }

  /**
   * @param intermediate Output of {@link BertIntermediate} `[batch, length, intermediateSize]`; not disposed.
   * @param input Input of the feed-forward block (the residual); not disposed.
   * @returns `LayerNorm(dropout(dense(intermediate)) + input)`, or what the adapters at the site return.
   */
  apply(intermediate: tf.Tensor, input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.residualSite.forward(this.dropout.apply(this.dense.apply(intermediate)), input));
  }
}
