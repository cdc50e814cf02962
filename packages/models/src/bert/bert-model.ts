import * as tf from '@tensorflow/tfjs';

import { AdaptableModel, joinPath, type AdaptationSite, type ModelDescription } from '@peftjs/core-tensor';

import { extendedAttentionMask } from './attention-mask';
import { createBertConfig, type BertConfig, type BertConfigInput } from './config';
import { BertEmbeddings } from './embeddings';
import { BertEncoder } from './encoder';
import { checkBertInputs } from './inputs';
import { BertPooler } from './pooler';

/** Options of a BERT forward call. */
export interface BertForwardOptions {
  /** `[batch, length]`, 1 for real tokens and 0 for padding (default: every token is real). */
  attentionMask?: tf.Tensor;
  /** int32 segment ids `[batch, length]`, 0 for the first text and 1 for the second (default 0). */
  tokenTypeIds?: tf.Tensor;
}

/** Outputs of {@link BertModel.forward}. The caller owns and disposes them. */
export interface BertModelOutput {
  /** Encoder output `[batch, length, hiddenSize]`. */
  lastHiddenState: tf.Tensor;
  /** `tanh(dense(h[CLS]))` `[batch, hiddenSize]`, or null for a model built without a pooler. */
  poolerOutput: tf.Tensor | null;
}

/** Options of the BERT model constructors. */
export interface BertModelOptions {
  /**
   * Seed of the initial weights (default 0). Every weight derives its own seed from it and its
   * path, so the same seed builds the same model. Loaders overwrite these weights.
   */
  seed?: number;
  /** Build the pooler (default true), as transformers' `add_pooling_layer`. */
  addPoolingLayer?: boolean;
  /**
   * Module path of this model inside a parent model, which prefixes every site path (`bert` inside
   * {@link BertForSequenceClassification}); empty (the default) for a model used on its own.
   */
  path?: string;
}

/**
 * The BERT encoder (transformers' `BertModel`): `embeddings`, `encoder` (post-LayerNorm blocks with
 * exact-erf GELU) and `pooler`. Parameter paths are Hugging Face's
 * (`encoder.layer.0.attention.self.query.weight`), so safetensors checkpoints and PEFT or AdapterHub
 * adapter files load without renaming.
 *
 * New weights are initialised as transformers does (normal with `initializer_range`, zero biases,
 * unit LayerNorms). The model starts in evaluation mode (dropout off), like a checkpoint loaded with
 * `from_pretrained`; call `train()` or an adapter host's `trainAdapter` before training.
 */
export class BertModel extends AdaptableModel {
  readonly config: BertConfig;
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;
  /** Module path of this model inside its parent, or empty. */
  readonly path: string;

  /**
   * @param config Model configuration; omitted optional fields take Hugging Face's defaults.
   * @param options Seed, pooler and path inside a parent model.
   */
  constructor(config: BertConfigInput, options: BertModelOptions = {}) {
    super();
    this.config = createBertConfig(config);
    this.path = options.path ?? '';
    const seed = options.seed ?? 0;
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(this.config, joinPath(this.path, 'embeddings'), seed));
    this.encoder = this.registerModule('encoder', new BertEncoder(this.config, joinPath(this.path, 'encoder'), seed));
    this.pooler =
      options.addPoolingLayer === false
        ? null
        : this.registerModule('pooler', new BertPooler(this.config, joinPath(this.path, 'pooler'), seed));
    this.eval();
  }

  /**
   * Returns the sites of every layer in layer order. Each layer has six linear sites:
   * `attention.self.query`, `key` and `value` (`selfattn`, q/k/v), `attention.output.dense`
   * (`selfattn`, o), `intermediate.dense` and `output.dense`. Then come the residual sites
   * `attention.output` (`mh_adapter`) and `output` (`output_adapter`), and the attention site
   * `attention.self`.
   */
  adaptationSites(): readonly AdaptationSite[] {
    return this.encoder.adaptationSites();
  }

  describe(): ModelDescription {
    return { modelType: 'bert', hiddenSize: this.config.hidden_size, numLayers: this.config.num_hidden_layers };
  }

  /**
   * Runs the encoder.
   *
   * @param inputIds int32 token ids `[batch, length]`; not disposed.
   * @param options Padding mask and segment ids.
   * @returns The last hidden state and the pooled [CLS] vector; the caller disposes them.
   */
  forward(inputIds: tf.Tensor, options: BertForwardOptions = {}): BertModelOutput {
    const [batch, length] = checkBertInputs(this.config, inputIds, options.tokenTypeIds);
    const mask = options.attentionMask === undefined ? null : extendedAttentionMask(options.attentionMask, batch, length);
    try {
      const lastHiddenState = tf.tidy(() => {
        const tokenTypeIds = options.tokenTypeIds ?? tf.zeros([batch, length], 'int32');
        return this.encoder.apply(this.embeddings.apply(inputIds, tokenTypeIds), mask);
      });
      const poolerOutput = this.pooler === null ? null : this.pooler.apply(lastHiddenState);
      return { lastHiddenState, poolerOutput };
    } finally {
      mask?.dispose();
    }
  }
}
