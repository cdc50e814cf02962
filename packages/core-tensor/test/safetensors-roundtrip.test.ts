import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';

import {
  initBackend,
  InvalidArgumentError,
  parseSafetensors,
  type SafetensorsWriteDtype,
  serializeSafetensors,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

/** Serializes, parses back, and returns each tensor's dtype, shape and values (all disposed). */
function roundTrip(
  tensors: Record<string, tf.Tensor>,
  dtypes?: Record<string, SafetensorsWriteDtype>,
): Map<string, { dtype: string; shape: number[]; values: number[] }> {
  const bytes = serializeSafetensors(tensors, { dtypes });
  const parsed = parseSafetensors(bytes);
  const result = new Map<string, { dtype: string; shape: number[]; values: number[] }>();
  for (const [name, tensor] of parsed.tensors) {
    result.set(name, { dtype: tensor.dtype, shape: tensor.shape, values: Array.from(tensor.dataSync()) });
    tensor.dispose();
  }
  return result;
}

function float32Values(values: readonly number[]): number[] {
  return Array.from(Float32Array.from(values));
}

/** Lists every finite float16 value from its definition: ±f·2^-24 (subnormal) and ±(1024+f)·2^(e-25). */
function allFiniteFloat16(): { value: number; bits: number }[] {
  const out: { value: number; bits: number }[] = [];
  for (const sign of [0, 1]) {
    for (let exponent = 0; exponent < 31; exponent++) {
      for (let fraction = 0; fraction < 1024; fraction++) {
        const magnitude = exponent === 0 ? fraction * 2 ** -24 : (1024 + fraction) * 2 ** (exponent - 25);
        out.push({ value: sign ? -magnitude : magnitude, bits: (sign << 15) | (exponent << 10) | fraction });
      }
    }
  }
  return out;
}

/** Reads the little-endian uint16 elements of tensor `name` straight from the file bytes. */
function rawUint16(bytes: Uint8Array, name: string): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const [begin, end] = header[name].data_offsets as [number, number];
  const out: number[] = [];
  for (let offset = begin; offset < end; offset += 2) out.push(view.getUint16(8 + headerLength + offset, true));
  return out;
}

