import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import { deriveSeed } from '../init/seed';
import { normal } from '../init/initializers';
import { Module } from '../module/module';
import { Parameter } from '../module/parameter';

/**
 * A lookup table from integer ids to vectors, `weight` of shape `[numEmbeddings, dim]`,
 * initialised N(0, 1) as `torch.nn.Embedding`.
 */
export class Embedding extends Module {
  readonly weight: Parameter;

  /**
   * @param numEmbeddings Number of rows (vocabulary size).
   * @param dim Size of each vector.
   * @param seed Seed of the N(0, 1) initialisation (default 0).
   */
  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    seed = 0,
  ) {
    super();
    for (const [name, value] of [['numEmbeddings', numEmbeddings], ['dim', dim]] as const) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new InvalidArgumentError(`Embedding ${name} must be a positive integer, got ${value}.`);
      }
    }
    this.weight = this.registerParameter('weight', new Parameter(normal([numEmbeddings, dim], deriveSeed(seed, 'weight'))));
  }

  /**
   * Looks up `ids` (an int32 tensor of any shape) and returns `[...ids.shape, dim]`.
   * Ids outside `[0, numEmbeddings)` raise an error naming the first bad id.
   */
  apply(ids: tf.Tensor): tf.Tensor {
    const values = ids.dataSync();
    for (let i = 0; i < values.length; i++) {
      const id = values[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) {
        throw new InvalidArgumentError(
          `Token id ${id} at flat position ${i} is outside the embedding table of ${this.numEmbeddings} rows.`,
        );
      }
    }
    return lookUp(this.weight.value, ids, Int32Array.from(values));
  }
}

/**
 * Gathers rows of `table` with its own gradient. tfjs's `tf.gather` keeps a copy of the whole
 * table for its backward pass (94 MiB for BERT-base) even when the table is frozen, and its
 * gradient needs the `UnsortedSegmentSum` kernel, which the wasm backend of tfjs 4.22 lacks.
 * Here the gradient adds the rows of `dy` into a zero table with `tf.scatterND`, which sums
 * repeated ids, from the ids already read to validate them.
 */
function lookUp(table: tf.Tensor, ids: tf.Tensor, idValues: Int32Array): tf.Tensor {
  const [numEmbeddings, dim] = table.shape;
  const gatherRows = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.tidy(() => tf.gather(inputs[0] as tf.Tensor, ids.dtype === 'int32' ? ids : ids.toInt())),
    gradFunc: (dy: tf.Tensor) =>
      tf.tidy(() => {
        const indices = tf.tensor2d(idValues, [idValues.length, 1], 'int32');
        return tf.scatterND(indices, dy.reshape([idValues.length, dim]), [numEmbeddings, dim]);
      }),
  }));
  return gatherRows(table);
}
