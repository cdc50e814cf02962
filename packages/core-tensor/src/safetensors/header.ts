import { InvalidArgumentError } from '../errors';
import { toUint8Array } from './bytes';
import { type SafetensorsDtype } from './dtypes';
import { parseMetadata, parseTensorEntry } from './header-entries';
import { formatError, quoteName } from './messages';

/**
 * Largest header accepted, in bytes: the limit of the reference implementation
 * (huggingface/safetensors, `MAX_HEADER_SIZE`), so files peftjs reads also open there.
 */
export const MAX_HEADER_BYTES = 100_000_000;

/** Size of the little-endian uint64 header length that starts every file. */
export const HEADER_LENGTH_BYTES = 8;

/** Header entry of one tensor: its dtype, shape and byte range in the data buffer. */
export interface SafetensorsTensorInfo {
  /** Element type in the file. */
  readonly dtype: SafetensorsDtype;
  /** Dimensions, row-major; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Begin and end byte offsets of the tensor data, relative to the start of the data buffer. */
  readonly dataOffsets: readonly [number, number];
}

/** The parsed header of a safetensors file. */
export interface SafetensorsHeader {
  /** Byte length N of the JSON header, padding included. */
  readonly headerByteLength: number;
  /** Byte offset in the file at which the data buffer starts (8 + N). */
  readonly dataStart: number;
  /** Byte length of the data buffer. */
  readonly dataByteLength: number;
  /** Tensor entries in the order of their data offsets. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  /**
   * The `__metadata__` string map, empty when the file has none. It has no prototype, so keys
   * such as `__proto__` are ordinary entries.
   */
  readonly metadata: Record<string, string>;
}

/** Options of {@link parseSafetensorsHeader}. */
export interface ParseSafetensorsHeaderOptions {
  /**
   * Size of the whole file in bytes, when `bytes` holds only its beginning (at least the 8-byte
   * length and the header). Defaults to the length of `bytes`.
   */
  fileByteLength?: number;
}

/**
 * Reads the header length N from the first 8 bytes and checks it against the limit and the file
 * size before anything is allocated from it.
 *
 * @param bytes The file, or at least its first 8 bytes.
 * @param fileByteLength Size of the whole file in bytes.
 * @returns N, the byte length of the JSON header.
 * @throws CheckpointFormatError if the file is shorter than 8 bytes, or N exceeds
 *   {@link MAX_HEADER_BYTES} or runs past the end of the file.
 */
export function readHeaderByteLength(bytes: Uint8Array, fileByteLength: number): number {
  if (fileByteLength < HEADER_LENGTH_BYTES) {
    throw formatError(
      `the file is ${fileByteLength} bytes long, shorter than the ${HEADER_LENGTH_BYTES}-byte header length ` +
        'that starts every safetensors file',
    );
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH_BYTES).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw formatError(`the header length field is ${length} bytes, above the limit of ${MAX_HEADER_BYTES} bytes`);
  }
  const headerByteLength = Number(length);
  if (HEADER_LENGTH_BYTES + headerByteLength > fileByteLength) {
    throw formatError(
      `the header length field is ${headerByteLength} bytes, but only ` +
        `${fileByteLength - HEADER_LENGTH_BYTES} bytes follow it in the ${fileByteLength}-byte file`,
    );
  }
  return headerByteLength;
}

