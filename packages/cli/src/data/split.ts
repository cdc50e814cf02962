import { InvalidArgumentError } from '@peftjs/core-tensor';

/**
 * Returns a permutation of `0..n-1` from a seeded Fisher–Yates shuffle (mulberry32 generator),
 * identical on every platform for the same seed.
 */
export function seededPermutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * Splits items into a training and a held-out part after a seeded shuffle.
 *
 * @param items Items to split.
 * @param heldOutFraction Share of items held out, in (0, 1).
 * @param seed Shuffle seed.
 */
export function trainHeldOutSplit<T>(items: readonly T[], heldOutFraction: number, seed: number): { train: T[]; heldOut: T[] } {
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
    throw new InvalidArgumentError(`The held-out fraction must be between 0 and 1, got ${heldOutFraction}.`);
  }
  const heldOutCount = Math.max(1, Math.round(items.length * heldOutFraction));
  if (heldOutCount >= items.length) {
    throw new InvalidArgumentError(`${items.length} examples are too few to hold out ${heldOutFraction * 100}% and still train.`);
  }
  const order = seededPermutation(items.length, seed);
  return {
    heldOut: order.slice(0, heldOutCount).map((i) => items[i]),
    train: order.slice(heldOutCount).map((i) => items[i]),
  };
}

/** Part of the data a command scores: the held-out part of the split, the training part, or all. */
export type DataPart = 'held-out' | 'train' | 'all';

/** Every {@link DataPart}, in the order help text lists them. */
export const DATA_PARTS: readonly DataPart[] = ['held-out', 'train', 'all'];

/**
 * Returns one part of the seeded split that {@link trainHeldOutSplit} makes, or every item.
 * With the same items, fraction and seed it selects the examples a fine-tuning run held out.
 *
 * @param items Items to select from.
 * @param part `held-out`, `train` or `all`.
 * @param heldOutFraction Share of items held out, in (0, 1); unused for `all`.
 * @param seed Shuffle seed; unused for `all`.
 */
export function selectDataPart<T>(items: readonly T[], part: DataPart, heldOutFraction: number, seed: number): T[] {
  if (part === 'all') return [...items];
  if (part !== 'held-out' && part !== 'train') {
    throw new InvalidArgumentError(`Unknown data part "${String(part)}"; expected one of ${DATA_PARTS.join(', ')}.`);
  }
  const { train, heldOut } = trainHeldOutSplit(items, heldOutFraction, seed);
  return part === 'train' ? train : heldOut;
}
