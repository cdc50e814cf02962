import * as tf from '@tensorflow/tfjs';

/**
 * Lists every element where `actual` and `expected` differ by more than `tolerance`, as
 * `index i: got a, expected b`. An empty list means they match; `expect(list).toEqual([])` then
 * prints the offending elements on failure instead of a bare boolean.
 */
export function mismatches(
  actual: tf.Tensor | ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
): string[] {
  const values = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  if (values.length !== expected.length) {
    return [`length ${values.length}, expected ${expected.length}`];
  }
  const problems: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs(values[i] - expected[i]);
    if (!(difference <= tolerance)) {
      problems.push(`index ${i}: got ${values[i]}, expected ${expected[i]} (difference ${difference})`);
    }
  }
  return problems;
}

/** Returns the raw bytes of a tensor's values, for bit-exact comparisons. */
export function bytesOf(tensor: tf.Tensor): Buffer {
  const values = tensor.dataSync();
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}
