import { dtypeByteSize, isSafetensorsDtype, SAFETENSORS_DTYPES } from './dtypes';
import type { SafetensorsTensorInfo } from './header';
import { formatError, quoteName, showJson } from './messages';

const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'] as const;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/**
 * Validates the `__metadata__` entry: a JSON object whose values are all strings. `null` is read
 * as no metadata, as the reference implementation does.
 *
 * @returns A prototype-free copy, so keys such as `__proto__` cannot reach Object.prototype.
 */
export function parseMetadata(value: unknown): Record<string, string> {
  const metadata = Object.create(null) as Record<string, string>;
  if (value === null) return metadata;
  if (!isJsonObject(value)) {
    throw formatError(`__metadata__ is ${showJson(value)}; expected a JSON object of string values`);
  }
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item !== 'string') {
      throw formatError(`__metadata__ value ${quoteName(key)} is ${showJson(item)}; expected a string`);
    }
    metadata[key] = item;
  }
  return metadata;
}

function parseShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw formatError(`tensor ${quoteName(name)} has shape ${showJson(shape)}; expected an array of dimensions`);
  }
  shape.forEach((dimension: unknown, axis) => {
    if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension < 0) {
      throw formatError(
        `tensor ${quoteName(name)} has shape ${showJson(shape)} whose dimension ${axis} is ` +
          `${showJson(dimension)}; expected a non-negative integer`,
      );
    }
  });
  return shape as number[];
}

function parseOffsets(name: string, offsets: unknown, dataByteLength: number): [number, number] {
  const valid =
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every((offset: unknown) => typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0);
  if (!valid) {
    throw formatError(
      `tensor ${quoteName(name)} has data_offsets ${showJson(offsets)}; expected [begin, end] with two ` +
        'non-negative integers',
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    throw formatError(`tensor ${quoteName(name)} has data_offsets [${begin}, ${end}] whose begin is after its end`);
  }
  if (end > dataByteLength) {
    throw formatError(
      `tensor ${quoteName(name)} has data_offsets [${begin}, ${end}] ending after the ${dataByteLength}-byte ` +
        'data buffer',
    );
  }
  return [begin, end];
}

/**
 * Multiplies the dimensions, raising as soon as the byte size passes 2^53 (where doubles stop
 * being exact), as the reference implementation raises on integer overflow.
 */
function elementCount(name: string, shape: readonly number[], byteSize: number): number {
  let count = 1;
  for (const dimension of shape) {
    count *= dimension;
    if (!Number.isSafeInteger(count * byteSize)) {
      throw formatError(
        `tensor ${quoteName(name)} has shape ${showJson(shape)}, whose byte size exceeds 2^53; no file can ` +
          'hold it',
      );
    }
  }
  return count;
}

/**
 * Validates one tensor entry of the header.
 *
 * @param name The entry's key.
 * @param value The entry's JSON value.
 * @param dataByteLength Byte length of the data buffer, which every tensor must lie inside.
 * @throws CheckpointFormatError naming the tensor, the bad field and the expectation.
 */
export function parseTensorEntry(name: string, value: unknown, dataByteLength: number): SafetensorsTensorInfo {
  if (!isJsonObject(value)) {
    throw formatError(
      `tensor ${quoteName(name)} has entry ${showJson(value)}; expected an object with dtype, shape and data_offsets`,
    );
  }
  const missing = ENTRY_FIELDS.filter((field) => !hasOwn(value, field));
  if (missing.length > 0) {
    throw formatError(`tensor ${quoteName(name)} is missing ${missing.join(', ')} in its header entry`);
  }

  const dtype = value.dtype;
  if (!isSafetensorsDtype(dtype)) {
    throw formatError(
      `tensor ${quoteName(name)} has unknown or unsupported dtype ${showJson(dtype)}; peftjs reads ` +
        SAFETENSORS_DTYPES.join(', '),
    );
  }
  const shape = parseShape(name, value.shape);
  const dataOffsets = parseOffsets(name, value.data_offsets, dataByteLength);

  const byteSize = dtypeByteSize(dtype);
  const expectedBytes = elementCount(name, shape, byteSize) * byteSize;
  const actualBytes = dataOffsets[1] - dataOffsets[0];
  if (actualBytes !== expectedBytes) {
    throw formatError(
      `tensor ${quoteName(name)} (${dtype}, shape ${showJson(shape)}) needs ${expectedBytes} bytes, but its ` +
        `data_offsets [${dataOffsets[0]}, ${dataOffsets[1]}] span ${actualBytes}`,
    );
  }
  return { dtype, shape, dataOffsets };
}
