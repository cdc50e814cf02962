import { InvalidArgumentError } from '@peftjs/core-tensor';

import { rightPad, type PaddedTokens } from './padding';
import { ShuffledCycle } from './shuffled-cycle';

/** A language-modelling batch: token ids and the mask of positions that hold real tokens. */
export type TokenBatch = PaddedTokens;

/**
 * Serves training batches of token sequences. Each example is one encoded sequence (BOS + text),
 * cut to `maxLength`; batches are right-padded to their longest example. Examples are visited in a
 * seeded random order, reshuffled every epoch.
 */
export class SequenceBatcher {
  private readonly sequences: number[][];
  private readonly cycle: ShuffledCycle;

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
    seed: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new InvalidArgumentError(`Batch size must be a positive integer, got ${batchSize}.`);
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new InvalidArgumentError(`Sequence length must be an integer ≥ 2, got ${maxLength}.`);
    this.sequences = sequences.map((s) => s.slice(0, maxLength)).filter((s) => s.length >= 2);
    if (this.sequences.length === 0) throw new InvalidArgumentError('No training example has two or more tokens.');
    this.cycle = new ShuffledCycle(this.sequences.length, seed);
  }

  /** Number of examples served per epoch. */
  get size(): number {
    return this.sequences.length;
  }

  /** Returns the next batch; the caller disposes its tensors. */
  next(): TokenBatch {
    const rows: number[][] = [];
    while (rows.length < this.batchSize) rows.push(this.sequences[this.cycle.next()]);
    return rightPad(rows);
  }
}
