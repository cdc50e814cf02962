import { InvalidArgumentError } from '@peftjs/core-tensor';

import { seededPermutation, selectDataPart, trainHeldOutSplit } from '../../src/data/split';

const items = Array.from({ length: 50 }, (_, i) => i);

describe('seededPermutation', () => {
  it('returns every index once', () => {
    const order = seededPermutation(100, 7);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('repeats for a seed and differs between seeds', () => {
    expect(seededPermutation(100, 7)).toEqual(seededPermutation(100, 7));
    expect(seededPermutation(100, 7)).not.toEqual(seededPermutation(100, 8));
  });

  it('shuffles', () => {
    const order = seededPermutation(100, 0);
    const unmoved = order.filter((value, index) => value === index).length;
    expect(unmoved).toBeLessThan(10);
  });

  it('handles sizes 0 and 1', () => {
    expect(seededPermutation(0, 3)).toEqual([]);
    expect(seededPermutation(1, 3)).toEqual([0]);
  });
});

describe('trainHeldOutSplit', () => {
  it('holds out the rounded fraction', () => {
    const { train, heldOut } = trainHeldOutSplit(items, 0.1, 0);
    expect(heldOut).toHaveLength(5);
    expect(train).toHaveLength(45);
  });

  it('partitions the items', () => {
    const { train, heldOut } = trainHeldOutSplit(items, 0.3, 4);
    expect([...train, ...heldOut].sort((a, b) => a - b)).toEqual(items);
    expect(train.filter((item) => heldOut.includes(item))).toEqual([]);
  });

  it('depends only on count, fraction and seed', () => {
    const letters = items.map((i) => `item ${i}`);
    const numbers = trainHeldOutSplit(items, 0.2, 9).heldOut;
    const strings = trainHeldOutSplit(letters, 0.2, 9).heldOut;
    expect(strings).toEqual(numbers.map((i) => `item ${i}`));
  });

  it('holds out at least one item', () => {
    expect(trainHeldOutSplit([1, 2, 3], 0.01, 0).heldOut).toHaveLength(1);
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => trainHeldOutSplit(items, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => trainHeldOutSplit(items, 1, 0)).toThrow('The held-out fraction must be between 0 and 1, got 1.');
  });

  it('rejects data too small to train on', () => {
    expect(() => trainHeldOutSplit([1], 0.5, 0)).toThrow('1 examples are too few to hold out 50% and still train.');
  });
});

describe('selectDataPart', () => {
  it('selects the parts of trainHeldOutSplit', () => {
    const split = trainHeldOutSplit(items, 0.2, 3);
    expect(selectDataPart(items, 'held-out', 0.2, 3)).toEqual(split.heldOut);
    expect(selectDataPart(items, 'train', 0.2, 3)).toEqual(split.train);
  });

  it('returns a copy of everything for all', () => {
    const all = selectDataPart(items, 'all', 0.2, 3);
    expect(all).toEqual(items);
    expect(all).not.toBe(items);
  });

  it('rejects an unknown part', () => {
    expect(() => selectDataPart(items, 'test' as never, 0.2, 3)).toThrow('Unknown data part "test"; expected one of held-out, train, all.');
  });
});
