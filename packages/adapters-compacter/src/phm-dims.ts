import { InvalidArgumentError } from '@peftjs/core-tensor';

/**
 * Returns the greatest common divisor of two integers (0 when both are 0).
 *
 * @param a First integer.
 * @param b Second integer.
 */
export function greatestCommonDivisor(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * Returns the `phm_dim` closest to `phmDim` that divides every size in `dimensions` (1 always
 * does). On a tie the larger one wins, because more Kronecker summands keep more capacity.
 *
 * @param phmDim The requested `phm_dim`.
 * @param dimensions Input and output sizes of the PHM layers, positive integers.
 */
export function nearestValidPhmDim(phmDim: number, dimensions: readonly number[]): number {
  if (!Number.isInteger(phmDim) || phmDim <= 0) {
    throw new InvalidArgumentError(`nearestValidPhmDim: phmDim must be a positive integer, got ${phmDim}.`);
  }
  if (dimensions.length === 0 || !dimensions.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InvalidArgumentError(`nearestValidPhmDim: dimensions must be positive integers, got [${dimensions}].`);
  }
  const common = dimensions.reduce((g, d) => greatestCommonDivisor(g, d), 0);
  let best = 1;
  for (let candidate = 1; candidate <= common; candidate++) {
    if (common % candidate !== 0) continue;
    const distance = Math.abs(candidate - phmDim);
    const bestDistance = Math.abs(best - phmDim);
    if (distance < bestDistance || (distance === bestDistance && candidate > best)) best = candidate;
  }
  return best;
}
