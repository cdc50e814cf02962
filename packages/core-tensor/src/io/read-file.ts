import { InvalidArgumentError } from '../errors';
import { checkPath, errorCode, loadFs } from './node-builtins';

/**
 * Turns the file-system errors a caller can fix (missing file, directory given) into an
 * {@link InvalidArgumentError} naming the path. Other errors are returned unchanged.
 */
function describeReadError(error: unknown, path: string, operation: string): unknown {
  const code = errorCode(error);
  let problem: string | undefined;
  if (code === 'ENOENT') problem = 'file not found';
  if (code === 'EISDIR') problem = 'it is a directory, not a file';
  if (problem === undefined) return error;

  const described = new InvalidArgumentError(`${operation}: cannot read "${path}": ${problem}. Check the path.`);
  described.cause = error;
  return described;
}

/**
 * Reads a whole file (Node.js only).
 *
 * @param path Path of the file to read.
 * @returns The file contents. The array owns its buffer, which no other caller shares.
 * @throws InvalidArgumentError if `path` is not a non-empty string, names no file or names a
 *   directory, or when not running under Node.js. Other file-system errors propagate unchanged.
 */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  checkPath(path, 'readFileBytes');
  const fs = await loadFs('readFileBytes');
  try {
    const buffer = await fs.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw describeReadError(error, path, 'readFileBytes');
  }
}

/**
 * Reads `length` bytes starting at byte `position` of a file (Node.js only), without reading the
 * rest of the file.
 *
 * @param path Path of the file to read.
 * @param position Byte offset of the first byte to read; a non-negative safe integer.
 * @param length Number of bytes to read; a non-negative safe integer.
 * @returns The bytes read. It is shorter than `length` when the file ends first.
 * @throws InvalidArgumentError for an invalid path, position or length, a missing file or a
 *   directory, or when not running under Node.js. Other file-system errors propagate unchanged.
 */
export async function readFileRange(path: string, position: number, length: number): Promise<Uint8Array> {
  checkPath(path, 'readFileRange');
  for (const [name, value] of [['position', position], ['length', length]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(
        `readFileRange: invalid ${name} ${String(value)}; expected a non-negative integer byte count.`,
      );
    }
  }

  const fs = await loadFs('readFileRange');
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(path, 'r');
    const bytes = new Uint8Array(length);
    let filled = 0;
    // A single read may return fewer bytes than requested before the end of the file.
    while (filled < length) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === length ? bytes : bytes.slice(0, filled);
  } catch (error) {
    throw describeReadError(error, path, 'readFileRange');
  } finally {
    await handle?.close();
  }
}

/**
 * Returns the size of a file in bytes (Node.js only).
 *
 * @param path Path of the file.
 * @throws InvalidArgumentError for an invalid path or a missing file, or when not running under
 *   Node.js. Other file-system errors propagate unchanged.
 */
export async function fileByteLength(path: string): Promise<number> {
  checkPath(path, 'fileByteLength');
  const fs = await loadFs('fileByteLength');
  let stats: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stats = await fs.stat(path);
  } catch (error) {
    throw describeReadError(error, path, 'fileByteLength');
  }
  if (stats.isDirectory()) {
    throw new InvalidArgumentError(
      `fileByteLength: cannot read "${path}": it is a directory, not a file. Check the path.`,
    );
  }
  return stats.size;
}
