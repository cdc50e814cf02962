import * as tf from '@tensorflow/tfjs';

import { ShapeMismatchError } from '@peftjs/core-tensor';

/**
 * Returns the mean softmax cross-entropy, in nats, of class logits against label indices.
 *
 * @param logits `[batch, numLabels]` class scores.
 * @param labels int32 `[batch]` label indices.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeMismatchError(
      `Logits [${logits.shape}] and labels [${labels.shape}] do not match: expected [batch, numLabels] and [batch].`,
    );
  }
  return tf.tidy(() => {
    const logProbabilities = tf.sub(logits, tf.logSumExp(logits, -1, true));
    // A one-hot product instead of tf.gather, whose gradient the wasm backend lacks.
    const picked = tf.sum(tf.mul(logProbabilities, tf.oneHot(labels.toInt(), logits.shape[1]!).toFloat()), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
