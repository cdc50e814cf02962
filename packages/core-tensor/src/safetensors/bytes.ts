import { InvalidArgumentError } from '../errors';

/** True on little-endian hosts, which is every platform tfjs runs on in practice. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts little-endian elements of `elementSize` bytes to the host's byte order in place, or
 * back. Safetensors data is little-endian, while typed-array views use the host's order.
 */
export function swapToHostOrder(bytes: Uint8Array, elementSize: number): void {
  if (HOST_IS_LITTLE_ENDIAN || elementSize === 1) return;
  // NOTE: only big-endian hosts run this loop, and none of the test machines is one.
  for (let start = 0; start + elementSize <= bytes.length; start += elementSize) {
    bytes.subarray(start, start + elementSize).reverse();
  }
}

/**
 * Returns a Uint8Array over the bytes of `source` without copying.
 *
 * @param source The bytes: an ArrayBuffer, a Uint8Array (a Node.js Buffer is one) or another
 *   ArrayBuffer view.
 * @param operation Name of the calling function, used in the error message.
 */
export function toUint8Array(source: unknown, operation: string): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  let kind: string = typeof source;
  if (source === null) kind = 'null';
  else if (typeof source === 'object') kind = source.constructor?.name ?? 'object';
  throw new InvalidArgumentError(
    `${operation}: invalid source of type ${kind}; expected the file contents as an ArrayBuffer or Uint8Array` +
      (typeof source === 'string' ? ', or use readSafetensors for a file path.' : '.'),
  );
}
