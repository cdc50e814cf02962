import { CheckpointFormatError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { checkPath } from '../io/node-builtins';
import { fileByteLength, readFileBytes, readFileRange } from '../io/read-file';
import { HEADER_LENGTH_BYTES, parseSafetensorsHeader, readHeaderByteLength, type SafetensorsHeader } from './header';
import { parseSafetensors, type SafetensorsContents } from './parse';
import { type NamedTensors, serializeSafetensors, type SerializeSafetensorsOptions } from './serialize';

/** Runs `parse`, prefixing the path to the message of a format error so the user knows which file is bad. */
function namingFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof CheckpointFormatError)) throw error;
    const named = new CheckpointFormatError(`${path}: ${error.message}`);
    named.cause = error;
    throw named;
  }
}

/**
 * Reads a safetensors file into tfjs tensors; see {@link parseSafetensors} for how each dtype
 * loads.
 *
 * @param source A file path (Node.js only), or the file contents as an ArrayBuffer or Uint8Array
 *   (any environment).
 * @returns The tensors, which the caller must dispose, and the metadata.
 * @throws CheckpointFormatError if the file breaks the format; for a path, the message starts
 *   with the path.
 * @throws InvalidArgumentError for a missing file, a source of another type, or a path outside
 *   Node.js.
 */
export async function readSafetensors(source: string | ArrayBuffer | Uint8Array): Promise<SafetensorsContents> {
  if (typeof source !== 'string') return parseSafetensors(source);
  const bytes = await readFileBytes(source);
  return namingFile(source, () => parseSafetensors(bytes));
}

/**
 * Reads and validates the header of a safetensors file without creating tensors. For a path,
 * only the header is read from disk, so listing a multi-gigabyte checkpoint is cheap.
 *
 * @param source A file path (Node.js only), or the file contents as an ArrayBuffer or Uint8Array.
 * @returns The header; see {@link parseSafetensorsHeader}.
 * @throws CheckpointFormatError if the header breaks the format; for a path, the message starts
 *   with the path.
 * @throws InvalidArgumentError for a missing file, a source of another type, or a path outside
 *   Node.js.
 */
export async function readSafetensorsHeader(source: string | ArrayBuffer | Uint8Array): Promise<SafetensorsHeader> {
  if (typeof source !== 'string') return parseSafetensorsHeader(source);

  const size = await fileByteLength(source);
  const lengthBytes = await readFileRange(source, 0, HEADER_LENGTH_BYTES);
  const headerByteLength = namingFile(source, () => readHeaderByteLength(lengthBytes, size));
  const prefix = await readFileRange(source, 0, HEADER_LENGTH_BYTES + headerByteLength);
  return namingFile(source, () => parseSafetensorsHeader(prefix, { fileByteLength: size }));
}

/**
 * Writes tensors to a safetensors file atomically (Node.js only). The bytes go to a temporary
 * file in the same directory, which is flushed and renamed over `path`. A crash or a failed
 * write therefore never leaves a partial file, and any previous file stays intact.
 *
 * @param path Destination file path. Its directory must exist.
 * @param tensors Tensors by name, as a Map or an object. They are read, not disposed.
 * @param options Metadata and per-tensor element types, see {@link SerializeSafetensorsOptions}.
 * @throws InvalidArgumentError for invalid tensors or options (see {@link serializeSafetensors}),
 *   a missing directory, or when not running under Node.js. File-system errors propagate
 *   unchanged.
 */
export async function writeSafetensors(
  path: string,
  tensors: NamedTensors,
  options?: SerializeSafetensorsOptions,
): Promise<void> {
  checkPath(path, 'writeSafetensors');
  const bytes = serializeSafetensors(tensors, options);
  await writeFileAtomic(path, bytes);
}
