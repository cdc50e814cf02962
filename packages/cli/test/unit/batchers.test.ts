import * as tf from '@tensorflow/tfjs';
import { initBackend, InvalidArgumentError } from '@peftjs/core-tensor';

import { ClassificationBatcher, classificationBatch, disposeClassificationBatch } from '../../src/data/classification-batches';
import { SequenceBatcher } from '../../src/data/packed-batches';
import { rightPad } from '../../src/data/padding';
import { ShuffledCycle } from '../../src/data/shuffled-cycle';

beforeAll(async () => {
  await initBackend();
});

describe('rightPad', () => {
  it('pads with zeros and masks the padding', () => {
    const before = tf.memory().numTensors;
    const batch = rightPad([[1, 5, 6], [1, 7], [1]]);
    expect(batch.inputIds.dtype).toBe('int32');
    expect(batch.inputIds.arraySync()).toEqual([
      [1, 5, 6],
      [1, 7, 0],
      [1, 0, 0],
    ]);
    expect(batch.attentionMask.arraySync()).toEqual([
      [1, 1, 1],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    expect(batch.tokens).toBe(6);
    tf.dispose([batch.inputIds, batch.attentionMask]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ShuffledCycle', () => {
  it('visits every index once per epoch', () => {
    const cycle = new ShuffledCycle(7, 3);
    const first = Array.from({ length: 7 }, () => cycle.next());
    const second = Array.from({ length: 7 }, () => cycle.next());
    expect([...first].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...second].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(second).not.toEqual(first);
  });
});

describe('SequenceBatcher', () => {
  const sequences = [[1, 2, 3, 4, 5, 6], [1, 2], [1], [1, 9, 9], [1, 8]];

  it('drops sequences shorter than two tokens and cuts long ones', () => {
    const batcher = new SequenceBatcher(sequences, 2, 4, 0);
    expect(batcher.size).toBe(4);
    const seen: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const batch = batcher.next();
      const ids = batch.inputIds.arraySync() as number[][];
      const mask = batch.attentionMask.arraySync() as number[][];
      ids.forEach((row, r) => seen.push(row.filter((_, t) => mask[r][t] === 1)));
      tf.dispose([batch.inputIds, batch.attentionMask]);
    }
    expect(seen.map((row) => row.join(',')).sort()).toEqual(['1,2', '1,2,3,4', '1,8', '1,9,9']);
  });

  it('serves the same batches for the same seed', () => {
    const a = new SequenceBatcher(sequences, 3, 8, 5).next();
    const b = new SequenceBatcher(sequences, 3, 8, 5).next();
    expect(a.inputIds.arraySync()).toEqual(b.inputIds.arraySync());
    tf.dispose([a.inputIds, a.attentionMask, b.inputIds, b.attentionMask]);
  });

  it('rejects bad sizes and empty data', () => {
    expect(() => new SequenceBatcher(sequences, 0, 8, 0)).toThrow('Batch size must be a positive integer, got 0.');
    expect(() => new SequenceBatcher(sequences, 2, 1, 0)).toThrow(InvalidArgumentError);
    expect(() => new SequenceBatcher([[1]], 2, 8, 0)).toThrow('No training example has two or more tokens.');
  });
});

describe('ClassificationBatcher', () => {
  const examples = [
    { ids: [1, 10, 11, 12], label: 0 },
    { ids: [1, 20], label: 1 },
    { ids: [1, 30, 31], label: 2 },
  ];

  it('keeps each label with its sequence', () => {
    const before = tf.memory().numTensors;
    const batcher = new ClassificationBatcher(examples, 3, 3, 1);
    const batch = batcher.next();
    const ids = batch.inputIds.arraySync() as number[][];
    const labels = batch.labels.arraySync() as number[];
    expect(batch.labels.dtype).toBe('int32');
    ids.forEach((row, r) => {
      const expected = examples.find((e) => e.label === labels[r])!;
      expect(row.slice(0, Math.min(3, expected.ids.length))).toEqual(expected.ids.slice(0, 3));
    });
    expect(labels.sort()).toEqual([0, 1, 2]);
    disposeClassificationBatch(batch);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds evaluation batches in order', () => {
    const batch = classificationBatch(examples.slice(0, 2), 8);
    expect(batch.inputIds.arraySync()).toEqual([
      [1, 10, 11, 12],
      [1, 20, 0, 0],
    ]);
    expect(batch.labels.arraySync()).toEqual([0, 1]);
    disposeClassificationBatch(batch);
  });

  it('rejects empty data and empty examples', () => {
    expect(() => new ClassificationBatcher([], 2, 8, 0)).toThrow('There are no training examples');
    expect(() => new ClassificationBatcher([{ ids: [], label: 0 }], 2, 8, 0)).toThrow('Training example 0 has no tokens');
    expect(() => new ClassificationBatcher(examples, 2.5, 8, 0)).toThrow('Batch size must be a positive integer, got 2.5.');
  });
});
