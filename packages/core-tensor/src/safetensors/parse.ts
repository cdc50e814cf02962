import * as tf from '@tensorflow/tfjs';

import { toUint8Array } from './bytes';
import { decodeTensorData } from './decode';
import { loadedDtype } from './dtypes';
import { parseSafetensorsHeader } from './header';

/** The tensors and metadata of a safetensors file. */
export interface SafetensorsContents {
  /** Tensors by name, in the order of their data in the file. The caller owns and disposes them. */
  tensors: Map<string, tf.Tensor>;
  /** The `__metadata__` string map (no prototype), empty when the file has none. */
  metadata: Record<string, string>;
}

/**
 * Parses a safetensors file held in memory into tfjs tensors.
 *
 * Dtypes load as follows. F32, F16, BF16, F8_E5M2 and F8_E4M3 become float32 tensors exactly,
 * NaN and ±Inf included. F64 becomes float32 rounded to nearest, and a finite value beyond the
 * float32 range raises. I32, I16, U16, I8 and U8 become int32 exactly, while I64, U64 and U32
 * become int32 and raise if a value does not fit. BOOL becomes a bool tensor.
 *
 * The tensors do not share memory with `bytes`. If parsing fails, no tensor is left allocated.
 *
 * @param bytes The whole file: an ArrayBuffer or a Uint8Array (such as a Node.js Buffer).
 * @returns The tensors, which the caller must dispose, and the metadata.
 * @throws CheckpointFormatError if the file breaks the safetensors format (see
 *   {@link parseSafetensorsHeader}) or contains a value its tfjs dtype cannot represent.
 * @throws InvalidArgumentError if `bytes` is neither an ArrayBuffer nor a Uint8Array.
 */
export function parseSafetensors(bytes: ArrayBuffer | Uint8Array): SafetensorsContents {
  const view = toUint8Array(bytes, 'parseSafetensors');
  const header = parseSafetensorsHeader(view);
  const entries = [...header.tensors];

  // tf.tidy disposes every tensor created so far when a later tensor fails to decode.
  const created = tf.tidy(() =>
    entries.map(([name, info]) => {
      const begin = header.dataStart + info.dataOffsets[0];
      const end = header.dataStart + info.dataOffsets[1];
      // slice copies, so the tensor owns aligned memory that the caller's buffer does not alias.
      const values = decodeTensorData(name, info.dtype, view.slice(begin, end));
      return tf.tensor(values, [...info.shape], loadedDtype(info.dtype));
    }),
  );

  const tensors = new Map<string, tf.Tensor>();
  entries.forEach(([name], index) => tensors.set(name, created[index]));
  return { tensors, metadata: header.metadata };
}
