/**
 * Reorders the rows of a llama2.c query or key projection into Hugging Face's rotate-half layout.
 *
 * llama2.c rotates adjacent pairs `(0, 1), (2, 3), …` of each head; Hugging Face rotates
 * dimension `i` with `i + headDim / 2`. Within each head the new row order is therefore
 * `[0, 2, 4, …, headDim − 2, 1, 3, …, headDim − 1]`, which gives identical attention scores
 * because queries and keys are permuted alike.
 *
 * @param weight Row-major `[heads · headDim, columns]` matrix; not modified.
 * @param heads Number of heads stacked in the rows.
 * @param headDim Rows per head (even).
 * @param columns Row length (the input width).
 * @returns A new matrix with the permuted rows.
 */
export function pairedToRotateHalfRows(
  weight: Float32Array,
  heads: number,
  headDim: number,
  columns: number,
): Float32Array {
  const result = new Float32Array(weight.length);
  const half = headDim / 2;
  for (let head = 0; head < heads; head++) {
    const base = head * headDim;
    for (let i = 0; i < half; i++) {
      const evenSource = (base + 2 * i) * columns;
      const oddSource = (base + 2 * i + 1) * columns;
      result.set(weight.subarray(evenSource, evenSource + columns), (base + i) * columns);
      result.set(weight.subarray(oddSource, oddSource + columns), (base + half + i) * columns);
    }
  }
  return result;
}
