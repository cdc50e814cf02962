/** Returns the greatest common divisor of two positive integers. */
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
