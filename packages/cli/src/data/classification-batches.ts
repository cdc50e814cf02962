import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { ClassificationExample } from './classification-data';
import { rightPad, type PaddedTokens } from './padding';
import { ShuffledCycle } from './shuffled-cycle';

/** A classification batch: right-padded token ids, their mask and the label of each row. */
export interface ClassificationBatch extends PaddedTokens {
  /** int32 `[batch]` label indices. */
  readonly labels: tf.Tensor1D;
}

/** Disposes the tensors of a batch. */
export function disposeClassificationBatch(batch: ClassificationBatch): void {
  tf.dispose([batch.inputIds, batch.attentionMask, batch.labels]);
}

/**
 * Builds one batch from examples, each cut to its first `maxLength` tokens. The caller disposes
 * the batch's tensors.
 *
 * @param examples Examples of the batch, at least one.
 * @param maxLength Longest sequence kept, in tokens.
 */
export function classificationBatch(examples: readonly ClassificationExample[], maxLength: number): ClassificationBatch {
  const padded = rightPad(examples.map((e) => e.ids.slice(0, maxLength)));
  return { ...padded, labels: tf.tensor1d(examples.map((e) => e.label), 'int32') };
}

/**
 * Serves training batches of classification examples in a seeded random order, reshuffled every
 * epoch, as {@link SequenceBatcher} does for language modelling.
 */
export class ClassificationBatcher {
  private readonly examples: readonly ClassificationExample[];
  private readonly cycle: ShuffledCycle;

  /**
   * @param examples Encoded examples; each needs at least one token.
   * @param batchSize Examples per batch.
   * @param maxLength Longest sequence kept, in tokens; longer examples keep their start.
   * @param seed Shuffle seed.
   */
  constructor(
    examples: readonly ClassificationExample[],
    readonly batchSize: number,
    readonly maxLength: number,
    seed: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new InvalidArgumentError(`Batch size must be a positive integer, got ${batchSize}.`);
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new InvalidArgumentError(`Sequence length must be a positive integer, got ${maxLength}.`);
    if (examples.length === 0) throw new InvalidArgumentError('There are no training examples; pass a data file with labelled lines.');
    const empty = examples.findIndex((e) => e.ids.length === 0);
    if (empty >= 0) throw new InvalidArgumentError(`Training example ${empty} has no tokens; encode examples with a BOS token.`);
    this.examples = examples;
    this.cycle = new ShuffledCycle(examples.length, seed);
  }

  /** Returns the next batch; the caller disposes its tensors (see {@link disposeClassificationBatch}). */
  next(): ClassificationBatch {
    const rows: ClassificationExample[] = [];
    while (rows.length < this.batchSize) rows.push(this.examples[this.cycle.next()]);
    return classificationBatch(rows, this.maxLength);
  }
}
