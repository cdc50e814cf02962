/**
 * Conversions between float32 and the narrower floating-point formats of safetensors files:
 * IEEE 754 binary16 (F16), bfloat16 (BF16, the upper 16 bits of a float32) and two 8-bit
 * formats. F8_E5M2 has exponent bias 15 and infinities, like the upper byte of a binary16.
 * F8_E4M3 is PyTorch's float8_e4m3fn: exponent bias 7, no infinities, NaN only at S.1111.111,
 * and a maximum of 448.
 */

let float16Table: Float32Array | undefined;
let float8E4M3Table: Float32Array | undefined;

function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (0x400 + fraction) * 2 ** (exponent - 25);
}

function float8E4M3ToNumber(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exponent = (bits >> 3) & 0xf;
  const fraction = bits & 0x7;
  if (exponent === 0xf && fraction === 0x7) return NaN;
  if (exponent === 0) return sign * fraction * 2 ** -9;
  return sign * (0x8 + fraction) * 2 ** (exponent - 10);
}

/** Returns every float16 value indexed by its bit pattern (256 KiB), building the table on first use. */
function getFloat16Table(): Float32Array {
  if (float16Table === undefined) {
    float16Table = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) float16Table[bits] = float16ToNumber(bits);
  }
  return float16Table;
}

function getFloat8E4M3Table(): Float32Array {
  if (float8E4M3Table === undefined) {
    float8E4M3Table = new Float32Array(0x100);
    for (let bits = 0; bits < 0x100; bits++) float8E4M3Table[bits] = float8E4M3ToNumber(bits);
  }
  return float8E4M3Table;
}

/** Decodes float16 bit patterns to float32. Every float16 value, NaN and ±Inf included, is exact. */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const table = getFloat16Table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** Decodes bfloat16 bit patterns to float32; bfloat16 is the upper half of a float32, so this is exact. */
export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return new Float32Array(words.buffer);
}

/** Decodes float8 E5M2 bytes to float32. E5M2 is the upper byte of a float16, so this is exact. */
export function float8E5M2ToFloat32(bytes: Uint8Array): Float32Array {
  const table = getFloat16Table();
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i] << 8];
  return out;
}

/** Decodes float8 E4M3 (FN variant, max 448) bytes to float32 exactly. */
export function float8E4M3ToFloat32(bytes: Uint8Array): Float32Array {
  const table = getFloat8E4M3Table();
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

/**
 * Rounds one float32, given as its bit pattern, to the nearest float16 (ties to even) and
 * returns the float16 bit pattern. Magnitudes from 65520 up become ±Inf as in IEEE 754, and
 * every NaN becomes the quiet NaN of the same sign (payloads are not kept).
 */
function float32BitsToFloat16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (exponent === 0xff) return sign | (mantissa === 0 ? 0x7c00 : 0x7e00);

  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;

  if (halfExponent <= 0) {
    // The result is a float16 subnormal (or zero): the value is m * 2^-24 for an integer m, so
    // the 24-bit float32 significand is shifted right and rounded to nearest, ties to even.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const halfway = 1 << (shift - 1);
    const remainder = significand & ((1 << shift) - 1);
    let result = significand >>> shift;
    if (remainder > halfway || (remainder === halfway && (result & 1) === 1)) result += 1;
    // A carry out of the subnormal range lands on the smallest normal, which is the right encoding.
    return sign | result;
  }

  let result = sign | (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa increments the exponent, which is the correct rounding, up to Inf.
  if (remainder > 0x1000 || (remainder === 0x1000 && (result & 1) === 1)) result += 1;
  return result;
}

/**
 * Rounds float32 values to float16 bit patterns (round to nearest, ties to even), writing them to
 * `out`. Magnitudes from 65520 up become ±Inf, and NaN stays NaN (payload not kept).
 */
export function float32ToFloat16Bits(values: Float32Array, out: Uint16Array): void {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32BitsToFloat16(words[i]);
}

/**
 * Rounds float32 values to bfloat16 bit patterns (round to nearest, ties to even), writing them
 * to `out`. Magnitudes that round past the bfloat16 maximum become ±Inf, and NaN stays a quiet
 * NaN of the same sign.
 */
export function float32ToBfloat16Bits(values: Float32Array, out: Uint16Array): void {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const bits = words[i];
    if ((bits & 0x7fffffff) > 0x7f800000) {
      out[i] = (bits >>> 16) | 0x0040;
    } else {
      // Adding 0x7fff plus the lowest kept bit rounds to nearest with ties to even.
      out[i] = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    }
  }
}
