import * as tf from '@tensorflow/tfjs';

import { ShapeMismatchError } from '@peftjs/core-tensor';

/**
 * Returns the summed and the counted negative log-likelihood of next-token prediction: position
 * `t` predicts token `t + 1`, and only positions whose target is a real token (mask 1) count.
 *
 * @param logits `[batch, length, vocab]` scores.
 * @param inputIds int32 `[batch, length]` token ids; the targets are the ids shifted left by one.
 * @param attentionMask `[batch, length]`, 1 for real tokens and 0 for padding (default: all real).
 * @returns `{ sum, count }`: scalar tensors, the total NLL in nats and the number of predicted tokens.
 */
export function nextTokenNegativeLogLikelihood(
  logits: tf.Tensor,
  inputIds: tf.Tensor,
  attentionMask?: tf.Tensor,
): { sum: tf.Scalar; count: tf.Scalar } {
  const [batch, length, vocab] = logits.shape;
  if (logits.rank !== 3 || inputIds.rank !== 2 || inputIds.shape[0] !== batch || inputIds.shape[1] !== length) {
    throw new ShapeMismatchError(
      `Logits [${logits.shape}] and input ids [${inputIds.shape}] do not match: expected [batch, length, vocab] and [batch, length].`,
    );
  }
  if (attentionMask && (attentionMask.shape[0] !== batch || attentionMask.shape[1] !== length)) {
    throw new ShapeMismatchError(`Attention mask [${attentionMask.shape}] does not match input ids [${inputIds.shape}].`);
  }
  return tf.tidy(() => {
    const predicting = logits.slice([0, 0, 0], [-1, length - 1, -1]);
    const targets = inputIds.slice([0, 1], [-1, length - 1]).toInt();
    const mask = attentionMask
      ? attentionMask.slice([0, 1], [-1, length - 1]).toFloat().reshape([-1])
      : tf.ones([batch * (length - 1)]);
    // log-softmax as x − logsumexp(x): tf.logSoftmax's custom gradient trips tfjs's kernel leak
    // check (active when IS_TEST is set) on the wasm backend.
    const logProbabilities = tf.sub(predicting, tf.logSumExp(predicting, -1, true)).reshape([-1, vocab]);
    // Picking the target column with a one-hot product rather than tf.gather keeps the gradient
    // on kernels every backend has (gather's gradient needs UnsortedSegmentSum, which the wasm
    // backend lacks).
    const oneHot = tf.oneHot(targets.reshape([-1]), vocab).toFloat();
    const picked = tf.sum(tf.mul(logProbabilities, oneHot), -1);
    return { sum: tf.neg(tf.sum(tf.mul(picked, mask))) as tf.Scalar, count: tf.sum(mask) as tf.Scalar };
  });
}

/**
 * Mean next-token cross-entropy in nats per predicted token, the training loss of causal language
 * models. See {@link nextTokenNegativeLogLikelihood} for the arguments.
 */
export function causalLanguageModelingLoss(logits: tf.Tensor, inputIds: tf.Tensor, attentionMask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { sum, count } = nextTokenNegativeLogLikelihood(logits, inputIds, attentionMask);
    return tf.div(sum, tf.maximum(count, 1)) as tf.Scalar;
  });
}
