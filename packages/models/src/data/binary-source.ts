import { InvalidArgumentError } from '@peftjs/core-tensor';

/** A file path (Node only) or the file's bytes (Node and browsers). */
export type BinarySource = string | ArrayBuffer | Uint8Array;

/**
 * Returns the bytes of a path or buffer. Buffers are wrapped without a copy; a path is read with
 * `node:fs`, which is imported only then, so browser bundles that pass buffers never load it.
 *
 * @param source File path, `ArrayBuffer` or `Uint8Array`.
 * @param what Name of the expected file in error messages, e.g. `llama2.c checkpoint`.
 */
export async function readBinarySource(source: BinarySource, what: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source !== 'string') {
    throw new InvalidArgumentError(
      `The ${what} source must be a file path, an ArrayBuffer or a Uint8Array, got ${describeValue(source)}.`,
    );
  }
  const fs = await import('node:fs/promises');
  try {
    return await fs.readFile(source);
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read the ${what} at "${source}": ${(error as Error).message}`);
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object of type ${value.constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}
