import * as tf from '@tensorflow/tfjs';

import { Embedding, initBackend, InvalidArgumentError } from '../src';
import { bytesOf } from './helpers/close';
import { countLeakedTensors } from './helpers/memory';
import { momentsOf } from './helpers/statistics';

beforeAll(async () => {
  await initBackend();
});

/** Creates an Embedding(4, 2) whose row i is [10·i, 10·i + 1]. */
function knownTable(): Embedding {
  const table = new Embedding(4, 2);
  const weight = tf.tensor2d([
    [0, 1],
    [10, 11],
    [20, 21],
    [30, 31],
  ]);
  table.loadParameters({ weight });
  weight.dispose();
  return table;
}

describe('Embedding lookup', () => {
  it('gathers rows as [...ids, dim]', () => {
    const table = knownTable();
    const ids = tf.tensor2d(
      [
        [3, 0, 1],
        [1, 1, 2],
      ],
      undefined,
      'int32',
    );
    const vectors = table.apply(ids);

    expect(vectors.shape).toEqual([2, 3, 2]);
    expect(Array.from(vectors.dataSync())).toEqual([30, 31, 0, 1, 10, 11, 10, 11, 10, 11, 20, 21]);
    tf.dispose([ids, vectors]);
    table.dispose();
  });

  it('accepts integer ids stored as float32', () => {
    const table = knownTable();
    const ids = tf.tensor1d([2, 3]);
    const vectors = table.apply(ids);

    expect(Array.from(vectors.dataSync())).toEqual([20, 21, 30, 31]);
    tf.dispose([ids, vectors]);
    table.dispose();
  });

  it.each([
    [[0, 4], 4, 1],
    [[-1], -1, 0],
    [[1, 2, 1.5], 1.5, 2],
  ])('rejects the ids %j naming id %p at position %p', (values, badId, position) => {
    const table = knownTable();
    const ids = tf.tensor1d(values);

    expect(() => table.apply(ids)).toThrow(InvalidArgumentError);
    expect(() => table.apply(ids)).toThrow(`Token id ${badId} at flat position ${position}`);
    expect(() => table.apply(ids)).toThrow('table of 4 rows');
    tf.dispose(ids);
    table.dispose();
  });

  it.each([0, -3, 2.5, NaN])('rejects the size %p', (size) => {
    expect(() => new Embedding(size, 8)).toThrow(InvalidArgumentError);
    expect(() => new Embedding(8, size)).toThrow(InvalidArgumentError);
  });
});

describe('Embedding initialisation', () => {
  it('draws the table from N(0, 1) like torch.nn.Embedding', () => {
    const table = new Embedding(1000, 100, 5);
    const { mean, std } = momentsOf(table.weight.value);

    expect(table.weight.shape).toEqual([1000, 100]);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeGreaterThan(0.95);
    expect(std).toBeLessThan(1.05);
    table.dispose();
  });

  it('is reproducible from the seed', () => {
    const first = new Embedding(16, 4, 7);
    const second = new Embedding(16, 4, 7);
    const other = new Embedding(16, 4, 8);

    expect(bytesOf(first.weight.value)).toEqual(bytesOf(second.weight.value));
    expect(bytesOf(first.weight.value)).not.toEqual(bytesOf(other.weight.value));
    for (const table of [first, second, other]) table.dispose();
  });

  it('frees everything after create, lookup and dispose', () => {
    const leaked = countLeakedTensors(() => {
      const table = new Embedding(10, 3);
      const ids = tf.tensor1d([1, 9, 0], 'int32');
      tf.dispose([table.apply(ids), ids]);
      table.dispose();
    });

    expect(leaked).toBe(0);
  });
});
