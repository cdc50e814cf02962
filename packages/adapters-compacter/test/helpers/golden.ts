import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

/** A tensor of the golden file: row-major values and their shape. */
export interface GoldenTensor {
  shape: number[];
  values: number[];
}

/** One case of `fixtures/golden/adapterhub_modules_reference.json`; fields depend on the case. */
export interface GoldenCase {
  name: string;
  config: Record<string, unknown>;
  parameters: Record<string, GoldenTensor>;
  [field: string]: unknown;
}

const golden = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../../fixtures/golden/adapterhub_modules_reference.json'), 'utf8'),
) as { cases: GoldenCase[] };

/** Returns the golden case called `name`, failing the test when the file has none. */
export function goldenCase(name: string): GoldenCase {
  const found = golden.cases.find((c) => c.name === name);
  if (!found) throw new Error(`golden case ${name} not found in adapterhub_modules_reference.json`);
  return found;
}

/** Creates a float32 tensor from a golden tensor; the caller disposes it. */
export const toTensor = (t: GoldenTensor): tf.Tensor => tf.tensor(t.values, t.shape, 'float32');

/** Largest absolute difference between a tensor and golden values of the same shape. */
export function maxGoldenDiff(actual: tf.Tensor, expected: GoldenTensor): number {
  expect(actual.shape).toEqual(expected.shape);
  const values = actual.dataSync();
  let maxDiff = 0;
  expected.values.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(values[i] - v))));
  return maxDiff;
}
