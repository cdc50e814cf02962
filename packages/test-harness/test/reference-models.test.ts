import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';

import { createTinyBertHarnessModel, createTinyLlamaHarnessModel, loadStories260KHarnessModel, type HarnessModel } from '../src';

beforeAll(async () => {
  await initBackend();
});

const factories: [string, () => HarnessModel | Promise<HarnessModel>][] = [
  ['tiny Llama', () => createTinyLlamaHarnessModel()],
  ['tiny BERT', () => createTinyBertHarnessModel()],
  ['stories260K', () => loadStories260KHarnessModel()],
];

describe.each(factories)('%s', (_label, create) => {
  it('is deterministic, untouched by adapters and releases every tensor', async () => {
    const tensors = tf.memory().numTensors;
    const first = await create();
    const second = await create();
    expect(first.model).not.toBe(second.model);
    expect(first.model.adapterNames).toEqual([]);
    const a = first.forward();
    const b = second.forward();
    expect(a.shape).toEqual(b.shape);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    first.dispose();
    second.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('has a finite scalar loss that reaches the last parameters', async () => {
    const harness = await create();
    const loss = harness.loss();
    expect(loss.rank).toBe(0);
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    loss.dispose();
    const { value, grads } = tf.variableGrads(() => harness.loss(), harness.model.parameters().slice(-3).map((p) => p.variable));
    expect(Object.keys(grads)).toHaveLength(3);
    tf.dispose([value, grads]);
    harness.dispose();
  });
});

it('stories260K is the trained model: its loss is far below a uniform guess', async () => {
  const harness = await loadStories260KHarnessModel();
  const loss = tf.tidy(() => harness.loss().dataSync()[0]);
  // A uniform guess over the 512-token vocabulary costs ln 512 ≈ 6.24 nats per token.
  expect(loss).toBeLessThan(0.6 * Math.log(512));
  harness.dispose();
});
