import { seededPermutation } from './split';

/**
 * Endless sequence of indices `0..size-1` that visits every index once per epoch, in a new seeded
 * order each epoch (epoch `e` uses the permutation of seed `seed + e`).
 */
export class ShuffledCycle {
  private order: number[] = [];
  private cursor = 0;
  private epoch = 0;

  /**
   * @param size Number of items; must be positive.
   * @param seed Seed of the first epoch's order.
   */
  constructor(
    readonly size: number,
    private readonly seed: number,
  ) {
    this.reshuffle();
  }

  /** Returns the next index, starting a new epoch when the current one is used up. */
  next(): number {
    if (this.cursor >= this.order.length) this.reshuffle();
    return this.order[this.cursor++];
  }

  private reshuffle(): void {
    this.order = seededPermutation(this.size, this.seed + this.epoch);
    this.epoch += 1;
    this.cursor = 0;
  }
}
