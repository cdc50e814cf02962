import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import { dtypeByteSize, type SafetensorsWriteDtype, writeDtypesFor } from './dtypes';
import { encodeTensorData } from './encode';
import { HEADER_LENGTH_BYTES, MAX_HEADER_BYTES } from './header';
import { quoteName } from './messages';

/** Tensors to save, by name. */
export type NamedTensors = Map<string, tf.Tensor> | Record<string, tf.Tensor>;

/** Options of {@link serializeSafetensors} and {@link writeSafetensors}. */
export interface SerializeSafetensorsOptions {
  /** String key/value pairs stored as the header's `__metadata__`. */
  metadata?: Record<string, string>;
  /**
   * Element type per tensor name, for tensors not stored in their default type. A float32
   * tensor may be written as F32 (default), F16 or BF16, rounded to nearest with ties to even.
   * An int32 tensor may be written as I32 (default) or I64, and a bool tensor only as BOOL.
   */
  dtypes?: Record<string, SafetensorsWriteDtype>;
}

interface PlannedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
  readonly dtype: SafetensorsWriteDtype;
  readonly byteSize: number;
  begin: number;
  end: number;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

function tensorEntries(tensors: NamedTensors): [string, tf.Tensor][] {
  let entries: [unknown, unknown][];
  if (tensors instanceof Map) {
    entries = [...tensors];
  } else if (isPlainRecord(tensors)) {
    entries = Object.keys(tensors).map((name) => [name, tensors[name]]);
  } else {
    throw new InvalidArgumentError(
      `serializeSafetensors: invalid tensors ${String(tensors)}; expected a Map or an object from names to tf.Tensor.`,
    );
  }

  for (const [name, tensor] of entries) {
    if (typeof name !== 'string') {
      throw new InvalidArgumentError(`serializeSafetensors: tensor name ${String(name)} is a ${typeof name}; expected a string.`);
    }
    if (name === '__metadata__') {
      throw new InvalidArgumentError(
        'serializeSafetensors: "__metadata__" is reserved for the metadata map and cannot name a tensor. Rename the tensor.',
      );
    }
    if (!(tensor instanceof tf.Tensor)) {
      throw new InvalidArgumentError(`serializeSafetensors: value of ${quoteName(name)} is not a tf.Tensor (got ${typeof tensor}).`);
    }
    if (tensor.isDisposed) {
      throw new InvalidArgumentError(`serializeSafetensors: tensor ${quoteName(name)} is disposed; save it before disposing it.`);
    }
  }
  return entries as [string, tf.Tensor][];
}

function checkMetadata(metadata: unknown): [string, string][] {
  if (metadata === undefined) return [];
  if (!isPlainRecord(metadata)) {
    throw new InvalidArgumentError(
      `serializeSafetensors: invalid metadata ${String(metadata)}; expected an object of string values.`,
    );
  }
  return Object.keys(metadata).map((key) => {
    const value = metadata[key];
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(
        `serializeSafetensors: metadata value ${quoteName(key)} is a ${typeof value} (${String(value)}); ` +
          'safetensors metadata values must be strings. Convert it, e.g. with JSON.stringify.',
      );
    }
    return [key, value];
  });
}

function checkDtypeOverrides(dtypes: unknown, names: ReadonlySet<string>): Map<string, unknown> {
  const overrides = new Map<string, unknown>();
  if (dtypes === undefined) return overrides;
  if (!isPlainRecord(dtypes)) {
    throw new InvalidArgumentError(
      `serializeSafetensors: invalid dtypes ${String(dtypes)}; expected an object from tensor names to dtypes.`,
    );
  }
  for (const name of Object.keys(dtypes)) {
    if (!names.has(name)) {
      throw new InvalidArgumentError(
        `serializeSafetensors: dtypes names tensor ${quoteName(name)}, which is not among the tensors to save. ` +
          'Check the spelling.',
      );
    }
    overrides.set(name, dtypes[name]);
  }
  return overrides;
}

function chooseDtype(name: string, tensor: tf.Tensor, requested: unknown): SafetensorsWriteDtype {
  const allowed = writeDtypesFor(tensor.dtype);
  if (allowed.length === 0) {
    throw new InvalidArgumentError(
      `serializeSafetensors: tensor ${quoteName(name)} has tfjs dtype ${tensor.dtype}, which safetensors ` +
        'cannot store. Convert it to float32, int32 or bool.',
    );
  }
  if (requested === undefined) return allowed[0];
  if (!allowed.includes(requested as SafetensorsWriteDtype)) {
    throw new InvalidArgumentError(
      `serializeSafetensors: tensor ${quoteName(name)} (${tensor.dtype}) cannot be written as ` +
        `${String(requested)}; use one of ${allowed.join(', ')}.`,
    );
  }
  return requested as SafetensorsWriteDtype;
}