describe('safetensors round trip', () => {
  it('keeps F32 values exactly', () => {
    fc.assert(
      fc.property(fc.float32Array({ minLength: 0, maxLength: 64 }), (values) => {
        const tensor = tf.tensor1d(values);
        const result = roundTrip({ w: tensor }).get('w')!;
        tensor.dispose();

        expect(result.dtype).toBe('float32');
        expect(result.values.length).toBe(values.length);
        result.values.forEach((v, i) => expect(Object.is(v, values[i]) || (Number.isNaN(v) && Number.isNaN(values[i]))).toBe(true));
      }),
      { numRuns: 50 },
    );
  });

  it('keeps every finite F16 value exactly and writes its bit pattern', () => {
    const all = allFiniteFloat16();
    const tensor = tf.tensor1d(all.map((entry) => entry.value));

    const bytes = serializeSafetensors({ h: tensor }, { dtypes: { h: 'F16' } });
    const parsed = parseSafetensors(bytes);
    const values = Array.from(parsed.tensors.get('h')!.dataSync());
    tf.dispose([tensor, ...parsed.tensors.values()]);

    expect(rawUint16(bytes, 'h')).toEqual(all.map((entry) => entry.bits));
    expect(values).toEqual(all.map((entry) => entry.value));
  });

  it('keeps BF16-representable values exactly', () => {
    const values = [0, -0, 1, -1.5, 2 ** 127, -(2 ** -126), 2 ** -133, 3.140625, 65280, Infinity, -Infinity];
    const tensor = tf.tensor1d(values);

    const result = roundTrip({ b: tensor }, { b: 'BF16' }).get('b')!;
    tensor.dispose();

    expect(result.values).toEqual(values);
  });

  it('keeps NaN and infinities in every float type', () => {
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const tensor = tf.tensor1d([NaN, Infinity, -Infinity, -NaN]);

      const values = roundTrip({ x: tensor }, { x: dtype }).get('x')!.values;
      tensor.dispose();

      expect({ dtype, nan: values.map(Number.isNaN) }).toEqual({ dtype, nan: [true, false, false, true] });
      expect({ dtype, inf: values.slice(1, 3) }).toEqual({ dtype, inf: [Infinity, -Infinity] });
    }
  });

  it('keeps int32 values as I32 and I64', () => {
    const values = [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 123456789];
    for (const dtype of ['I32', 'I64'] as const) {
      const tensor = tf.tensor1d(values, 'int32');

      const result = roundTrip({ ids: tensor }, { ids: dtype }).get('ids')!;
      tensor.dispose();

      expect({ dtype, type: result.dtype, values: result.values }).toEqual({ dtype, type: 'int32', values });
    }
  });

  it('keeps bool tensors', () => {
    const tensor = tf.tensor2d([[true, false, true], [false, false, true]], [2, 3], 'bool');

    const result = roundTrip({ mask: tensor }).get('mask')!;
    tensor.dispose();

    expect(result).toEqual({ dtype: 'bool', shape: [2, 3], values: [1, 0, 1, 0, 0, 1] });
  });

  it('keeps scalars and empty tensors of every dtype', () => {
    const tensors = {
      scalar32: tf.scalar(-2.75),
      scalar16: tf.scalar(0.5),
      scalarInt: tf.scalar(-9, 'int32'),
      scalarBool: tf.scalar(true, 'bool'),
      empty32: tf.zeros([0]),
      emptyBf16: tf.zeros([3, 0]),
      emptyI64: tf.zeros([0, 4], 'int32'),
      emptyBool: tf.zeros([2, 0, 2], 'bool'),
    };
    const dtypes = { scalar16: 'F16', emptyBf16: 'BF16', emptyI64: 'I64' } as const;

    const result = roundTrip(tensors, dtypes);
    const expected = Object.entries(tensors).map(([name, t]) => [name, t.dtype, t.shape, Array.from(t.dataSync())]);
    tf.dispose(Object.values(tensors));

    for (const [name, dtype, shape, values] of expected) {
      expect([name, result.get(name as string)!.dtype, result.get(name as string)!.shape, result.get(name as string)!.values]).toEqual([
        name,
        dtype,
        shape,
        values,
      ]);
    }
  });

  it('keeps metadata and special names', () => {
    const tensors = new Map<string, tf.Tensor>([
      ['__proto__', tf.scalar(1)],
      ['constructor', tf.scalar(2)],
      ['0', tf.scalar(3)],
      ['schicht.ü.✓', tf.scalar(4)],
      ['', tf.scalar(5)],
    ]);
    const metadata = { format: 'pt', note: 'line\nbreak "quoted" ✓', empty: '' };

    const parsed = parseSafetensors(serializeSafetensors(tensors, { metadata }));
    const values = new Map([...parsed.tensors].map(([name, t]) => [name, t.dataSync()[0]]));
    tf.dispose([...tensors.values(), ...parsed.tensors.values()]);

    expect(values).toEqual(new Map([['', 5], ['0', 3], ['__proto__', 1], ['constructor', 2], ['schicht.ü.✓', 4]]));
    expect({ ...parsed.metadata }).toEqual(metadata);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'format')).toBe(false);
  });

  it('writes the same bytes whatever the insertion order', () => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([3], 'int32');
    const c = tf.scalar(true, 'bool');

    const forward = serializeSafetensors(new Map<string, tf.Tensor>([['a', a], ['b', b], ['c', c]]), { dtypes: { a: 'F16' } });
    const backward = serializeSafetensors(new Map<string, tf.Tensor>([['c', c], ['b', b], ['a', a]]), { dtypes: { a: 'F16' } });
    tf.dispose([a, b, c]);

    expect(backward).toEqual(forward);
  });
});

