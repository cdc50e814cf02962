/**
 * Derives a child seed from a base seed and a label (for example a parameter path), so every
 * parameter of a model gets its own reproducible stream from one user-facing seed.
 *
 * The hash is 32-bit FNV-1a over the label's UTF-16 code units, mixed with the base seed; it is
 * stable across processes, platforms and releases of this library.
 */
export function deriveSeed(baseSeed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (baseSeed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
