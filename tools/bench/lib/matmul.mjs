// Counting the matrix-product work of a forward pass and timing bare tf.matMul calls.
import * as tf from '@tensorflow/tfjs';

import { timeMs } from './stats.mjs';

/**
 * tfjs kernels that multiply matrices. `PeftjsLinear` is the `x Wᵀ + b` kernel behind `linear`
 * in @peftjs/core-tensor. It calls the backend's product kernel without going through the
 * engine, so tf.profile lists its work once.
 */
const MATMUL_KERNELS = new Set(['BatchMatMul', '_FusedMatMul', 'PeftjsLinear']);

/**
 * Returns the batch, m, k and n of one profiled matMul kernel from its input and output shapes.
 * `PeftjsLinear` multiplies `x [..., k]` as one `[m, k]` matrix by a `[n, k]` weight. For the
 * others the output is `[...batch, m, n]`, and the first input is `[...batch, m, k]` or, when
 * transposed, `[...batch, k, m]`. If its second-to-last size equals m, k is its last size,
 * which is also right for a transposed input whose k equals m.
 */
function productShape(kernel) {
  const a = kernel.inputShapes[0];
  const out = kernel.outputShapes[0];
  if (kernel.name === 'PeftjsLinear') {
    const [n, k] = kernel.inputShapes[1];
    return { batch: 1, m: a.reduce((product, size) => product * size, 1) / k, k, n };
  }
  const m = out[out.length - 2];
  const n = out[out.length - 1];
  const k = a[a.length - 2] === m ? a[a.length - 1] : a[a.length - 2];
  const batch = out.slice(0, -2).reduce((product, size) => product * size, 1);
  return { batch, m, k, n };
}

/**
 * Runs `fn` once under `tf.profile` and sums the floating-point operations of its matMul
 * kernels (2·m·k·n per product), grouped by product shape.
 *
 * @param {() => void} fn The work to profile; it must dispose what it creates.
 * @returns {Promise<{flops: number, groups: object[], matMulKernelMs: number, kernelMs: number, kernelCount: number, peakBytes: number}>}
 */
export async function profileMatMulWork(fn) {
  const profile = await tf.profile(fn);
  const groups = new Map();
  let flops = 0;
  let matMulKernelMs = 0;
  let kernelMs = 0;
  for (const kernel of profile.kernels) {
    kernelMs += kernel.kernelTimeMs;
    if (!MATMUL_KERNELS.has(kernel.name)) continue;
    const shape = productShape(kernel);
    const kernelFlops = 2 * shape.batch * shape.m * shape.k * shape.n;
    const key = `${shape.batch}x${shape.m}x${shape.k}x${shape.n}`;
    const group = groups.get(key) ?? { ...shape, kernels: new Set(), calls: 0, flops: 0, kernelMs: 0 };
    group.kernels.add(kernel.name);
    group.calls += 1;
    group.flops += kernelFlops;
    group.kernelMs += kernel.kernelTimeMs;
    groups.set(key, group);
    flops += kernelFlops;
    matMulKernelMs += kernel.kernelTimeMs;
  }
  const sorted = [...groups.values()]
    .map((group) => ({ ...group, kernels: [...group.kernels] }))
    .sort((a, b) => b.flops - a.flops);
  return { flops, groups: sorted, matMulKernelMs, kernelMs, kernelCount: profile.kernels.length, peakBytes: profile.peakBytes };
}

/** Reads one element of `tensor`, so the timing includes every kernel that produced it on any backend. */
export function settle(tensor) {
  tf.tidy(() => {
    tensor.reshape([-1]).slice(0, 1).dataSync();
  });
}

/**
 * Times `calls` back-to-back `tf.matMul` calls on random float32 operands, after one untimed
 * call, and returns the mean milliseconds per call and GFLOP/s. Only the last product is read
 * back, so a small product's rate is not swamped by the read.
 *
 * @param {{batch?: number, m: number, k: number, n: number}} shape Product `[batch, m, k] · [batch, k, n]`.
 * @param {'nn' | 'nt'} layout `nn` multiplies `b` as stored `[k, n]`; `nt` stores `b` as `[n, k]`
 *   and passes `transposeB`, as a weight in `[out, in]` layout would be.
 * @param {number} calls Number of timed calls.
 */
export function matMulThroughput(shape, layout, calls) {
  const { batch = 1, m, k, n } = shape;
  const lead = batch === 1 ? [] : [batch];
  const a = tf.randomUniform([...lead, m, k], -1, 1, 'float32', 1);
  const b = tf.randomUniform(layout === 'nn' ? [...lead, k, n] : [...lead, n, k], -1, 1, 'float32', 2);
  const run = (count) => {
    for (let i = 0; i < count; i++) {
      const product = tf.matMul(a, b, false, layout === 'nt');
      if (i === count - 1) settle(product);
      product.dispose();
    }
  };
  try {
    run(1);
    const ms = timeMs(() => run(calls)) / calls;
    return { ms, gflops: (2 * batch * m * k * n) / ms / 1e6 };
  } finally {
    tf.dispose([a, b]);
  }
}