describe('safetensors float16 and bfloat16 rounding', () => {
  /** Writes `values` as `dtype` and returns the stored bit patterns. */
  function storedBits(values: number[], dtype: 'F16' | 'BF16'): number[] {
    const tensor = tf.tensor1d(values);
    const bytes = serializeSafetensors({ x: tensor }, { dtypes: { x: dtype } });
    tensor.dispose();
    return rawUint16(bytes, 'x');
  }

  it('rounds F16 to nearest with ties to even', () => {
    const cases: [number, number][] = [
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1+2^-10: tie goes to the even mantissa 0
      [1 + 3 * 2 ** -11, 0x3c02], // halfway between mantissas 1 and 2: tie goes to 2
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above halfway rounds up
      [65504, 0x7bff],
      [65519, 0x7bff], // below the halfway point 65520 to the next binade
      [65520, 0x7c00], // overflows to +Inf
      [-1e6, 0xfc00],
      [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal: tie to 0
      [2 ** -25 * 1.5, 0x0001],
      [3 * 2 ** -25, 0x0002], // halfway between subnormals 1 and 2: tie to 2
      [2 ** -14 - 2 ** -25, 0x0400], // halfway between the largest subnormal and 2^-14: tie to 2^-14
      [1e-10, 0x0000],
      [-1e-10, 0x8000],
      [-0, 0x8000],
      [2 ** -130, 0x0000], // a float32 subnormal
    ];

    expect(storedBits(cases.map(([value]) => value), 'F16').map((bits) => bits.toString(16))).toEqual(
      cases.map(([, bits]) => bits.toString(16)),
    );
  });

  it('matches the nearest F16 value for random float32 inputs', () => {
    const finite = allFiniteFloat16().filter((entry) => !Object.is(entry.value, -0));
    finite.sort((x, y) => x.value - y.value);
    const values = finite.map((entry) => entry.value);

    /** Brute-force oracle: the nearest float16, ties to the even bit pattern, beyond max to ±Inf. */
    function nearestFloat16Bits(x: number): number {
      if (Math.abs(x) >= 65520) return x > 0 ? 0x7c00 : 0xfc00;
      let low = 0;
      let high = values.length - 1;
      while (high - low > 1) {
        const middle = (low + high) >> 1;
        if (values[middle] <= x) low = middle;
        else high = middle;
      }
      const below = finite[low];
      const above = finite[high];
      const distanceBelow = x - below.value;
      const distanceAbove = above.value - x;
      let chosen = (below.bits & 1) === 0 ? below : above;
      if (distanceBelow < distanceAbove) chosen = below;
      if (distanceAbove < distanceBelow) chosen = above;
      if (chosen.value === 0 && (x < 0 || Object.is(x, -0))) chosen = { value: -0, bits: 0x8000 };
      return chosen.bits;
    }

    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -70000, max: 70000 }), { minLength: 1, maxLength: 32 }),
        (inputs) => {
          const float32 = float32Values(inputs);
          expect(storedBits(float32, 'F16')).toEqual(float32.map(nearestFloat16Bits));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('matches the nearest BF16 value for random float32 inputs', () => {
    const scratch = new DataView(new ArrayBuffer(4));
    const float32Of = (bits: number): number => {
      scratch.setUint32(0, bits >>> 0);
      return scratch.getFloat32(0);
    };

    /** Oracle: compares the two bfloat16 neighbours of x by their real distance. */
    function nearestBfloat16Bits(x: number): number {
      scratch.setFloat32(0, x);
      const bits = scratch.getUint32(0);
      const truncated = bits & 0xffff0000;
      if ((bits & 0xffff) === 0) return truncated >>> 16;
      const next = (truncated + 0x10000) >>> 0;
      const distanceTruncated = Math.abs(x - float32Of(truncated));
      const distanceNext = Math.abs(float32Of(next) - x);
      // Past the largest bfloat16 the next pattern is Inf; real rounding uses 2^128 as its value.
      const effectiveNext = Number.isFinite(float32Of(next)) ? distanceNext : Math.abs(Math.sign(x) * 2 ** 128 - x);
      if (distanceTruncated < effectiveNext) return truncated >>> 16;
      if (effectiveNext < distanceTruncated) return next >>> 16;
      return ((truncated >>> 16) & 1) === 0 ? truncated >>> 16 : next >>> 16;
    }

    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 32 }), (inputs) => {
        const float32 = float32Values(inputs);
        expect(storedBits(float32, 'BF16')).toEqual(float32.map(nearestBfloat16Bits));
      }),
      { numRuns: 300 },
    );
  });

  it('rounds BF16 ties to even and overflows to Inf', () => {
    const cases: [number, number][] = [
      [1 + 2 ** -8, 0x3f80], // halfway between 1 and 1+2^-7: tie to even
      [1 + 3 * 2 ** -8, 0x3f82], // halfway between mantissas 1 and 2: tie to 2
      [3.4028234663852886e38, 0x7f80], // float32 max rounds past the largest bfloat16
      [-3.4028234663852886e38, 0xff80],
    ];

    expect(storedBits(cases.map(([value]) => value), 'BF16')).toEqual(cases.map(([, bits]) => bits));
  });
});

