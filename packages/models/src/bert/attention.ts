import * as tf from '@tensorflow/tfjs';

import {
  AttentionSite,
  deriveSeed,
  Dropout,
  LayerNorm,
  type Linear,
  type LinearSite,
  Module,
  ResidualSite,
  ShapeMismatchError,
} from '@peftjs/core-tensor';

import { bertHeadDim, type BertConfig } from './config';
import { bertLinear } from './init';

/**
 * Multi-head self-attention (transformers' `BertSelfAttention`; children `query`, `key`, `value`).
 * Keys and values pass through an {@link AttentionSite} right before the scores, so prefix tuning
 * can prepend its own keys and values.
 */
export class BertSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;
  /** Attention site at which prefix-tuning adapters extend the keys and values of this layer. */
  readonly site: AttentionSite;
  readonly numHeads: number;
  readonly headDim: number;

  /**
   * @param config Validated model configuration.
   * @param layerIndex Index of the encoder layer.
   * @param path Module path from the model root, e.g. `bert.encoder.layer.0.attention.self`.
   * @param seed Model seed; each projection derives its own seed from it and its path.
   */
  constructor(
    config: BertConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    const hidden = config.hidden_size;
    this.numHeads = config.num_attention_heads;
    this.headDim = bertHeadDim(config);
    const projection = (name: string): Linear =>
      this.registerModule(name, bertLinear(hidden, hidden, deriveSeed(seed, `${path}.${name}`), config.initializer_range));
    this.query = projection('query');
    this.key = projection('key');
    this.value = projection('value');
    this.dropout = this.registerModule(
      'dropout',
      new Dropout(config.attention_probs_dropout_prob, deriveSeed(seed, `${path}.dropout`)),
    );
    this.site = new AttentionSite(path, layerIndex, this.numHeads, this.numHeads, this.headDim, hidden, this);
  }

  /** Returns the linear sites `q`, `k`, `v` of this attention. */
  linearSites(): LinearSite[] {
    const entries: [string, string, Linear][] = [
      ['q', 'query', this.query],
      ['k', 'key', this.key],
      ['v', 'value', this.value],
    ];
    return entries.map(([matrix, name, linear]) => ({
      kind: 'linear' as const,
      path: `${this.path}.${name}`,
      layerIndex: this.layerIndex,
      location: 'selfattn' as const,
      matrix,
      linear,
    }));
  }

  /**
   * @param hidden Layer input `[batch, length, hiddenSize]`; not disposed.
   * @param mask Additive mask broadcastable to `[batch, heads, length, length]`, or null.
   * @returns Attended values `[batch, length, hiddenSize]`, before the output projection.
   */
  apply(hidden: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const [batch, length] = hidden.shape as [number, number, number];
      const query = this.splitHeads(this.query.apply(hidden));
      const key = this.splitHeads(this.key.apply(hidden));
      const value = this.splitHeads(this.value.apply(hidden));

      const state = this.site.extend({ key, value, mask, hiddenStates: hidden });
      this.checkExtendedState(state.key, state.value);

      let scores = tf.mul(tf.matMul(query, state.key, false, true), 1 / Math.sqrt(this.headDim));
      if (state.mask !== null) scores = tf.add(scores, state.mask);
      const probabilities = this.dropout.apply(tf.softmax(scores, -1));
      const attended = tf.matMul(probabilities, state.value);
      return attended.transpose([0, 2, 1, 3]).reshape([batch, length, this.numHeads * this.headDim]);
    });
  }

  /** `[batch, length, heads · headDim]` to `[batch, heads, length, headDim]`. */
  private splitHeads(x: tf.Tensor): tf.Tensor {
    const [batch, length] = x.shape as [number, number, number];
    return x.reshape([batch, length, this.numHeads, this.headDim]).transpose([0, 2, 1, 3]);
  }

  private checkExtendedState(key: tf.Tensor, value: tf.Tensor): void {
    for (const [name, tensor] of [['key', key], ['value', value]] as const) {
      if (tensor.rank !== 4 || tensor.shape[1] !== this.numHeads || tensor.shape[3] !== this.headDim) {
        throw new ShapeMismatchError(
          `An adapter at attention site ${this.path} returned a ${name} of shape [${tensor.shape}]; ` +
            `expected [batch, ${this.numHeads}, keyLength, ${this.headDim}]. Fix the adapter's attention hook.`,
        );
      }
    }
    if (key.shape[2] !== value.shape[2]) {
      throw new ShapeMismatchError(
        `An adapter at attention site ${this.path} returned keys of length ${key.shape[2]} but values of ` +
          `length ${value.shape[2]}; they must be equal.`,
      );
    }
  }
}

/**
 * Output projection of the attention block with dropout, residual add and LayerNorm
 * (transformers' `BertSelfOutput`; children `dense`, `LayerNorm`). The residual combination runs
 * through a {@link ResidualSite} (`mh_adapter`) so bottleneck adapters can act on it.
 */
export class BertSelfOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;
  readonly residualSite: ResidualSite;

  /**
   * @param config Validated model configuration.
   * @param layerIndex Index of the encoder layer.
   * @param path Module path from the model root, e.g. `bert.encoder.layer.0.attention.output`.
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
    this.dense = this.registerModule('dense', bertLinear(hidden, hidden, deriveSeed(seed, `${path}.dense`), config.initializer_range));
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(hidden, config.layer_norm_eps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hidden_dropout_prob, deriveSeed(seed, `${path}.dropout`)));
    this.residualSite = new ResidualSite(path, layerIndex, 'mh_adapter', hidden, this, this.LayerNorm);
  }

  /** Returns the linear site `o` of this block. */
  linearSite(): LinearSite {
    return { kind: 'linear', path: `${this.path}.dense`, layerIndex: this.layerIndex, location: 'selfattn', matrix: 'o', linear: this.dense };
  }

  /**
   * @param attended Output of the self-attention `[batch, length, hiddenSize]`; not disposed.
   * @param input Input of the attention block (the residual); not disposed.
   * @returns `LayerNorm(dropout(dense(attended)) + input)`, or what the adapters at the site return.
   */
  apply(attended: tf.Tensor, input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.residualSite.forward(this.dropout.apply(this.dense.apply(attended)), input));
  }
}

/** Self-attention plus its output block (transformers' `BertAttention`; children `self`, `output`). */
export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;

  /**
   * @param config Validated model configuration.
   * @param layerIndex Index of the encoder layer.
   * @param path Module path from the model root, e.g. `bert.encoder.layer.0.attention`.
   * @param seed Model seed.
   */
  constructor(config: BertConfig, layerIndex: number, path: string, seed: number) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(config, layerIndex, `${path}.self`, seed));
    this.output = this.registerModule('output', new BertSelfOutput(config, layerIndex, `${path}.output`, seed));
  }

  /**
   * @param hidden Layer input `[batch, length, hiddenSize]`; not disposed.
   * @param mask Additive attention mask, or null.
   */
  apply(hidden: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => this.output.apply(this.self.apply(hidden, mask), hidden));
  }
}
