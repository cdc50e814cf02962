import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { LlamaForCausalLM } from '../llama/causal-lm';
import { nextTokenNegativeLogLikelihood } from '../heads/causal-lm-loss';
import { checkTokenIds } from './generate';

/** Options of {@link meanNegativeLogLikelihood}. */
export interface LikelihoodOptions {
  /** Sequences per forward call (default 8). Larger batches are faster and use more memory. */
  batchSize?: number;
  /**
   * Maximum sequence length scored, in tokens (default and upper limit: `max_position_embeddings`).
   * Longer sequences are cut to their first `maxLength` tokens.
   */
  maxLength?: number;
}

/**
 * Computes the mean negative log-likelihood, in nats per predicted token, of token sequences under
 * teacher forcing. Every token after the first of each sequence is predicted from the tokens
 * before it. The mean runs over all predicted tokens of all sequences, and its `exp` is the
 * perplexity.
 *
 * Sequences are sorted by length and right-padded into batches, with an attention mask, so the
 * padding changes nothing.
 *
 * @param model The language model.
 * @param sequences Token id sequences (each usually starting with BOS); sequences with fewer than
 *   two tokens predict nothing and are skipped.
 * @param options Batch size and maximum length.
 */
export async function meanNegativeLogLikelihood(
  model: LlamaForCausalLM,
  sequences: readonly (readonly number[])[],
  options: LikelihoodOptions = {},
): Promise<number> {
  const limit = model.config.max_position_embeddings;
  const batchSize = options.batchSize ?? 8;
  const maxLength = options.maxLength ?? limit;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}.`);
  }
  if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > limit) {
    throw new InvalidArgumentError(
      `maxLength must be an integer in [2, max_position_embeddings = ${limit}], got ${maxLength}.`,
    );
  }
  if (!Array.isArray(sequences)) {
    throw new InvalidArgumentError(`sequences must be an array of token id arrays, got ${typeof sequences}.`);
  }
  sequences.forEach((sequence, i) => checkTokenIds(sequence, model.config.vocab_size, `sequences[${i}]`));

  const scored = sequences
    .map((sequence) => sequence.slice(0, maxLength))
    .filter((sequence) => sequence.length >= 2)
    .sort((a, b) => b.length - a.length);
  if (scored.length === 0) {
    throw new InvalidArgumentError('No sequence has two or more tokens, so there is nothing to predict.');
  }

  let totalNll = 0;
  let predicted = 0;
  for (let start = 0; start < scored.length; start += batchSize) {
    const batch = scored.slice(start, start + batchSize);
    totalNll += await batchNegativeLogLikelihood(model, batch);
    predicted += batch.reduce((sum, sequence) => sum + sequence.length - 1, 0);
  }
  return totalNll / predicted;
}

/** Returns the summed negative log-likelihood of every predicted token of one batch. */
async function batchNegativeLogLikelihood(model: LlamaForCausalLM, batch: (readonly number[])[]): Promise<number> {
  const width = Math.max(...batch.map((sequence) => sequence.length));
  const ids = new Int32Array(batch.length * width);
  const mask = new Float32Array(batch.length * width);
  batch.forEach((sequence, row) => {
    ids.set(sequence, row * width);
    mask.fill(1, row * width, row * width + sequence.length);
  });

  const total = tf.tidy(() => {
    const inputIds = tf.tensor2d(ids, [batch.length, width], 'int32');
    const attentionMask = tf.tensor2d(mask, [batch.length, width]);
    const logits = model.forward(inputIds, { attentionMask });
    return nextTokenNegativeLogLikelihood(logits, inputIds, attentionMask).sum;
  });
  try {
    return (await total.data())[0]!;
  } finally {
    total.dispose();
  }
}
