import { InvalidArgumentError, readFileBytes } from '@peftjs/core-tensor';

/** A file path (Node only) or the file's bytes (Node and browsers). */
export type BinarySource = string | ArrayBuffer | Uint8Array;

/**
 * Returns the bytes of a path or buffer. Buffers are wrapped without a copy; a path is read with
 * core-tensor's `readFileBytes`, which loads `node:fs` only then, so browser code that passes
 * buffers never needs it.
 *
 * @param source File path, `ArrayBuffer` or `Uint8Array`.
 * @param what Name of the expected file in error messages, e.g. `llama2.c checkpoint`.
 * @throws InvalidArgumentError for a source of another type or a path that names no file.
 */
export async function readBinarySource(source: BinarySource, what: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string') {
    throw new InvalidArgumentError(
      `The ${what} source must be a file path, an ArrayBuffer or a Uint8Array, got ${describeValue(source)}.`,
    );
  }
  return readFileBytes(source);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object of type ${value.constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}
