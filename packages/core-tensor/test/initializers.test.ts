import * as tf from '@tensorflow/tfjs';

import {
  computeFans,
  glorotNormal,
  glorotUniform,
  initBackend,
  InvalidArgumentError,
  kaimingNormal,
  kaimingUniform,
  normal,
  ones,
  truncatedNormal,
  uniform,
  xavierNormal,
  xavierUniform,
  zeros,
} from '../src';
import { bytesOf } from './helpers/close';
import { countLeakedTensors } from './helpers/memory';
import { momentsOf, rangeOf } from './helpers/statistics';

beforeAll(async () => {
  await initBackend();
});

// 100k values each. The 4-D shape has a receptive field of 5 · 10 = 50, so
// fan_in = 40 · 50 = 2000 and fan_out = 50 · 50 = 2500.
const MATRIX: number[] = [100, 1000];
const CONV: number[] = [50, 40, 5, 10];

// Standard deviation of the unit normal truncated to [−2, 2]:
// sqrt(1 − 2 · 2 · φ(2) / (Φ(2) − Φ(−2))) with φ(2) = 0.053991 and Φ(2) − Φ(−2) = 0.954500.
const TRUNCATED_STD_RATIO = Math.sqrt(1 - (4 * 0.053991) / 0.9545);

interface StatisticsCase {
  name: string;
  /** Shape of the 100k-value draw; the expected std depends on its fans. */
  shape: number[];
  draw: (shape: number[], seed: number) => tf.Tensor;
  mean: number;
  std: number;
}

/** Returns a small shape of the same rank, for checks that do not need 100k values. */
function smallShapeLike(shape: number[]): number[] {
  return shape.length === 4 ? [4, 2, 3, 3] : [64, 32];
}

// Expected moments come from the documented formulas, evaluated here by hand. A uniform
// U(−b, b) has std b / √3.
const STATISTICS_CASES: StatisticsCase[] = [
  { name: 'normal()', shape: MATRIX, draw: (shape, seed) => normal(shape, seed), mean: 0, std: 1 },
  {
    name: 'normal(mean 3, std 0.5)',
    shape: MATRIX,
    draw: (shape, seed) => normal(shape, seed, 3, 0.5),
    mean: 3,
    std: 0.5,
  },
  {
    name: 'truncatedNormal()',
    shape: MATRIX,
    draw: (shape, seed) => truncatedNormal(shape, seed),
    mean: 0,
    std: TRUNCATED_STD_RATIO,
  },
  {
    name: 'truncatedNormal(mean 1, std 2)',
    shape: MATRIX,
    draw: (shape, seed) => truncatedNormal(shape, seed, 1, 2),
    mean: 1,
    std: 2 * TRUNCATED_STD_RATIO,
  },
  { name: 'uniform()', shape: MATRIX, draw: (shape, seed) => uniform(shape, seed), mean: 0.5, std: 1 / Math.sqrt(12) },
  {
    name: 'uniform(−1, 3)',
    shape: MATRIX,
    draw: (shape, seed) => uniform(shape, seed, -1, 3),
    mean: 1,
    std: 4 / Math.sqrt(12),
  },
  // a = √5: b = sqrt(6 / ((1 + 5) · 1000)) = 1 / √1000.
  {
    name: 'kaimingUniform(a √5)',
    shape: MATRIX,
    draw: (shape, seed) => kaimingUniform(shape, seed),
    mean: 0,
    std: 1 / Math.sqrt(1000) / Math.sqrt(3),
  },
  // a = 0: b = sqrt(6 / 2000).
  {
    name: 'kaimingUniform(a 0, 4-D)',
    shape: CONV,
    draw: (shape, seed) => kaimingUniform(shape, seed, 0),
    mean: 0,
    std: Math.sqrt(6 / 2000) / Math.sqrt(3),
  },
  {
    name: 'kaimingNormal(a 0)',
    shape: MATRIX,
    draw: (shape, seed) => kaimingNormal(shape, seed),
    mean: 0,
    std: Math.sqrt(2 / 1000),
  },
  // a = 1: std = sqrt(2 / (2 · 2000)).
  {
    name: 'kaimingNormal(a 1, 4-D)',
    shape: CONV,
    draw: (shape, seed) => kaimingNormal(shape, seed, 1),
    mean: 0,
    std: Math.sqrt(1 / 2000),
  },
  // fan_in + fan_out is 1100 for MATRIX and 4500 for CONV.
  {
    name: 'xavierUniform()',
    shape: MATRIX,
    draw: (shape, seed) => xavierUniform(shape, seed),
    mean: 0,
    std: Math.sqrt(6 / 1100) / Math.sqrt(3),
  },
  {
    name: 'xavierUniform(gain 2, 4-D)',
    shape: CONV,
    draw: (shape, seed) => xavierUniform(shape, seed, 2),
    mean: 0,
    std: (2 * Math.sqrt(6 / 4500)) / Math.sqrt(3),
  },
  {
    name: 'xavierNormal()',
    shape: MATRIX,
    draw: (shape, seed) => xavierNormal(shape, seed),
    mean: 0,
    std: Math.sqrt(2 / 1100),
  },
  {
    name: 'xavierNormal(gain 0.5, 4-D)',
    shape: CONV,
    draw: (shape, seed) => xavierNormal(shape, seed, 0.5),
    mean: 0,
    std: 0.5 * Math.sqrt(2 / 4500),
  },
  { name: 'zeros', shape: MATRIX, draw: (shape) => zeros(shape), mean: 0, std: 0 },
  { name: 'ones', shape: CONV, draw: (shape) => ones(shape), mean: 1, std: 0 },
];

