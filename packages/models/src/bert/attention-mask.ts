import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

/**
 * Value added to the score of a padding key. transformers has used -10000 and, in later versions,
 * the float32 minimum. A finite -1e9 gives the same softmax (exp underflows to exactly 0) and
 * cannot overflow to -Infinity when adapters add masks of their own.
 */
export const MASKED_SCORE = -1e9;

/**
 * Turns a `[batch, length]` padding mask (1 for real tokens, 0 for padding) into the additive
 * mask of BERT's attention, `(1 − mask) · MASKED_SCORE` of shape `[batch, 1, 1, length]`, which
 * broadcasts over heads and query positions.
 *
 * @param attentionMask 0/1 tensor `[batch, length]` of any numeric dtype; not disposed.
 * @param batch Expected batch size.
 * @param length Expected sequence length.
 */
export function extendedAttentionMask(attentionMask: tf.Tensor, batch: number, length: number): tf.Tensor {
  if (!(attentionMask instanceof tf.Tensor) || attentionMask.rank !== 2 || attentionMask.shape[0] !== batch || attentionMask.shape[1] !== length) {
    const got = attentionMask instanceof tf.Tensor ? `shape [${attentionMask.shape}]` : String(attentionMask);
    throw new InvalidArgumentError(
      `attentionMask must be a tensor of shape [${batch}, ${length}] like inputIds, got ${got}. ` +
        'Pass 1 for real tokens and 0 for padding.',
    );
  }
  return tf.tidy(() => tf.mul(tf.sub(1, attentionMask.toFloat()), MASKED_SCORE).reshape([batch, 1, 1, length]));
}
