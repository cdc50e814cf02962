import * as tf from '@tensorflow/tfjs';

import { Dropout, initBackend, InvalidArgumentError } from '../src';
import { bytesOf } from './helpers/close';
import { countLeakedTensors } from './helpers/memory';

beforeAll(async () => {
  await initBackend();
});

const SIZE = 100_000;

/** Counts the zeros of a tensor and collects the distinct non-zero values. */
function summarise(t: tf.Tensor): { zeroFraction: number; kept: Set<number> } {
  const values = t.dataSync();
  let zeros = 0;
  const kept = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) zeros += 1;
    else kept.add(values[i]);
  }
  return { zeroFraction: zeros / values.length, kept };
}

describe('Dropout', () => {
  it('is the identity in eval mode', () => {
    const dropout = new Dropout(0.5).eval();
    const x = tf.randomNormal([64, 8], 0, 1, 'float32', 1);
    const y = dropout.apply(x);

    expect(bytesOf(y)).toEqual(bytesOf(x));
    // A copy, so the caller may dispose input and output independently.
    expect(y).not.toBe(x);
    tf.dispose([x, y]);
  });

  it('is the identity at rate 0', () => {
    const dropout = new Dropout(0);
    const x = tf.randomNormal([64, 8], 0, 1, 'float32', 2);
    const y = dropout.apply(x);

    expect(dropout.training).toBe(true);
    expect(bytesOf(y)).toEqual(bytesOf(x));
    tf.dispose([x, y]);
  });

  it.each([0.1, 0.3, 0.5])('zeroes about rate %p and scales the rest', (rate) => {
    const dropout = new Dropout(rate, 3);
    const x = tf.ones([SIZE]);
    const y = dropout.apply(x);
    const { zeroFraction, kept } = summarise(y);

    // The zero count is binomial: its standard deviation is at most 0.0016 of SIZE, so 0.01 is
    // more than 6 standard deviations.
    expect(Math.abs(zeroFraction - rate)).toBeLessThan(0.01);
    expect(kept.size).toBe(1);
    expect([...kept][0]).toBeCloseTo(1 / (1 - rate), 6);
    tf.dispose([x, y]);
  });

  it('draws a fresh mask on every call', () => {
    const dropout = new Dropout(0.5, 4);
    const x = tf.ones([1000]);
    const first = dropout.apply(x);
    const second = dropout.apply(x);

    expect(bytesOf(first)).not.toEqual(bytesOf(second));
    tf.dispose([x, first, second]);
  });

  it('repeats its masks from the seed', () => {
    const x = tf.ones([1000]);
    const a = new Dropout(0.5, 9);
    const b = new Dropout(0.5, 9);
    const c = new Dropout(0.5, 10);
    const [a1, a2, b1, b2, c1] = [a.apply(x), a.apply(x), b.apply(x), b.apply(x), c.apply(x)];

    expect(bytesOf(a1)).toEqual(bytesOf(b1));
    expect(bytesOf(a2)).toEqual(bytesOf(b2));
    expect(bytesOf(a1)).not.toEqual(bytesOf(c1));
    tf.dispose([x, a1, a2, b1, b2, c1]);
  });

  it('follows train() after eval()', () => {
    const dropout = new Dropout(0.5, 5).eval();
    dropout.train();
    const x = tf.ones([1000]);
    const y = dropout.apply(x);

    expect(summarise(y).zeroFraction).toBeGreaterThan(0.4);
    tf.dispose([x, y]);
  });

  it.each([-0.1, 1, 1.5, NaN])('rejects the rate %p', (rate) => {
    expect(() => new Dropout(rate)).toThrow(InvalidArgumentError);
    expect(() => new Dropout(rate)).toThrow(`got ${rate}`);
  });

  it('frees the mask', () => {
    const dropout = new Dropout(0.2, 6);
    const x = tf.ones([100]);

    expect(countLeakedTensors(() => dropout.apply(x).dispose())).toBe(0);
    dropout.eval();
    expect(countLeakedTensors(() => dropout.apply(x).dispose())).toBe(0);
    x.dispose();
  });
});
