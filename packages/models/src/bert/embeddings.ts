import * as tf from '@tensorflow/tfjs';

import { deriveSeed, Dropout, type Embedding, LayerNorm, Module } from '@peftjs/core-tensor';

import type { BertConfig } from './config';
import { bertEmbedding } from './init';

/**
 * Word, position and token-type embeddings, summed, then LayerNorm and dropout (transformers'
 * `BertEmbeddings`; children `word_embeddings`, `position_embeddings`, `token_type_embeddings`,
 * `LayerNorm`). Positions are absolute, 0 to length − 1.
 */
export class BertEmbeddings extends Module {
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly token_type_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  /**
   * @param config Validated model configuration.
   * @param path Module path from the model root, e.g. `bert.embeddings`.
   * @param seed Model seed; each table derives its own seed from it and its path.
   */
  constructor(config: BertConfig, path: string, seed: number) {
    super();
    const { hidden_size: hidden, initializer_range: std } = config;
    this.word_embeddings = this.registerModule(
      'word_embeddings',
      bertEmbedding(config.vocab_size, hidden, deriveSeed(seed, `${path}.word_embeddings`), std, config.pad_token_id),
    );
    this.position_embeddings = this.registerModule(
      'position_embeddings',
      bertEmbedding(config.max_position_embeddings, hidden, deriveSeed(seed, `${path}.position_embeddings`), std, null),
    );
    this.token_type_embeddings = this.registerModule(
      'token_type_embeddings',
      bertEmbedding(config.type_vocab_size, hidden, deriveSeed(seed, `${path}.token_type_embeddings`), std, null),
    );
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(hidden, config.layer_norm_eps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hidden_dropout_prob, deriveSeed(seed, `${path}.dropout`)));
  }

  /**
   * @param inputIds int32 ids `[batch, length]`; not disposed.
   * @param tokenTypeIds int32 segment ids `[batch, length]`; not disposed.
   * @returns `[batch, length, hiddenSize]`.
   */
  apply(inputIds: tf.Tensor, tokenTypeIds: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const length = inputIds.shape[1]!;
      const positions = tf.range(0, length, 1, 'int32').reshape([1, length]);
      const summed = tf.add(
        tf.add(this.word_embeddings.apply(inputIds), this.token_type_embeddings.apply(tokenTypeIds)),
        this.position_embeddings.apply(positions),
      );
      return this.dropout.apply(this.LayerNorm.apply(summed));
    });
  }
}
