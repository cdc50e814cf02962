import * as tf from '@tensorflow/tfjs';

/**
 * Value added to the score of a key that a query must not attend to. It is finite so that a row
 * with every key masked (a padding query) yields a uniform softmax instead of NaN; its output is
 * never used.
 */
export const MASKED_SCORE = -1e9;

/**
 * Builds the additive attention mask of one forward call: causal over the cached and new tokens,
 * and closed for padding keys.
 *
 * @param queryLength Number of new tokens.
 * @param pastLength Number of tokens already in the KV cache.
 * @param keyPadding `[batch, pastLength + queryLength]` with 1 for real tokens and 0 for padding,
 *   or null when no token is padding; not disposed.
 * @returns `[batch or 1, 1, queryLength, pastLength + queryLength]`, 0 where attention is allowed
 *   and {@link MASKED_SCORE} elsewhere, or null when nothing is masked (one new token and no
 *   padding).
 */
export function buildAttentionMask(
  queryLength: number,
  pastLength: number,
  keyPadding: tf.Tensor | null,
): tf.Tensor | null {
  if (queryLength === 1 && keyPadding === null) return null;
  return tf.tidy(() => {
    const keyLength = pastLength + queryLength;
    // Query i sits at absolute position pastLength + i and may see keys at positions <= that.
    const queryPositions = tf.range(pastLength, keyLength, 1, 'int32').reshape([queryLength, 1]);
    const keyPositions = tf.range(0, keyLength, 1, 'int32').reshape([1, keyLength]);
    const allowed = tf.lessEqual(keyPositions, queryPositions).toFloat();
    let mask = tf.mul(tf.sub(1, allowed), MASKED_SCORE).reshape([1, 1, queryLength, keyLength]);
    if (keyPadding !== null) {
      const batch = keyPadding.shape[0]!;
      const closedKeys = tf.mul(tf.sub(1, keyPadding.toFloat()), MASKED_SCORE).reshape([batch, 1, 1, keyLength]);
      // A causal and a padding closure on the same entry add up to 2 × MASKED_SCORE; clamp so
      // every masked entry has the same value.
      mask = tf.maximum(tf.add(mask, closedKeys), MASKED_SCORE);
    }
    return mask;
  });
}
