import * as tf from '@tensorflow/tfjs';

import { initBackend, InvalidArgumentError, Linear, ShapeMismatchError } from '../src';
import { bytesOf, mismatches } from './helpers/close';
import { countLeakedTensors } from './helpers/memory';
import { momentsOf, rangeOf } from './helpers/statistics';

beforeAll(async () => {
  await initBackend();
});

/** Creates a Linear(3, 2) with W = [[1, 2, 3], [4, 5, 6]] and b = [0.5, −1]. */
function knownLayer(bias = true): Linear {
  const layer = new Linear(3, 2, { bias });
  const weight = tf.tensor2d([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const values: Record<string, tf.Tensor> = bias ? { weight, bias: tf.tensor1d([0.5, -1]) } : { weight };
  layer.loadParameters(values);
  tf.dispose(Object.values(values));
  return layer;
}

describe('Linear layout', () => {
  it('stores the weight as [out, in]', () => {
    const layer = new Linear(5, 3);

    expect(layer.weight.shape).toEqual([3, 5]);
    expect(layer.bias!.shape).toEqual([3]);
    expect([...layer.namedParameters().keys()]).toEqual(['weight', 'bias']);
    layer.dispose();
  });

  it('computes x Wᵀ + b', () => {
    const layer = knownLayer();
    const x = tf.tensor2d([
      [1, 0, -1],
      [2, 1, 0],
    ]);
    const y = layer.apply(x);

    // Row 1 is [1·1 + 3·(−1) + 0.5, 4·1 + 6·(−1) − 1]. Row 2 is [1·2 + 2·1 + 0.5, 4·2 + 5·1 − 1].
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([-1.5, -3, 4.5, 12]);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('computes x Wᵀ without a bias', () => {
    const layer = knownLayer(false);
    const x = tf.tensor2d([[1, 1, 1]]);
    const y = layer.apply(x);

    expect(layer.bias).toBeNull();
    expect([...layer.namedParameters().keys()]).toEqual(['weight']);
    expect(Array.from(y.dataSync())).toEqual([6, 15]);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('keeps leading dimensions', () => {
    const layer = new Linear(6, 4, { seed: 9 });
    const x = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 1);
    const y = layer.apply(x);
    const flat = tf.reshape(x, [30, 6]);
    const rows = layer.apply(flat);

    expect(y.shape).toEqual([2, 3, 5, 4]);
    expect(mismatches(y, rows.dataSync(), 1e-6)).toEqual([]);
    tf.dispose([x, y, flat, rows]);
    layer.dispose();
  });

  it('accepts a 1-D input', () => {
    const layer = knownLayer();
    const x = tf.tensor1d([0, 1, 0]);
    const y = layer.apply(x);

    expect(y.shape).toEqual([2]);
    expect(Array.from(y.dataSync())).toEqual([2.5, 4]);
    tf.dispose([x, y]);
    layer.dispose();
  });
});

describe('Linear errors', () => {
  it('rejects an input with the wrong last dimension', () => {
    const layer = new Linear(4, 2);
    const x = tf.zeros([3, 5]);

    expect(() => layer.apply(x)).toThrow(ShapeMismatchError);
    expect(() => layer.apply(x)).toThrow(/last dimension 4, got shape \[3,5\]/);
    expect(() => layer.applyBase(x)).toThrow(ShapeMismatchError);
    tf.dispose(x);
    layer.dispose();
  });

  it.each([0, -2, 1.5, NaN])('rejects %p features', (size) => {
    expect(() => new Linear(size, 2)).toThrow(InvalidArgumentError);
    expect(() => new Linear(2, size)).toThrow(InvalidArgumentError);
    expect(() => new Linear(size, 2)).toThrow(`inFeatures must be a positive integer, got ${size}`);
  });
});

describe('Linear forward hook', () => {
  it('passes input and base output to hook', () => {
    const layer = knownLayer();
    const x = tf.tensor2d([[1, 0, -1]]);
    const seen: { input: number[]; base: number[] }[] = [];
    layer.forwardHook = (input, base) => {
      seen.push({ input: Array.from(input.dataSync()), base: Array.from(base.dataSync()) });
      return tf.add(tf.mul(base, 2), 1);
    };
    const y = layer.apply(x);

    expect(seen).toEqual([{ input: [1, 0, -1], base: [-1.5, -3] }]);
    expect(Array.from(y.dataSync())).toEqual([-2, -5]);
    tf.dispose(y);
    tf.dispose(x);
    layer.dispose();
  });

  it('is skipped by applyBase and removed by null', () => {
    const layer = knownLayer();
    const x = tf.tensor2d([[1, 0, -1]]);
    layer.forwardHook = (_input, base) => tf.neg(base);
    const base = layer.applyBase(x);
    layer.forwardHook = null;
    const plain = layer.apply(x);

    expect(Array.from(base.dataSync())).toEqual([-1.5, -3]);
    expect(Array.from(plain.dataSync())).toEqual([-1.5, -3]);
    tf.dispose([x, base, plain]);
    layer.dispose();
  });

  it('frees the hook intermediates', () => {
    const layer = knownLayer();
    const x = tf.tensor2d([[1, 2, 3]]);
    layer.forwardHook = (input, base) => tf.add(base, tf.sum(tf.square(input)));

    const leaked = countLeakedTensors(() => layer.apply(x).dispose());

    expect(leaked).toBe(0);
    tf.dispose(x);
    layer.dispose();
  });
});

describe('Linear initialisation', () => {
  // PyTorch's nn.Linear: kaiming-uniform with a = √5 gives U(−1/√in, 1/√in) for the weight,
  // and the bias is drawn from the same range.
  const inFeatures = 400;
  const outFeatures = 300;
  const bound = 1 / Math.sqrt(inFeatures);

  it('draws the weight from U(−1/√in, 1/√in)', () => {
    const layer = new Linear(inFeatures, outFeatures, { seed: 11 });
    const { min, max } = rangeOf(layer.weight.value);
    const { mean, std } = momentsOf(layer.weight.value);

    expect(max).toBeLessThanOrEqual(bound);
    expect(min).toBeGreaterThanOrEqual(-bound);
    // 120k draws come within 0.1 % of both ends, so a narrower range fails here.
    expect(max).toBeGreaterThan(0.99 * bound);
    expect(min).toBeLessThan(-0.99 * bound);
    expect(Math.abs(mean)).toBeLessThan(0.05 * (bound / Math.sqrt(3)));
    expect(std).toBeGreaterThan(0.95 * (bound / Math.sqrt(3)));
    expect(std).toBeLessThan(1.05 * (bound / Math.sqrt(3)));
    layer.dispose();
  });

  it('draws the bias from U(−1/√in, 1/√in)', () => {
    const layer = new Linear(inFeatures, outFeatures, { seed: 11 });
    const { min, max } = rangeOf(layer.bias!.value);

    expect(max).toBeLessThanOrEqual(bound);
    expect(min).toBeGreaterThanOrEqual(-bound);
    // 300 draws: the extremes lie beyond 80 % of the bound unless the range is wrong.
    expect(max).toBeGreaterThan(0.8 * bound);
    expect(min).toBeLessThan(-0.8 * bound);
    layer.dispose();
  });

  it('is reproducible from the seed', () => {
    const first = new Linear(8, 4, { seed: 3 });
    const second = new Linear(8, 4, { seed: 3 });
    const other = new Linear(8, 4, { seed: 4 });

    expect(bytesOf(first.weight.value)).toEqual(bytesOf(second.weight.value));
    expect(bytesOf(first.bias!.value)).toEqual(bytesOf(second.bias!.value));
    expect(bytesOf(first.weight.value)).not.toEqual(bytesOf(other.weight.value));
    expect(bytesOf(first.bias!.value)).not.toEqual(bytesOf(other.bias!.value));
    for (const layer of [first, second, other]) layer.dispose();
  });

  it('uses seed 0 by default', () => {
    const implicit = new Linear(8, 4);
    const explicit = new Linear(8, 4, { seed: 0 });

    expect(bytesOf(implicit.weight.value)).toEqual(bytesOf(explicit.weight.value));
    implicit.dispose();
    explicit.dispose();
  });

  it('creates an all-zero layer without leaking', () => {
    let y: tf.Tensor | undefined;
    const leaked = countLeakedTensors(() => {
      const layer = Linear.zeros(3, 2);
      const x = tf.ones([1, 3]);
      y = layer.apply(x);
      expect(Array.from(layer.weight.value.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
      expect(Array.from(layer.bias!.value.dataSync())).toEqual([0, 0]);
      x.dispose();
      layer.dispose();
    });

    expect(Array.from(y!.dataSync())).toEqual([0, 0]);
    expect(leaked).toBe(1);
    y!.dispose();
  });
});

describe('Linear memory', () => {
  it('frees everything after create, apply and dispose', () => {
    const leaked = countLeakedTensors(() => {
      const layer = new Linear(16, 8, { seed: 2 });
      const x = tf.randomNormal([4, 16], 0, 1, 'float32', 2);
      tf.dispose([layer.apply(x), layer.applyBase(x), x]);
      layer.dispose();
    });

    expect(leaked).toBe(0);
  });
});
