import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, normal, uniform } from '@peftjs/core-tensor';

import type { BnConfigType } from './config';

/** Initialiser names of the PHM weights `W_i` (`hypercomplex_nonlinearity`). */
export type PHMWeightInit = BnConfigType['hypercomplex_nonlinearity'];

/** Initialiser names of the PHM rules (`phm_c_init`). */
export type PHMRuleInit = BnConfigType['phm_c_init'];

function checkStack(shape: readonly number[], what: string): void {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InvalidArgumentError(`${what} must have a shape [n, rows, columns] of positive integers, got [${shape}].`);
  }
}

/**
 * Draws a stack of PHM weights `W_i` (or their factors), shape `[n, rows, columns]`.
 *
 * The Glorot initialisers use the fans of one slice (`rows + columns`), as AdapterHub applies
 * `xavier_*_` to each `W[i]`. AdapterHub 88f18ebd always takes the Glorot-normal branch, whatever
 * `hypercomplex_nonlinearity` is set to, while here every name selects its own initialiser.
 *
 * @param shape `[n, rows, columns]`.
 * @param method `glorot-uniform`, `glorot-normal`, `normal` (std `range`) or `uniform` (±`range`).
 * @param range `phm_init_range`, used by `normal` and `uniform`.
 * @param seed Seed of the draw.
 */
export function initPHMWeight(shape: readonly number[], method: PHMWeightInit, range: number, seed: number): tf.Tensor {
  checkStack(shape, 'A PHM weight');
  const fanSum = shape[1] + shape[2];
  switch (method) {
    case 'glorot-uniform': {
      const bound = Math.sqrt(6 / fanSum);
      return uniform(shape, seed, -bound, bound);
    }
    case 'glorot-normal':
      return normal(shape, seed, 0, Math.sqrt(2 / fanSum));
    case 'normal':
      return normal(shape, seed, 0, range);
    case 'uniform':
      return uniform(shape, seed, -range, range);
    default:
      throw new InvalidArgumentError(
        `Unknown PHM weight initialiser ${JSON.stringify(method)}; use glorot-uniform, glorot-normal, normal or uniform.`,
      );
  }
}

/**
 * Draws PHM rules (or their factors), shape `[n, rows, columns]`.
 *
 * AdapterHub draws per-layer rules with std 0.01 and shared uniform rules from U(−1, 1). Here
 * `phm_init_range` sets the spread of every rule, so one option controls one thing.
 *
 * @param shape `[n, rows, columns]`, e.g. `[n, n, n]` for full rules.
 * @param method `normal` (std `range`) or `uniform` (±`range`).
 * @param range `phm_init_range`.
 * @param seed Seed of the draw.
 */
export function initPHMRule(shape: readonly number[], method: PHMRuleInit, range: number, seed: number): tf.Tensor {
  checkStack(shape, 'A PHM rule');
  switch (method) {
    case 'normal':
      return normal(shape, seed, 0, range);
    case 'uniform':
      return uniform(shape, seed, -range, range);
    default:
      throw new InvalidArgumentError(`Unknown PHM rule initialiser ${JSON.stringify(method)}; use normal or uniform.`);
  }
}
