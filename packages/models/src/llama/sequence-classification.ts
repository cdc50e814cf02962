import * as tf from '@tensorflow/tfjs';

import {
  AdaptableModel,
  ConfigError,
  deriveSeed,
  InvalidArgumentError,
  Linear,
  type AdaptationSite,
  type ModelDescription,
} from '@peftjs/core-tensor';

import type { LlamaModelOptions } from './causal-lm';
import { createLlamaConfig, type LlamaConfig, type LlamaConfigInput } from './config';
import { LlamaModel } from './llama-model';

/** Options of {@link LlamaForSequenceClassification}. */
export interface LlamaSequenceClassificationOptions extends LlamaModelOptions {
  /** Number of classes, the rows of `score.weight`. */
  numLabels: number;
}

/**
 * A Llama sequence classifier (Hugging Face `LlamaForSequenceClassification`): the decoder stack
 * under `model` and a bias-free `score` layer `[numLabels, hidden]` applied to the hidden state of
 * each sequence's last real token.
 *
 * Hugging Face finds that token from `pad_token_id`. Here it is the last position whose attention
 * mask is 1, or the last position when no mask is given, so right and left padding both work.
 */
export class LlamaForSequenceClassification extends AdaptableModel {
  readonly config: LlamaConfig;
  readonly numLabels: number;
  readonly model: LlamaModel;
  readonly score: Linear;

  /**
   * @param config Model configuration; omitted optional fields take Hugging Face's defaults.
   * @param options Number of labels and initialisation seed.
   */
  constructor(config: LlamaConfigInput, options: LlamaSequenceClassificationOptions) {
    super();
    const numLabels = options?.numLabels;
    if (!Number.isInteger(numLabels) || numLabels <= 0) {
      throw new ConfigError(
        `LlamaForSequenceClassification numLabels must be a positive integer, got ${JSON.stringify(numLabels)}.`,
      );
    }
    this.config = createLlamaConfig(config);
    this.numLabels = numLabels;
    const seed = options.seed ?? 0;
    this.model = this.registerModule('model', new LlamaModel(this.config, 'model', seed));
    this.score = this.registerModule(
      'score',
      new Linear(this.config.hidden_size, numLabels, { bias: false, seed: deriveSeed(seed, 'score') }),
    );
  }

  /** Returns the sites of every decoder layer in layer order. */
  adaptationSites(): readonly AdaptationSite[] {
    return this.model.adaptationSites();
  }

  describe(): ModelDescription {
    return { modelType: 'llama', hiddenSize: this.config.hidden_size, numLayers: this.config.num_hidden_layers };
  }

  /**
   * Returns class logits `[batch, numLabels]`.
   *
   * @param inputIds int32 token ids `[batch, length]`; not disposed.
   * @param options `attentionMask` `[batch, length]`, 1 for tokens and 0 for padding; each row
   *   needs at least one token.
   */
  forward(inputIds: tf.Tensor, options: { attentionMask?: tf.Tensor } = {}): tf.Tensor {
    const { attentionMask } = options;
    const hidden = this.model.apply(inputIds, { attentionMask });
    try {
      const lastTokens = this.lastTokenPositions(inputIds, attentionMask);
      return tf.tidy(() => {
        const length = hidden.shape[1]!;
        // Selecting the last token with a one-hot weighted sum rather than tf.gather keeps the
        // gradient on kernels every backend has: gather's gradient needs UnsortedSegmentSum,
        // which the wasm backend lacks, so adapters could not be trained through this head.
        const selector = tf.oneHot(tf.tensor1d(lastTokens, 'int32'), length).toFloat().expandDims(2);
        const pooled = tf.sum(tf.mul(hidden, selector), 1);
        return this.score.apply(pooled);
      });
    } finally {
      hidden.dispose();
    }
  }

  private lastTokenPositions(inputIds: tf.Tensor, attentionMask: tf.Tensor | undefined): number[] {
    const [batch, length] = inputIds.shape as [number, number];
    if (attentionMask === undefined) return new Array<number>(batch).fill(length - 1);
    if (attentionMask.rank !== 2 || attentionMask.shape[0] !== batch || attentionMask.shape[1] !== length) {
      throw new InvalidArgumentError(
        `attentionMask has shape [${attentionMask.shape}]; expected [${batch}, ${length}] like inputIds.`,
      );
    }
    const values = attentionMask.dataSync();
    const positions: number[] = [];
    for (let row = 0; row < batch; row++) {
      let last = -1;
      for (let t = 0; t < length; t++) if (values[row * length + t] === 1) last = t;
      if (last < 0) {
        throw new InvalidArgumentError(`attentionMask row ${row} has no token (all zeros); every sequence needs one.`);
      }
      positions.push(last);
    }
    return positions;
  }
}
