import { InvalidArgumentError } from '@peftjs/core-tensor';

/** A source of uniform random numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * Creates a seeded generator of uniform numbers in [0, 1): Marsaglia's xorshift32 ("Xorshift
 * RNGs", 2003), started from the seed scrambled by Chris Wellons' `lowbias32` integer hash so that
 * nearby seeds give unrelated streams. The same seed gives the same stream on every platform.
 *
 * @param seed Any finite number; its low 32 bits are used.
 */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) {
    throw new InvalidArgumentError(`The sampling seed must be a finite number, got ${seed}.`);
  }
  let state = Math.trunc(seed) >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x7feb352d) >>> 0;
  state = Math.imul(state ^ (state >>> 15), 0x846ca68b) >>> 0;
  state = (state ^ (state >>> 16)) >>> 0;
  // xorshift32 stays at 0 forever from a zero state.
  if (state === 0) state = 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    // The top 24 bits fill a float's mantissa exactly, and the result stays below 1.
    return (state >>> 8) / 16777216;
  };
}