describe('safetensors bytes against the format', () => {
  it('writes a header and data any safetensors reader can decode', () => {
    const weight = tf.tensor2d([[0.5, -1.25, 3], [1e-3, 7, -0]]);
    const ids = tf.tensor1d([5, -6, 2147483647], 'int32');
    const half = tf.tensor1d([1, -2, 0.5]);
    const mask = tf.tensor1d([true, false], 'bool');

    const bytes = serializeSafetensors(
      { 'layer.weight': weight, ids, half, mask },
      { metadata: { format: 'pt' }, dtypes: { ids: 'I64', half: 'F16' } },
    );
    const expectedWeight = Array.from(weight.dataSync());
    tf.dispose([weight, ids, half, mask]);

    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = Number(view.getBigUint64(0, true));
    const headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    const header = JSON.parse(headerText);
    const dataStart = 8 + headerLength;

    // The header is padded with spaces to a multiple of 8 bytes, so the data starts 8-aligned.
    expect(headerLength % 8).toBe(0);
    expect(headerText).toMatch(/^\{.*\} *$/);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(Object.keys(header)).toEqual(['__metadata__', 'ids', 'layer.weight', 'half', 'mask']);
    expect(header['layer.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [24, 48] });
    expect(header.ids).toEqual({ dtype: 'I64', shape: [3], data_offsets: [0, 24] });
    expect(header.half).toEqual({ dtype: 'F16', shape: [3], data_offsets: [48, 54] });
    expect(header.mask).toEqual({ dtype: 'BOOL', shape: [2], data_offsets: [54, 56] });
    expect(bytes.length).toBe(dataStart + 56);

    const weightValues = [0, 1, 2, 3, 4, 5].map((i) => view.getFloat32(dataStart + 24 + 4 * i, true));
    expect(weightValues).toEqual(expectedWeight);
    const idValues = [0, 1, 2].map((i) => view.getBigInt64(dataStart + 8 * i, true));
    expect(idValues).toEqual([5n, -6n, 2147483647n]);
    const halfBits = [0, 1, 2].map((i) => view.getUint16(dataStart + 48 + 2 * i, true));
    expect(halfBits).toEqual([0x3c00, 0xc000, 0x3800]);
    expect([bytes[dataStart + 54], bytes[dataStart + 55]]).toEqual([1, 0]);
  });

  it('aligns every tensor to its element size', () => {
    const tensors = {
      a: tf.tensor1d([1], 'bool'),
      b: tf.tensor1d([1, 2, 3]),
      c: tf.tensor1d([1, 2, 3], 'int32'),
      d: tf.tensor1d([1, 2, 3]),
      e: tf.tensor1d([4], 'int32'),
    };

    const bytes = serializeSafetensors(tensors, { dtypes: { b: 'F16', c: 'I64', d: 'BF16' } });
    tf.dispose(Object.values(tensors));

    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    const sizes: Record<string, number> = { BOOL: 1, F16: 2, BF16: 2, I32: 4, F32: 4, I64: 8 };
    for (const name of Object.keys(tensors)) {
      const { dtype, data_offsets: [begin] } = header[name];
      expect({ name, remainder: (8 + headerLength + begin) % sizes[dtype] }).toEqual({ name, remainder: 0 });
    }
  });

  it('writes an empty file as {} padded to 8 bytes', () => {
    const bytes = serializeSafetensors({});

    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true))).toBe(8);
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe('{}      ');
  });
});

