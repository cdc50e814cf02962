import * as tf from '@tensorflow/tfjs';

/** Name under which the wasm kernel of {@link linearProduct} and its gradient are registered. */
const KERNEL_NAME = 'PeftjsLinear';

/** A tfjs kernel function's arguments, with the input names of {@link KERNEL_NAME}. */
interface LinearKernelArgs {
  inputs: { x: tf.TensorInfo; weight: tf.TensorInfo; bias?: tf.TensorInfo };
  backend: tf.KernelBackend;
}

/**
 * The wasm kernel. tfjs 4.22's wasm backend hands a product to XNNPACK only when both operands
 * are untransposed and unbatched. Every other form runs in a plain loop about 10 times slower
 * (1024 × 768 × 768 on one core: 40 ms against 560 ms, `tools/bench/forward-throughput.mjs`).
 * So the kernel transposes the `[out, in]` weight first (about 3 ms for 768 × 768) and
 * multiplies the input as one `[rows, in]` matrix. Reshapes on wasm only relabel the same
 * buffer, so they copy nothing.
 */
function createWasmKernel(): tf.KernelConfig | null {
  const kernel = (name: string) => tf.getKernel(name, 'wasm');
  const fusedMatMul = kernel('_FusedMatMul');
  const transpose = kernel('Transpose');
  const reshape = kernel('Reshape');
  if (fusedMatMul === undefined || transpose === undefined || reshape === undefined) return null;

  const kernelFunc: tf.KernelFunc = (params) => {
    const { inputs, backend } = params as unknown as LinearKernelArgs;
    const { x, weight, bias } = inputs;
    const [outFeatures, inFeatures] = weight.shape;
    const rows = x.shape.reduce((product, size) => product * size, 1) / inFeatures;
    const view = (tensor: tf.TensorInfo, shape: number[]) =>
      reshape.kernelFunc({ inputs: { x: tensor }, backend, attrs: { shape } }) as tf.TensorInfo;

    const transposed = transpose.kernelFunc({ inputs: { x: weight }, backend, attrs: { perm: [1, 0] } }) as tf.TensorInfo;
    const temporaries = [transposed, view(x, [1, rows, inFeatures]), view(transposed, [1, inFeatures, outFeatures])];
    const [, x3d, weight3d] = temporaries;
    try {
      const product = fusedMatMul.kernelFunc({
        inputs: bias === undefined ? { a: x3d, b: weight3d } : { a: x3d, b: weight3d, bias },
        backend,
        attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 },
      }) as tf.TensorInfo;
      temporaries.push(product);
      return view(product, [...x.shape.slice(0, -1), outFeatures]);
    } finally {
      for (const tensor of temporaries) backend.disposeData(tensor.dataId);
    }
  };
  return { kernelName: KERNEL_NAME, backendName: 'wasm', kernelFunc };
}

/** Registers the wasm kernel on first use; returns false where it cannot run. */
function kernelAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (tf.getKernel(KERNEL_NAME, 'wasm') !== undefined) return true;
  const config = createWasmKernel();
  if (config === null) return false;
  tf.registerKernel(config);
  return true;
}

// The gradients are untransposed 2-D products too: dx = dy W and dW = dyᵀ x. The tape computes
// only the gradients of inputs that lead to a trained variable, so a frozen weight costs no dW
// product. Only `x` and `weight` are kept for the backward pass.
if (tf.getGradient(KERNEL_NAME) === undefined) {
  tf.registerGradient({
    kernelName: KERNEL_NAME,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved) => {
      const [x, weight] = saved as [tf.Tensor, tf.Tensor2D];
      const [outFeatures, inFeatures] = weight.shape;
      const dy2d = (dy as tf.Tensor).reshape([-1, outFeatures]) as tf.Tensor2D;
      return {
        x: () => tf.matMul(dy2d, weight).reshape(x.shape),
        weight: () => tf.matMul(tf.transpose(dy2d), x.reshape([-1, inFeatures]) as tf.Tensor2D),
        bias: () => tf.sum(dy2d, 0),
      };
    },
  });
}

/**
 * Computes `x Wᵀ + b` for a float32 `x` of shape `[..., in]`, a weight `[out, in]` and an
 * optional bias `[out]`, with the gradients of `tf.matMul(x, W, false, true)`. On the wasm
 * backend it runs as one kernel (see `createWasmKernel`), elsewhere as plain tfjs ops. The
 * caller validates the shapes.
 */
export function linearProduct(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor {
  if (kernelAvailable()) {
    const inputs: tf.NamedTensorMap = bias === null ? { x, weight } : { x, weight, bias };
    return tf.engine().runKernel(KERNEL_NAME, inputs);
  }
  return tf.tidy(() => {
    const [outFeatures, inFeatures] = weight.shape;
    let y: tf.Tensor = tf.matMul(x.reshape([-1, inFeatures]) as tf.Tensor2D, weight, false, true);
    if (bias !== null) y = tf.add(y, bias);
    return y.reshape([...x.shape.slice(0, -1), outFeatures]);
  });
}
