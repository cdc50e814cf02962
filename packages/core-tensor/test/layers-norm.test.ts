import * as tf from '@tensorflow/tfjs';

import { initBackend, InvalidArgumentError, LayerNorm, RMSNorm, ShapeMismatchError } from '../src';
import { mismatches } from './helpers/close';
import { countLeakedTensors } from './helpers/memory';

beforeAll(async () => {
  await initBackend();
});

/** Loads `values` into `module` by path and frees the source tensors. */
function load(module: LayerNorm | RMSNorm, values: Record<string, number[]>): void {
  const tensors = Object.fromEntries(Object.entries(values).map(([path, v]) => [path, tf.tensor1d(v)]));
  module.loadParameters(tensors);
  tf.dispose(Object.values(tensors));
}

describe('LayerNorm', () => {
  it('starts as weight ones and bias zeros', () => {
    const norm = new LayerNorm(3);

    expect([...norm.namedParameters().keys()]).toEqual(['weight', 'bias']);
    expect(Array.from(norm.weight.value.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(norm.bias.value.dataSync())).toEqual([0, 0, 0]);
    expect(norm.eps).toBe(1e-5);
    norm.dispose();
  });

  it('divides by the biased variance plus eps', () => {
    // x = [1, 2, 3, 4]: mean 2.5, biased variance 1.25 (the unbiased one is 5/3).
    // With eps = 1 the divisor is √2.25 = 1.5.
    const norm = new LayerNorm(4, 1);
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const y = norm.apply(x);

    expect(mismatches(y, [-1, -1 / 3, 1 / 3, 1], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('matches the PyTorch formula with the default eps', () => {
    const norm = new LayerNorm(4);
    const x = tf.tensor1d([1, 2, 3, 4]);
    const y = norm.apply(x);
    const divisor = Math.sqrt(1.25 + 1e-5);

    expect(mismatches(y, [-1.5, -0.5, 0.5, 1.5].map((d) => d / divisor), 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('applies weight and bias after normalising', () => {
    const norm = new LayerNorm(4, 1);
    load(norm, { weight: [2, 2, 3, 3], bias: [1, 0, 0, -1] });
    const x = tf.tensor1d([1, 2, 3, 4]);
    const y = norm.apply(x);

    expect(mismatches(y, [-1, -2 / 3, 1, 2], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('normalises each row of the last dimension separately', () => {
    const norm = new LayerNorm(4, 1);
    // The second row is the first scaled by 2 and shifted by 10: mean 15, biased variance 5,
    // divisor √6.
    const x = tf.tensor3d([[[1, 2, 3, 4]], [[12, 14, 16, 18]]]);
    const y = norm.apply(x);
    const second = [-3, -1, 1, 3].map((d) => d / Math.sqrt(6));

    expect(y.shape).toEqual([2, 1, 4]);
    expect(mismatches(y, [-1, -1 / 3, 1 / 3, 1, ...second], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('returns the bias for a constant row', () => {
    const norm = new LayerNorm(3, 1e-12);
    load(norm, { bias: [0.5, -0.5, 2] });
    const x = tf.tensor1d([7, 7, 7]);
    const y = norm.apply(x);

    expect(mismatches(y, [0.5, -0.5, 2], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('rejects an input whose last dimension differs', () => {
    const norm = new LayerNorm(4);
    // A last dimension of 1 would broadcast against the weight and silently return [2, 4].
    for (const shape of [[2, 1], [2, 5]]) {
      const x = tf.ones(shape);
      expect(() => norm.apply(x)).toThrow(ShapeMismatchError);
      expect(() => norm.apply(x)).toThrow(`got shape [${shape}]`);
      x.dispose();
    }
    norm.dispose();
  });

  it.each([
    [0, 1e-5],
    [2.5, 1e-5],
    [4, 0],
    [4, -1e-5],
    [4, NaN],
  ])('rejects dim %p with eps %p', (dim, eps) => {
    expect(() => new LayerNorm(dim, eps)).toThrow(InvalidArgumentError);
  });
});

describe('RMSNorm', () => {
  it('starts as weight ones', () => {
    const norm = new RMSNorm(3);

    expect([...norm.namedParameters().keys()]).toEqual(['weight']);
    expect(Array.from(norm.weight.value.dataSync())).toEqual([1, 1, 1]);
    expect(norm.eps).toBe(1e-5);
    norm.dispose();
  });

  it('divides by RMS without centring', () => {
    // x = [1, 3, 5, 7]: mean square (1 + 9 + 25 + 49) / 4 = 21; with eps = 4 the divisor is 5.
    const norm = new RMSNorm(4, 4);
    const x = tf.tensor2d([[1, 3, 5, 7]]);
    const y = norm.apply(x);

    expect(mismatches(y, [0.2, 0.6, 1, 1.4], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('scales by the weight', () => {
    const norm = new RMSNorm(4, 4);
    load(norm, { weight: [1, 2, 1, 2] });
    const x = tf.tensor1d([1, 3, 5, 7]);
    const y = norm.apply(x);

    expect(mismatches(y, [0.2, 1.2, 1, 2.8], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('uses the default eps of 1e-5', () => {
    const norm = new RMSNorm(2);
    // Mean square of [3, 4] is 12.5.
    const x = tf.tensor2d([
      [3, 4],
      [0, 0],
    ]);
    const y = norm.apply(x);
    const divisor = Math.sqrt(12.5 + 1e-5);

    expect(mismatches(y, [3 / divisor, 4 / divisor, 0, 0], 1e-6)).toEqual([]);
    tf.dispose([x, y]);
    norm.dispose();
  });

  it('rejects an input whose last dimension differs', () => {
    const norm = new RMSNorm(4);
    for (const shape of [[3, 1], [3, 8]]) {
      const x = tf.ones(shape);
      expect(() => norm.apply(x)).toThrow(ShapeMismatchError);
      x.dispose();
    }
    norm.dispose();
  });

  it.each([
    [-1, 1e-5],
    [4, 0],
    [4, Infinity],
  ])('rejects dim %p with eps %p', (dim, eps) => {
    expect(() => new RMSNorm(dim, eps)).toThrow(InvalidArgumentError);
  });
});

describe('normalisation memory', () => {
  it('frees everything after create, apply and dispose', () => {
    const leaked = countLeakedTensors(() => {
      const layerNorm = new LayerNorm(8);
      const rmsNorm = new RMSNorm(8);
      const x = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 4);
      tf.dispose([layerNorm.apply(x), rmsNorm.apply(x), x]);
      layerNorm.dispose();
      rmsNorm.dispose();
    });

    expect(leaked).toBe(0);
  });
});