/**
 * Orders tensors by element size, largest first, then by name in UTF-16 code-unit order. Every
 * tensor then starts at a multiple of its element size (as in the reference writer), and the
 * same tensors always produce the same bytes whatever their insertion order.
 */
function compareLayout(a: PlannedTensor, b: PlannedTensor): number {
  if (a.byteSize !== b.byteSize) return b.byteSize - a.byteSize;
  if (a.name < b.name) return -1;
  if (a.name > b.name) return 1;
  return 0;
}

function objectJson(pairs: readonly (readonly [string, string])[]): string {
  return `{${pairs.map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
}

/**
 * Builds the header with keys written by hand, so they keep the layout order (an object
 * literal would move integer-like names first) and a name such as `__proto__` stays a key.
 * The JSON is padded with spaces to a multiple of 8 bytes, so the data buffer starts 8-aligned.
 */
function encodeHeader(metadata: readonly [string, string][], planned: readonly PlannedTensor[]): Uint8Array {
  const pairs: [string, string][] = [];
  if (metadata.length > 0) {
    pairs.push(['__metadata__', objectJson(metadata.map(([key, value]) => [key, JSON.stringify(value)]))]);
  }
  for (const entry of planned) {
    const info = { dtype: entry.dtype, shape: entry.tensor.shape, data_offsets: [entry.begin, entry.end] };
    pairs.push([entry.name, JSON.stringify(info)]);
  }
  const json = new TextEncoder().encode(objectJson(pairs));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  if (padded.length > MAX_HEADER_BYTES) {
    throw new InvalidArgumentError(
      `serializeSafetensors: the header would be ${padded.length} bytes, above the ${MAX_HEADER_BYTES}-byte ` +
        'limit of safetensors readers. Split the tensors over several files or shorten the metadata.',
    );
  }
  return padded;
}

/**
 * Serializes tensors to the bytes of a safetensors file.
 *
 * Tensors are stored ordered by element size, largest first, then by name, so every tensor is
 * aligned to its element size. The header JSON lists `__metadata__` first (only when there is
 * metadata), then the tensors in the same order, padded with spaces to a multiple of 8 bytes.
 *
 * @param tensors Tensors by name, as a Map or an object. They are read, not disposed.
 * @param options Metadata to store and per-tensor element types, see
 *   {@link SerializeSafetensorsOptions}.
 * @returns The file contents.
 * @throws InvalidArgumentError for a name that is not a string or is `__metadata__`, and for a
 *   value that is not a live tf.Tensor or is a string or complex64 tensor. It is also raised for
 *   a metadata value that is not a string, a dtype that does not fit its tensor, and a dtype
 *   override naming an unknown tensor.
 */
export function serializeSafetensors(tensors: NamedTensors, options: SerializeSafetensorsOptions = {}): Uint8Array {
  if (!isPlainRecord(options)) {
    throw new InvalidArgumentError(`serializeSafetensors: invalid options ${String(options)}; expected an object.`);
  }
  const entries = tensorEntries(tensors);
  const metadata = checkMetadata(options.metadata);
  const overrides = checkDtypeOverrides(options.dtypes, new Set(entries.map(([name]) => name)));

  const planned: PlannedTensor[] = entries.map(([name, tensor]) => {
    const dtype = chooseDtype(name, tensor, overrides.get(name));
    return { name, tensor, dtype, byteSize: dtypeByteSize(dtype), begin: 0, end: 0 };
  });
  planned.sort(compareLayout);
  let offset = 0;
  for (const entry of planned) {
    entry.begin = offset;
    offset += entry.tensor.size * entry.byteSize;
    entry.end = offset;
  }

  const header = encodeHeader(metadata, planned);
  const dataStart = HEADER_LENGTH_BYTES + header.length;
  const file = new Uint8Array(dataStart + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
  file.set(header, HEADER_LENGTH_BYTES);
  for (const entry of planned) {
    const out = file.subarray(dataStart + entry.begin, dataStart + entry.end);
    encodeTensorData(entry.tensor.dataSync(), entry.dtype, out);
  }
  return file;
}