function decodeHeaderJson(headerBytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw formatError(`the ${headerBytes.length}-byte header is not valid UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw formatError(`the header is not valid JSON (${(error as Error).message})`);
  }
}

/** Checks that the tensors tile the data buffer exactly: no overlap, no gap, no trailing bytes. */
function checkLayout(entries: readonly [string, SafetensorsTensorInfo][], dataByteLength: number): void {
  let cursor = 0;
  let previousName: string | undefined;
  for (const [name, info] of entries) {
    const [begin, end] = info.dataOffsets;
    if (begin < cursor) {
      throw formatError(
        `tensor ${quoteName(name)} with data_offsets [${begin}, ${end}] overlaps tensor ` +
          `${quoteName(previousName as string)}, which ends at offset ${cursor}`,
      );
    }
    if (begin > cursor) {
      throw formatError(
        `bytes ${cursor} to ${begin} of the data buffer belong to no tensor (a gap before tensor ` +
          `${quoteName(name)}); tensors must be stored back to back`,
      );
    }
    cursor = end;
    previousName = name;
  }
  if (cursor !== dataByteLength) {
    throw formatError(
      `the data buffer is ${dataByteLength} bytes long but the tensors cover only ${cursor}; ` +
        `the last ${dataByteLength - cursor} bytes belong to no tensor`,
    );
  }
}

function compareByOffsets(a: [string, SafetensorsTensorInfo], b: [string, SafetensorsTensorInfo]): number {
  const [beginA, endA] = a[1].dataOffsets;
  const [beginB, endB] = b[1].dataOffsets;
  return beginA - beginB || endA - endB;
}

function resolveFileByteLength(bytes: Uint8Array, options: ParseSafetensorsHeaderOptions | undefined): number {
  const fileByteLength = options?.fileByteLength;
  if (fileByteLength === undefined) return bytes.length;
  if (!Number.isSafeInteger(fileByteLength) || fileByteLength < bytes.length) {
    throw new InvalidArgumentError(
      `parseSafetensorsHeader: invalid fileByteLength ${String(fileByteLength)}; expected an integer ` +
        `no smaller than the ${bytes.length} bytes passed. Omit it when passing the whole file.`,
    );
  }
  return fileByteLength;
}

/**
 * Parses and validates the header of a safetensors file without creating tensors.
 *
 * Beyond the JSON syntax, it checks that every entry has a known dtype, non-negative integer
 * dimensions, and offsets inside the data buffer spanning the element count times the dtype
 * size. It also checks that the tensors cover the data buffer back to back, with no overlap,
 * gap or trailing bytes.
 *
 * @param bytes The file contents, or only its beginning when `options.fileByteLength` is given.
 * @param options See {@link ParseSafetensorsHeaderOptions}.
 * @returns The header, with tensors ordered by data offset.
 * @throws CheckpointFormatError naming the first problem found in the file.
 * @throws InvalidArgumentError if `bytes` is not an ArrayBuffer or Uint8Array, or contains less than
 *   the whole header when `fileByteLength` is given.
 */
export function parseSafetensorsHeader(
  bytes: ArrayBuffer | Uint8Array,
  options?: ParseSafetensorsHeaderOptions,
): SafetensorsHeader {
  const view = toUint8Array(bytes, 'parseSafetensorsHeader');
  const fileByteLength = resolveFileByteLength(view, options);
  if (view.length < Math.min(HEADER_LENGTH_BYTES, fileByteLength)) {
    throw new InvalidArgumentError(
      `parseSafetensorsHeader: got ${view.length} bytes; pass at least the first ${HEADER_LENGTH_BYTES} bytes of the file.`,
    );
  }

  const headerByteLength = readHeaderByteLength(view, fileByteLength);
  const dataStart = HEADER_LENGTH_BYTES + headerByteLength;
  if (view.length < dataStart) {
    throw new InvalidArgumentError(
      `parseSafetensorsHeader: got ${view.length} bytes, but the header ends at byte ${dataStart}; ` +
        `pass at least the first ${dataStart} bytes of the file.`,
    );
  }
  const dataByteLength = fileByteLength - dataStart;

  const json = decodeHeaderJson(view.subarray(HEADER_LENGTH_BYTES, dataStart));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    let kind = `a ${typeof json}`;
    if (json === null) kind = 'null';
    if (Array.isArray(json)) kind = 'an array';
    throw formatError(`the header is ${kind}; expected a JSON object mapping tensor names to entries`);
  }

  let metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: [string, SafetensorsTensorInfo][] = [];
  // JSON.parse stores a "__proto__" key as an own property, so Object.keys lists it like any other.
  for (const key of Object.keys(json)) {
    const value: unknown = (json as Record<string, unknown>)[key];
    if (key === '__metadata__') {
      metadata = parseMetadata(value);
    } else {
      entries.push([key, parseTensorEntry(key, value, dataByteLength)]);
    }
  }
  entries.sort(compareByOffsets);
  checkLayout(entries, dataByteLength);

  return { headerByteLength, dataStart, dataByteLength, tensors: new Map(entries), metadata };
}
