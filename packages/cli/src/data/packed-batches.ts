import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import { seededPermutation } from './split';

/** A language-modelling batch: token ids and the mask of positions that hold real tokens. */
export interface TokenBatch {
  /** int32 `[batch, length]`. */
  readonly inputIds: tf.Tensor2D;
  /** float32 `[batch, length]`, 1 for real tokens and 0 for padding. */
  readonly attentionMask: tf.Tensor2D;
  /** Number of real tokens in the batch. */
  readonly tokens: number;
}

/**
 * Serves training batches of token sequences. Each example is one encoded sequence (BOS + text),
 * cut to `maxLength`; batches are right-padded to their longest example. Examples are visited in a
 * seeded random order, reshuffled every epoch.
 */
export class SequenceBatcher {
  private order: number[] = [];
  private cursor = 0;
  private epoch = 0;
  private readonly sequences: number[][];

  /**
   * @param sequences Encoded examples; those with fewer than two tokens are dropped.
   * @param batchSize Examples per batch.
   * @param maxLength Longest sequence kept, in tokens.
   * @param seed Shuffle seed.
   */
  constructor(
    sequences: readonly (readonly number[])[],
    readonly batchSize: number,
    readonly maxLength: number,
    private readonly seed: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new InvalidArgumentError(`Batch size must be a positive integer, got ${batchSize}.`);
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new InvalidArgumentError(`Sequence length must be an integer ≥ 2, got ${maxLength}.`);
    this.sequences = sequences.map((s) => s.slice(0, maxLength)).filter((s) => s.length >= 2);
    if (this.sequences.length === 0) throw new InvalidArgumentError('No training example has two or more tokens.');
    this.reshuffle();
  }

  /** Number of examples served per epoch. */
  get size(): number {
    return this.sequences.length;
  }

  /** Returns the next batch; the caller disposes its tensors. */
  next(): TokenBatch {
    const rows: number[][] = [];
    while (rows.length < this.batchSize) {
      if (this.cursor >= this.order.length) this.reshuffle();
      rows.push(this.sequences[this.order[this.cursor++]]);
    }
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

  private reshuffle(): void {
    this.order = seededPermutation(this.sequences.length, this.seed + this.epoch);
    this.epoch += 1;
    this.cursor = 0;
  }
}
