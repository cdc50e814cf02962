import * as tf from '@tensorflow/tfjs';

/** Token ids of a batch, right-padded with zeros, and the mask of positions that hold real tokens. */
export interface PaddedTokens {
  /** int32 `[batch, length]`. */
  readonly inputIds: tf.Tensor2D;
  /** float32 `[batch, length]`, 1 for real tokens and 0 for padding. */
  readonly attentionMask: tf.Tensor2D;
  /** Number of real tokens in the batch. */
  readonly tokens: number;
}

/**
 * Right-pads token sequences to the longest of them. The caller disposes the returned tensors.
 *
 * @param rows Token id sequences, each with at least one token.
 */
export function rightPad(rows: readonly (readonly number[])[]): PaddedTokens {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * width);
  const mask = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    ids.set(row, i * width);
    mask.fill(1, i * width, i * width + row.length);
  });
  return {
    inputIds: tf.tensor2d(ids, [rows.length, width], 'int32'),
    attentionMask: tf.tensor2d(mask, [rows.length, width]),
    tokens: rows.reduce((sum, r) => sum + r.length, 0),
  };
}
