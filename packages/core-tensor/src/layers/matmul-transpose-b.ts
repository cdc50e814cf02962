import * as tf from '@tensorflow/tfjs';

/** Name under which the `a bᵀ` kernel and its gradient are registered with tfjs. */
const KERNEL_NAME = 'PeftjsMatMulTransposeB';

/**
 * Backends whose `BatchMatMul` is fast only for untransposed 2-D operands. The wasm backend of
 * tfjs 4.22 hands that form to XNNPACK and runs every other form in a plain loop, about 10 times
 * slower (1024 × 768 × 768 on one core: 40 ms against 560 ms), so there the kernel transposes
 * `b` first, which costs about 3 ms for a 768 × 768 weight.
 */
const TRANSPOSE_FIRST_BACKENDS: ReadonlySet<string> = new Set(['wasm']);

function createKernel(backendName: string, batchMatMul: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  const transposeFirst = TRANSPOSE_FIRST_BACKENDS.has(backendName);
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!transposeFirst) {
      return batchMatMul.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: true } });
    }
    const bT = transpose.kernelFunc({ inputs: { x: b }, backend, attrs: { perm: [1, 0] } }) as tf.TensorInfo;
    try {
      return batchMatMul.kernelFunc({ inputs: { a, b: bT }, backend, attrs: { transposeA: false, transposeB: false } });
    } finally {
      (backend as tf.KernelBackend).disposeData(bT.dataId);
    }
  };
  return { kernelName: KERNEL_NAME, backendName, kernelFunc };
}

/**
 * Registers the kernel for `backendName` on first use. Returns false when that backend lacks
 * the `BatchMatMul` or `Transpose` kernel to build it from.
 */
function ensureKernel(backendName: string): boolean {
  if (tf.getKernel(KERNEL_NAME, backendName) !== undefined) return true;
  const batchMatMul = tf.getKernel('BatchMatMul', backendName);
  const transpose = tf.getKernel('Transpose', backendName);
  if (batchMatMul === undefined || transpose === undefined) return false;
  tf.registerKernel(createKernel(backendName, batchMatMul, transpose));
  return true;
}

// Both gradients are untransposed products as well: da = dy b and db = dyᵀ a. The tape asks
// only for the gradients of inputs that lead to a trained variable, so a frozen weight costs no
// db product.
if (tf.getGradient(KERNEL_NAME) === undefined) {
  tf.registerGradient({
    kernelName: KERNEL_NAME,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2d = dy as tf.Tensor2D;
      return {
        a: () => tf.matMul(dy2d, b),
        b: () => tf.matMul(tf.transpose(dy2d), a),
      };
    },
  });
}

/**
 * Multiplies `a` by the transpose of `b`: the same result and gradients as
 * `tf.matMul(a, b, false, true)`, computed only with untransposed products on backends where
 * those are much faster (see `TRANSPOSE_FIRST_BACKENDS`).
 *
 * @param a Left operand `[m, k]`.
 * @param b Right operand `[n, k]`, for example a weight in `[out, in]` layout.
 * @returns The product `[m, n]`; the caller owns it.
 */
export function matMulTransposeB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!ensureKernel(tf.getBackend())) return tf.matMul(a, b, false, true);
  return tf.engine().runKernel(KERNEL_NAME, { a, b }) as tf.Tensor2D;
}
