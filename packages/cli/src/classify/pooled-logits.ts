import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';
import type { LlamaForSequenceClassification } from '@peftjs/models';

/**
 * Returns the index of the last real token (mask 1) of every row.
 *
 * @param attentionMask `[batch, length]` mask, 1 for tokens and 0 for padding.
 */
export function lastTokenPositions(attentionMask: tf.Tensor): number[] {
  const [batch, length] = attentionMask.shape as [number, number];
  const values = attentionMask.dataSync();
  const positions: number[] = [];
  for (let row = 0; row < batch; row++) {
    let last = -1;
    for (let t = 0; t < length; t++) if (values[row * length + t] === 1) last = t;
    if (last < 0) throw new InvalidArgumentError(`attentionMask row ${row} has no token (all zeros); every sequence needs one.`);
    positions.push(last);
  }
  return positions;
}

/**
 * Returns class logits `[batch, numLabels]` of the classifier: the `score` layer applied to the
 * hidden state of each row's last real token, the same values as `model.forward`.
 *
 * `model.forward` picks those hidden states with `tf.gather`, whose gradient needs the
 * `UnsortedSegmentSum` kernel that the wasm backend of tfjs 4.22 lacks, so training an adapter
 * through it fails there. This version picks them with a one-hot product, whose gradient every
 * backend has.
 *
 * @param model The classifier.
 * @param inputIds int32 token ids `[batch, length]`; not disposed.
 * @param attentionMask `[batch, length]`, 1 for tokens and 0 for padding; not disposed.
 */
export function pooledClassLogits(model: LlamaForSequenceClassification, inputIds: tf.Tensor, attentionMask: tf.Tensor): tf.Tensor2D {
  const [, length] = inputIds.shape as [number, number];
  const positions = lastTokenPositions(attentionMask);
  return tf.tidy(() => {
    const hidden = model.model.apply(inputIds, { attentionMask }) as tf.Tensor3D;
    const selector = tf.oneHot(tf.tensor1d(positions, 'int32'), length).toFloat().expandDims(2);
    const pooled = tf.sum(tf.mul(hidden, selector), 1);
    return model.score.apply(pooled) as tf.Tensor2D;
  });
}
