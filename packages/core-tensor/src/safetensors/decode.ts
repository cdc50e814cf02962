import { CheckpointFormatError } from '../errors';
import { swapToHostOrder } from './bytes';
import type { SafetensorsDtype } from './dtypes';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float8E4M3ToFloat32,
  float8E5M2ToFloat32,
} from './float-formats';
import { quoteName } from './messages';

/** Element values ready for `tf.tensor`. */
export type DecodedValues = Float32Array | Int32Array | Uint8Array;

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

function outOfInt32Range(name: string, dtype: SafetensorsDtype, index: number, value: bigint | number): Error {
  return new CheckpointFormatError(
    `Tensor ${quoteName(name)} (${dtype}) has element ${index} = ${value}, outside the int32 range ` +
      `[${INT32_MIN}, ${INT32_MAX}] that tfjs integer tensors hold. Store the tensor as I32, or as a ` +
      'float type if the values are not indices.',
  );
}

/** Narrows 64-bit integers to int32. Each element is read as two 32-bit words, low word first. */
function decodeInt64(name: string, dtype: 'I64' | 'U64', bytes: Uint8Array): Int32Array {
  swapToHostOrder(bytes, 4);
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const out = new Int32Array(words.length / 2);
  for (let i = 0; i < out.length; i++) {
    const low = words[2 * i];
    const high = words[2 * i + 1];
    // An I64 fits int32 when the high word is the sign extension of the low word. A U64 fits
    // when the high word is zero and the low word is below 2^31.
    const fits = dtype === 'I64' ? high === low >> 31 : high === 0 && low >= 0;
    if (!fits) {
      const unsignedLow = BigInt(low >>> 0);
      const highPart = dtype === 'I64' ? BigInt(high) : BigInt(high >>> 0);
      throw outOfInt32Range(name, dtype, i, (highPart << 32n) | unsignedLow);
    }
    out[i] = low;
  }
  return out;
}

function decodeUint32(name: string, bytes: Uint8Array): Int32Array {
  swapToHostOrder(bytes, 4);
  const values = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  for (let i = 0; i < values.length; i++) {
    if (values[i] > INT32_MAX) throw outOfInt32Range(name, 'U32', i, values[i]);
  }
  return new Int32Array(values.buffer, values.byteOffset, values.length);
}

function decodeFloat64(name: string, bytes: Uint8Array): Float32Array {
  swapToHostOrder(bytes, 8);
  const values = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  const out = Float32Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]) && Number.isFinite(values[i])) {
      throw new CheckpointFormatError(
        `Tensor ${quoteName(name)} (F64) has element ${i} = ${values[i]}, beyond the float32 range ` +
          '(about ±3.4e38) that tfjs tensors hold. Rescale the values or store them as F32.',
      );
    }
  }
  return out;
}

function decodeBool(name: string, bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] > 1) {
      throw new CheckpointFormatError(
        `Tensor ${quoteName(name)} (BOOL) has element ${i} = byte ${bytes[i]}; expected 0 (false) or ` +
          '1 (true). The file is corrupt or was not written by a safetensors writer.',
      );
    }
  }
  return bytes;
}

/**
 * Converts one tensor's little-endian bytes to the values of the tfjs tensor it loads as.
 * F64 values round to the nearest float32, and 64-bit and U32 integers must fit in int32.
 *
 * @param name Tensor name, used in error messages.
 * @param dtype The tensor's dtype in the file.
 * @param bytes The tensor's bytes. They must start at offset 0 of a buffer no one else uses,
 *   because the result may be a view of that buffer and the bytes may be reordered in place.
 * @throws CheckpointFormatError if a value cannot be represented: an integer outside int32, an
 *   F64 value beyond the float32 range, or a BOOL byte other than 0 and 1.
 */
export function decodeTensorData(name: string, dtype: SafetensorsDtype, bytes: Uint8Array): DecodedValues {
  switch (dtype) {
    case 'F32':
      swapToHostOrder(bytes, 4);
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    case 'F16':
      swapToHostOrder(bytes, 2);
      return float16BitsToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
    case 'BF16':
      swapToHostOrder(bytes, 2);
      return bfloat16BitsToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
    case 'F64':
      return decodeFloat64(name, bytes);
    case 'F8_E5M2':
      return float8E5M2ToFloat32(bytes);
    case 'F8_E4M3':
      return float8E4M3ToFloat32(bytes);
    case 'I32':
      swapToHostOrder(bytes, 4);
      return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    case 'U32':
      return decodeUint32(name, bytes);
    case 'I64':
    case 'U64':
      return decodeInt64(name, dtype, bytes);
    case 'I16':
      swapToHostOrder(bytes, 2);
      return Int32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
    case 'U16':
      swapToHostOrder(bytes, 2);
      return Int32Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
    case 'I8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    case 'U8':
      return Int32Array.from(bytes);
    case 'BOOL':
      return decodeBool(name, bytes);
  }
}
