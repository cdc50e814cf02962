import type * as tf from '@tensorflow/tfjs';

import { swapToHostOrder } from './bytes';
import type { SafetensorsWriteDtype } from './dtypes';
import { float32ToBfloat16Bits, float32ToFloat16Bits } from './float-formats';

function asFloat32(values: tf.TypedArray): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/**
 * Writes a tensor's values into `out` as little-endian `dtype` elements.
 *
 * @param values The tensor's values from `dataSync()`: float32 values for the float types, int32
 *   values for I32 and I64, 0/1 bytes for BOOL.
 * @param dtype The element type to write.
 * @param out Destination of exactly `values.length` elements. Its byte offset must be a multiple
 *   of the element size, because the values are written through a typed-array view; the layout
 *   of {@link serializeSafetensors} guarantees that.
 */
export function encodeTensorData(values: tf.TypedArray, dtype: SafetensorsWriteDtype, out: Uint8Array): void {
  const count = values.length;
  switch (dtype) {
    case 'F32':
      new Float32Array(out.buffer, out.byteOffset, count).set(values);
      swapToHostOrder(out, 4);
      return;
    case 'F16':
      float32ToFloat16Bits(asFloat32(values), new Uint16Array(out.buffer, out.byteOffset, count));
      swapToHostOrder(out, 2);
      return;
    case 'BF16':
      float32ToBfloat16Bits(asFloat32(values), new Uint16Array(out.buffer, out.byteOffset, count));
      swapToHostOrder(out, 2);
      return;
    case 'I32':
      new Int32Array(out.buffer, out.byteOffset, count).set(values);
      swapToHostOrder(out, 4);
      return;
    case 'I64': {
      // Each element is two little-endian 32-bit words: the value, then its sign extension.
      const words = new Int32Array(out.buffer, out.byteOffset, 2 * count);
      for (let i = 0; i < count; i++) {
        words[2 * i] = values[i];
        words[2 * i + 1] = values[i] < 0 ? -1 : 0;
      }
      swapToHostOrder(out, 4);
      return;
    }
    case 'BOOL':
      out.set(values);
      return;
  }
}
