// Model settings and inputs shared by the benchmarks.
import * as tf from '@tensorflow/tfjs';

/** BERT-base dimensions, as in bert-base-uncased's config.json. */
export const BERT_BASE_CONFIG = Object.freeze({
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  vocab_size: 30522,
  max_position_embeddings: 512,
});

/**
 * Returns seeded random int32 token ids `[batch, length]` in `[0, vocabSize)`. Forward time does
 * not depend on the ids, so random ones stand in for text.
 */
export function randomTokenIds(batch, length, vocabSize, seed) {
  return tf.tidy(() => tf.randomUniform([batch, length], 0, vocabSize, 'int32', seed));
}