describe('serializeSafetensors validation', () => {
  it('rejects invalid tensors and names', () => {
    const tensor = tf.scalar(1);
    const disposed = tf.scalar(2);
    disposed.dispose();
    const text = tf.tensor(['a']);

    expect(() => serializeSafetensors({ __metadata__: tensor })).toThrow(/"__metadata__" is reserved/);
    expect(() => serializeSafetensors({ w: [1, 2] as never })).toThrow(/value of "w" is not a tf.Tensor/);
    expect(() => serializeSafetensors({ w: disposed })).toThrow(/tensor "w" is disposed/);
    expect(() => serializeSafetensors({ w: text })).toThrow(/tfjs dtype string/);
    expect(() => serializeSafetensors(new Map([[3 as never, tensor]]))).toThrow(/tensor name 3 is a number/);
    expect(() => serializeSafetensors(null as never)).toThrow(InvalidArgumentError);
    expect(() => serializeSafetensors([tensor] as never)).toThrow(InvalidArgumentError);
    tf.dispose([tensor, text]);
  });

  it('rejects metadata values that are not strings', () => {
    const tensor = tf.scalar(1);

    expect(() => serializeSafetensors({ w: tensor }, { metadata: { step: 3 as never } })).toThrow(
      /metadata value "step" is a number \(3\); safetensors metadata values must be strings/,
    );
    expect(() => serializeSafetensors({ w: tensor }, { metadata: new Map() as never })).toThrow(InvalidArgumentError);
    expect(() => serializeSafetensors({ w: tensor }, { metadata: 'pt' as never })).toThrow(InvalidArgumentError);
    tensor.dispose();
  });

  it('rejects dtypes that do not fit the tensor', () => {
    const float = tf.scalar(1);
    const int = tf.scalar(1, 'int32');
    const bool = tf.scalar(true, 'bool');

    expect(() => serializeSafetensors({ float }, { dtypes: { float: 'I32' } })).toThrow(
      /tensor "float" \(float32\) cannot be written as I32; use one of F32, F16, BF16/,
    );
    expect(() => serializeSafetensors({ int }, { dtypes: { int: 'F16' } })).toThrow(/use one of I32, I64/);
    expect(() => serializeSafetensors({ bool }, { dtypes: { bool: 'F32' } })).toThrow(/use one of BOOL/);
    expect(() => serializeSafetensors({ float }, { dtypes: { float: 'F64' as never } })).toThrow(InvalidArgumentError);
    expect(() => serializeSafetensors({ float }, { dtypes: { flaot: 'F16' } })).toThrow(
      /dtypes names tensor "flaot", which is not among the tensors to save/,
    );
    expect(() => serializeSafetensors({ float }, 'F16' as never)).toThrow(InvalidArgumentError);
    tf.dispose([float, int, bool]);
  });
});
