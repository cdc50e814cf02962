import { InvalidArgumentError, readFileBytes } from '@peftjs/core-tensor';

/** A file path (Node only) or the file's bytes (Node and browsers). */
export type BinarySource = string | ArrayBuffer | Uint8Array;

/**
 * Returns the bytes of a path or buffer. Buffers are wrapped without a copy. A path is read with
 * core-tensor's `readFileBytes`, which loads `node:fs` only when called, so browser code that
 * passes buffers never needs it.
 *
 * @param source File path, `ArrayBuffer` or `Uint8Array`.
 * @param description What the file is, for error messages, e.g. `llama2.c checkpoint`.
 * @throws InvalidArgumentError for a source of another type or a path that names no file.
 */
export async function readBinarySource(source: BinarySource, description: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string') {
    throw new InvalidArgumentError(
      `The ${description} source must be a file path, an ArrayBuffer or a Uint8Array, got ${describeValue(source)}.`,
    );
  }
  return readFileBytes(source);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object of type ${value.constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}
