import * as tf from '@tensorflow/tfjs';
import { initBackend, Linear } from '@peftjs/core-tensor';

const TOLERANCE = 1e-5;

/**
 * Selects the default backend, then checks a Linear forward pass against `x·Wᵀ + b` computed in
 * plain JavaScript from the layer's own parameters, and checks that no tensor leaks.
 */
export async function use(): Promise<string> {
  const backend = await initBackend();
  if (backend !== 'wasm') {
    throw new Error(`initBackend() selected "${backend}"; expected "wasm" in Node with @tensorflow/tfjs-backend-wasm installed.`);
  }

  const input = [
    [1, 2, 3, 4],
    [-1, 0.5, 0, 2],
  ];
  const layer = new Linear(4, 3, { seed: 7 });
  const tensorsBefore = tf.memory().numTensors;

  const output = tf.tidy(() => layer.apply(tf.tensor2d(input)));
  const actual = output.arraySync() as number[][];
  output.dispose();

  if (layer.bias === null) throw new Error('Linear(4, 3) has no bias; expected one by default.');
  const weight = layer.weight.value.arraySync() as number[][];
  const bias = layer.bias.value.arraySync() as number[];
  input.forEach((row, i) => {
    weight.forEach((weightRow, o) => {
      const expected = row.reduce((sum, x, k) => sum + x * weightRow[k], bias[o]);
      if (Math.abs(actual[i][o] - expected) > TOLERANCE) {
        throw new Error(`Linear output [${i}, ${o}] is ${actual[i][o]}, expected ${expected} (x·Wᵀ + b).`);
      }
    });
  });

  const leaked = tf.memory().numTensors - tensorsBefore;
  layer.dispose();
  if (leaked !== 0) throw new Error(`Linear forward leaked ${leaked} tensor(s).`);

  return `initBackend() -> ${backend}; Linear(4, 3) on [2, 4] matches x·Wᵀ + b`;
}
