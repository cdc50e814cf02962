import * as tf from '@tensorflow/tfjs';
import { deriveSeed, normal, type Module, type Parameter } from '@peftjs/core-tensor';

/** Parameter values copied out of the model, keyed by path. */
export type ParameterSnapshot = Map<string, Float32Array>;

/** Returns the largest absolute difference between two tensors of one shape. */
export function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return Number.POSITIVE_INFINITY;
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Returns true when two tensors have the same shape and bit-identical values. */
export function identical(a: tf.Tensor, b: tf.Tensor): boolean {
  return maxAbsDifference(a, b) === 0 && sameNaNs(a, b);
}

function sameNaNs(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  return x.every((v, i) => Number.isNaN(v) === Number.isNaN(y[i]));
}

/** Copies the value of every parameter of `parameters`. */
export function snapshot(parameters: Map<string, Parameter>): ParameterSnapshot {
  const result: ParameterSnapshot = new Map();
  for (const [path, parameter] of parameters) result.set(path, Float32Array.from(parameter.value.dataSync() as Float32Array));
  return result;
}

/** Copies the value of every parameter of a module tree, keyed by path. */
export function snapshotModule(module: Module): ParameterSnapshot {
  return snapshot(module.namedParameters());
}

/** Returns the paths whose values differ between two snapshots (only paths present in both). */
export function changedPaths(before: ParameterSnapshot, after: ParameterSnapshot): string[] {
  const changed: string[] = [];
  for (const [path, values] of before) {
    const other = after.get(path);
    if (other === undefined) continue;
    if (other.length !== values.length || values.some((v, i) => !Object.is(v, other[i]))) changed.push(path);
  }
  return changed;
}

/** Returns the largest absolute difference over the paths present in both snapshots. */
export function maxSnapshotDifference(before: ParameterSnapshot, after: ParameterSnapshot): { path: string; difference: number } {
  let worst = { path: '', difference: 0 };
  for (const [path, values] of before) {
    const other = after.get(path);
    if (other === undefined) continue;
    for (let i = 0; i < values.length; i++) {
      const difference = Math.abs(values[i] - other[i]);
      if (!(difference <= worst.difference)) worst = { path, difference };
    }
  }
  return worst;
}

/** Lists at most `limit` items, adding how many were left out. */
export function listSome(items: readonly string[], limit = 5): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}

/**
 * Adds seeded normal noise to every parameter in `parameters`, keyed by file key so that the same
 * adapter on two models, or under two names, receives the same noise. Checks perturb adapters
 * because a freshly initialised adapter is often an exact no-op (LoRA's `B = 0`): merging,
 * saving or renaming a no-op adapter proves nothing.
 *
 * @param parameters Parameters keyed by a name-independent key (an adapter's file keys).
 * @param seed Base seed of the noise.
 * @param std Standard deviation of the noise.
 */
export function perturbParameters(parameters: Map<string, Parameter>, seed: number, std: number): void {
  for (const [key, parameter] of parameters) {
    tf.tidy(() => {
      const noise = normal(parameter.shape, deriveSeed(seed, key), 0, std);
      parameter.assign(tf.add(parameter.value, noise));
    });
  }
}