describe('initializer statistics on 100k samples', () => {
  it.each(STATISTICS_CASES)('$name has the documented mean and std', ({ shape, draw, mean, std }) => {
    const values = draw(shape, 42);
    const moments = momentsOf(values);

    expect(values.size).toBe(100_000);
    expect(values.dtype).toBe('float32');
    if (std === 0) {
      expect(moments).toEqual({ mean, std: 0 });
    } else {
      // Means near zero get an absolute tolerance of 5 % of the std instead of a relative one.
      const meanTolerance = Math.abs(mean) < std ? 0.05 * std : 0.05 * Math.abs(mean);
      expect(Math.abs(moments.mean - mean)).toBeLessThan(meanTolerance);
      expect(Math.abs(moments.std - std)).toBeLessThan(0.05 * std);
    }
    values.dispose();
  });

  it('truncates to two standard deviations around the mean', () => {
    const values = truncatedNormal(MATRIX, 7, 1, 2);
    const { min, max } = rangeOf(values);

    expect(min).toBeGreaterThanOrEqual(1 - 4);
    expect(max).toBeLessThanOrEqual(1 + 4);
    // Truncation at 2σ leaves values close to both edges: a cut at 1σ would fail here.
    expect(min).toBeLessThan(1 - 3.9);
    expect(max).toBeGreaterThan(1 + 3.9);
    values.dispose();
  });

  it('keeps uniform draws inside [low, high)', () => {
    const values = uniform(MATRIX, 8, -1, 3);
    const { min, max } = rangeOf(values);

    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThan(3);
    values.dispose();
  });
});

describe('initializer seeds', () => {
  const randomCases = STATISTICS_CASES.filter((c) => c.std !== 0);

  it.each(randomCases)('$name follows its seed', ({ shape, draw }) => {
    const small = smallShapeLike(shape);
    const first = draw(small, 5);
    const second = draw(small, 5);
    const other = draw(small, 6);

    expect(bytesOf(first).equals(bytesOf(second))).toBe(true);
    expect(bytesOf(first).equals(bytesOf(other))).toBe(false);
    tf.dispose([first, second, other]);
  });

  it('aliases glorot to xavier', () => {
    expect(glorotUniform).toBe(xavierUniform);
    expect(glorotNormal).toBe(xavierNormal);
  });
});

describe('computeFans', () => {
  it('follows the [out, in, ...] layout', () => {
    expect(computeFans([3, 7])).toEqual([7, 3]);
    expect(computeFans(CONV)).toEqual([2000, 2500]);
    expect(computeFans([8, 4, 3, 3])).toEqual([36, 72]);
  });

  it.each([[[]], [[5]]])('rejects the shape %j', (shape) => {
    expect(() => computeFans(shape)).toThrow(InvalidArgumentError);
    expect(() => computeFans(shape)).toThrow(`got shape [${shape}]`);
  });

  it.each([
    ['kaimingUniform', kaimingUniform],
    ['kaimingNormal', kaimingNormal],
    ['xavierUniform', xavierUniform],
    ['xavierNormal', xavierNormal],
  ])('makes %s reject a vector', (_name, init) => {
    expect(() => init([16], 0)).toThrow(InvalidArgumentError);
    expect(() => init([16], 0)).toThrow('at least 2 dimensions');
  });
});

describe('initializer argument checks', () => {
  it.each([NaN, Infinity, -Infinity])('rejects the seed %p', (seed) => {
    expect(() => normal([2], seed)).toThrow(InvalidArgumentError);
    expect(() => truncatedNormal([2], seed)).toThrow(InvalidArgumentError);
    expect(() => uniform([2], seed)).toThrow(InvalidArgumentError);
    expect(() => kaimingUniform([2, 2], seed)).toThrow(`Invalid seed ${seed}`);
  });

  it.each([[[-1, 2]], [[2.5]], [[NaN]], [[2, Infinity]]])('rejects the shape %j', (shape) => {
    expect(() => normal(shape, 0)).toThrow(InvalidArgumentError);
    expect(() => uniform(shape, 0)).toThrow(InvalidArgumentError);
    expect(() => zeros(shape)).toThrow(InvalidArgumentError);
    expect(() => ones(shape)).toThrow(InvalidArgumentError);
    expect(() => zeros(shape)).toThrow('every dimension must be a non-negative integer');
  });

  it('names a negative fan dimension', () => {
    expect(() => kaimingUniform([4, -2], 0)).toThrow('Invalid shape [4,-2]');
    expect(() => xavierNormal([-4, 2], 0)).toThrow('Invalid shape [-4,2]');
  });

  it.each([0, -1, NaN, Infinity])('rejects the std %p', (std) => {
    expect(() => normal([2], 0, 0, std)).toThrow(InvalidArgumentError);
    expect(() => truncatedNormal([2], 0, 0, std)).toThrow(`Invalid std ${std}`);
  });

  it.each([NaN, Infinity])('rejects the mean %p', (mean) => {
    expect(() => normal([2], 0, mean)).toThrow(`Invalid mean ${mean}`);
    expect(() => truncatedNormal([2], 0, mean)).toThrow(InvalidArgumentError);
  });

  it.each([
    [1, 1],
    [2, 1],
    [-Infinity, 0],
    [0, NaN],
  ])('rejects the uniform range [%p, %p)', (low, high) => {
    expect(() => uniform([2], 0, low, high)).toThrow(InvalidArgumentError);
  });

  it.each([0, -1, NaN])('rejects the xavier gain %p', (gain) => {
    expect(() => xavierUniform([2, 2], 0, gain)).toThrow(`Invalid gain ${gain}`);
    expect(() => xavierNormal([2, 2], 0, gain)).toThrow(InvalidArgumentError);
  });

  it('rejects a non-finite kaiming slope', () => {
    expect(() => kaimingUniform([2, 2], 0, NaN)).toThrow('Invalid negative slope a NaN');
    expect(() => kaimingNormal([2, 2], 0, Infinity)).toThrow(InvalidArgumentError);
  });

  it('returns only the new tensor', () => {
    for (const { name, shape, draw } of STATISTICS_CASES) {
      expect([name, countLeakedTensors(() => draw(smallShapeLike(shape), 1).dispose())]).toEqual([name, 0]);
    }
  });
});
