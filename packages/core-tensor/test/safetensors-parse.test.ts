import * as tf from '@tensorflow/tfjs';

import {
  CheckpointFormatError,
  initBackend,
  InvalidArgumentError,
  MAX_HEADER_BYTES,
  parseSafetensors,
  parseSafetensorsHeader,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

/**
 * Builds a safetensors file by hand from a header (an object, or raw text to allow broken JSON)
 * and data bytes. `lengthField` overrides the 8-byte header length.
 */
function buildFile(header: object | string, data: ArrayLike<number> = [], lengthField?: bigint): Uint8Array {
  const json = typeof header === 'string' ? header : JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(json);
  const file = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(file.buffer).setBigUint64(0, lengthField ?? BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  file.set(data, 8 + headerBytes.length);
  return file;
}

/** Little-endian bytes written through a DataView callback. */
function littleEndian(byteLength: number, write: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(byteLength);
  write(new DataView(bytes.buffer));
  return bytes;
}

function entry(dtype: string, shape: number[], begin: number, end: number): object {
  return { dtype, shape, data_offsets: [begin, end] };
}

/** Parses `file`, checks that it raises CheckpointFormatError, and returns the message. */
function formatErrorMessage(file: Uint8Array): string {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    parseSafetensors(file);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointFormatError);
  expect(tf.memory().numTensors).toBe(before);
  return (caught as Error).message;
}

/** Parses a one-tensor file and returns that tensor's dtype, shape and values, disposing it. */
function parseSingle(dtype: string, shape: number[], data: Uint8Array): { dtype: string; shape: number[]; values: number[] } {
  const before = tf.memory().numTensors;
  const { tensors } = parseSafetensors(buildFile({ x: entry(dtype, shape, 0, data.length) }, data));
  const tensor = tensors.get('x')!;
  const result = { dtype: tensor.dtype, shape: tensor.shape, values: Array.from(tensor.dataSync()) };
  tensor.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

describe('parseSafetensors dtypes', () => {
  it('reads F32 little-endian row-major', () => {
    const values = [1.5, -2, 3.25e-8, 1e30, -0, 7];
    const data = littleEndian(24, (view) => values.forEach((v, i) => view.setFloat32(4 * i, v, true)));

    const parsed = parseSingle('F32', [2, 3], data);

    expect(parsed.dtype).toBe('float32');
    expect(parsed.shape).toEqual([2, 3]);
    expect(parsed.values).toEqual(values.map(Math.fround));
    expect(Object.is(parsed.values[4], -0)).toBe(true);
  });

  it('reads F16 bit patterns exactly', () => {
    // Bit patterns from IEEE 754 binary16: 1, -2, max normal, min subnormal, min normal, +Inf, -Inf.
    const patterns = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x7e00];
    const data = littleEndian(16, (view) => patterns.forEach((p, i) => view.setUint16(2 * i, p, true)));

    const parsed = parseSingle('F16', [8], data);

    expect(parsed.dtype).toBe('float32');
    expect(parsed.values.slice(0, 7)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity]);
    expect(parsed.values[7]).toBeNaN();
  });

  it('reads BF16 as the upper half of float32', () => {
    const values = [1, -3.5, 2 ** 100, -Infinity];
    const data = littleEndian(8, (view) => {
      const scratch = new DataView(new ArrayBuffer(4));
      values.forEach((v, i) => {
        scratch.setFloat32(0, v);
        view.setUint16(2 * i, scratch.getUint16(0), true);
      });
    });

    expect(parseSingle('BF16', [4], data).values).toEqual(values);
  });

  it('reads F8_E4M3 and F8_E5M2', () => {
    // E4M3FN: 0x38 = 1, 0x7e = 448 (max), 0x01 = 2^-9 (min subnormal), 0xc0 = -2, 0x7f = NaN.
    const e4m3 = parseSingle('F8_E4M3', [5], Uint8Array.from([0x38, 0x7e, 0x01, 0xc0, 0x7f]));
    expect(e4m3.values.slice(0, 4)).toEqual([1, 448, 2 ** -9, -2]);
    expect(e4m3.values[4]).toBeNaN();

    // E5M2: 0x3c = 1, 0x7b = 57344 (max), 0x01 = 2^-16, 0x7c = +Inf, 0xfc = -Inf.
    const e5m2 = parseSingle('F8_E5M2', [5], Uint8Array.from([0x3c, 0x7b, 0x01, 0x7c, 0xfc]));
    expect(e5m2.values).toEqual([1, 57344, 2 ** -16, Infinity, -Infinity]);
  });

  it('rounds F64 to float32', () => {
    const values = [0.1, -1e-300, 3.4e38, 1 / 3];
    const data = littleEndian(32, (view) => values.forEach((v, i) => view.setFloat64(8 * i, v, true)));

    expect(parseSingle('F64', [4], data).values).toEqual(values.map(Math.fround));
  });

  it('rejects F64 values beyond float32', () => {
    const data = littleEndian(16, (view) => {
      view.setFloat64(0, 1, true);
      view.setFloat64(8, -1e39, true);
    });

    const message = formatErrorMessage(buildFile({ big: entry('F64', [2], 0, 16) }, data));

    expect(message).toContain('"big"');
    expect(message).toContain('element 1');
    expect(message).toContain('-1e+39');
  });

  it('keeps F64 infinities and NaN', () => {
    const data = littleEndian(24, (view) => {
      view.setFloat64(0, Infinity, true);
      view.setFloat64(8, -Infinity, true);
      view.setFloat64(16, NaN, true);
    });

    const values = parseSingle('F64', [3], data).values;

    expect(values.slice(0, 2)).toEqual([Infinity, -Infinity]);
    expect(values[2]).toBeNaN();
  });

  it('reads small integer types as int32', () => {
    const cases: [string, number, (view: DataView, i: number, v: number) => void, number[]][] = [
      ['I8', 1, (view, i, v) => view.setInt8(i, v), [-128, 127, 0, -1]],
      ['U8', 1, (view, i, v) => view.setUint8(i, v), [0, 255, 17, 128]],
      ['I16', 2, (view, i, v) => view.setInt16(2 * i, v, true), [-32768, 32767, 300, -2]],
      ['U16', 2, (view, i, v) => view.setUint16(2 * i, v, true), [0, 65535, 258, 40000]],
      ['I32', 4, (view, i, v) => view.setInt32(4 * i, v, true), [-(2 ** 31), 2 ** 31 - 1, 65536, -7]],
      ['U32', 4, (view, i, v) => view.setUint32(4 * i, v, true), [0, 2 ** 31 - 1, 65536, 7]],
    ];
    for (const [dtype, size, write, values] of cases) {
      const data = littleEndian(size * values.length, (view) => values.forEach((v, i) => write(view, i, v)));

      const parsed = parseSingle(dtype, [2, 2], data);

      expect({ dtype, type: parsed.dtype, values: parsed.values }).toEqual({ dtype, type: 'int32', values });
    }
  });

  it('reads I64 and U64 values that fit int32', () => {
    const signed = [-(2 ** 31), 2 ** 31 - 1, -1, 0];
    const i64 = littleEndian(32, (view) => signed.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true)));
    const unsigned = [0, 2 ** 31 - 1, 5];
    const u64 = littleEndian(24, (view) => unsigned.forEach((v, i) => view.setBigUint64(8 * i, BigInt(v), true)));

    expect(parseSingle('I64', [4], i64)).toEqual({ dtype: 'int32', shape: [4], values: signed });
    expect(parseSingle('U64', [3], u64)).toEqual({ dtype: 'int32', shape: [3], values: unsigned });
  });

  it('rejects 64-bit and U32 values outside int32', () => {
    const cases: [string, Uint8Array, string][] = [
      ['I64', littleEndian(16, (v) => v.setBigInt64(8, 2n ** 31n, true)), '2147483648'],
      ['I64', littleEndian(16, (v) => v.setBigInt64(8, -(2n ** 31n) - 1n, true)), '-2147483649'],
      ['I64', littleEndian(16, (v) => v.setBigInt64(8, 2n ** 62n, true)), String(2n ** 62n)],
      ['U64', littleEndian(16, (v) => v.setBigUint64(8, 2n ** 64n - 1n, true)), String(2n ** 64n - 1n)],
      ['U64', littleEndian(16, (v) => v.setBigUint64(8, 2n ** 31n, true)), '2147483648'],
      ['U32', littleEndian(8, (v) => v.setUint32(4, 2 ** 32 - 1, true)), '4294967295'],
    ];
    for (const [dtype, data, shown] of cases) {
      const message = formatErrorMessage(buildFile({ ids: entry(dtype, [2], 0, data.length) }, data));

      expect(message).toContain(`(${dtype}) has element 1 = ${shown}`);
      expect(message).toContain('int32 range');
    }
  });

  it('reads BOOL and rejects bytes other than 0 and 1', () => {
    const { tensors } = parseSafetensors(buildFile({ mask: entry('BOOL', [3], 0, 3) }, [1, 0, 1]));
    const mask = tensors.get('mask')!;
    expect(mask.dtype).toBe('bool');
    expect(Array.from(mask.dataSync())).toEqual([1, 0, 1]);
    mask.dispose();

    const message = formatErrorMessage(buildFile({ mask: entry('BOOL', [3], 0, 3) }, [1, 2, 0]));
    expect(message).toContain('element 1 = byte 2');
  });

  it('reads scalars and empty tensors', () => {
    const data = littleEndian(4, (view) => view.setFloat32(0, 42, true));
    const file = buildFile(
      { scalar: entry('F32', [], 0, 4), empty: entry('F16', [0, 5], 4, 4), none: entry('I64', [3, 0], 4, 4) },
      data,
    );

    const { tensors } = parseSafetensors(file);

    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect(tensors.get('scalar')!.dataSync()[0]).toBe(42);
    expect(tensors.get('empty')!.shape).toEqual([0, 5]);
    expect(tensors.get('none')!.shape).toEqual([3, 0]);
    expect(tensors.get('none')!.dtype).toBe('int32');
    tf.dispose([...tensors.values()]);
  });

  it('reads tensors at unaligned offsets', () => {
    // A U8 tensor of 1 byte pushes the F32 tensor to an odd offset, which some writers produce.
    const data = littleEndian(5, (view) => {
      view.setUint8(0, 9);
      view.setFloat32(1, -6.5, true);
    });
    const file = buildFile({ b: entry('U8', [1], 0, 1), f: entry('F32', [1], 1, 5) }, data);

    const { tensors } = parseSafetensors(file);

    expect(tensors.get('f')!.dataSync()[0]).toBe(-6.5);
    tf.dispose([...tensors.values()]);
  });

  it('returns tensors in data order', () => {
    const file = buildFile(
      { b: entry('U8', [1], 1, 2), '7': entry('U8', [1], 2, 3), a: entry('U8', [1], 0, 1) },
      [10, 20, 30],
    );

    const { tensors } = parseSafetensors(file);

    expect([...tensors.keys()]).toEqual(['a', 'b', '7']);
    tf.dispose([...tensors.values()]);
  });

  it('accepts a header padded with spaces and a sub-array input', () => {
    const inner = buildFile(`{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}      `, [3, 4]);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);

    const { tensors } = parseSafetensors(outer.subarray(3));

    expect(Array.from(tensors.get('x')!.dataSync())).toEqual([3, 4]);
    tf.dispose([...tensors.values()]);
  });

  it('does not alias the input buffer', () => {
    const data = littleEndian(4, (view) => view.setFloat32(0, 1, true));
    const file = buildFile({ x: entry('F32', [1], 0, 4) }, data);
    const { tensors } = parseSafetensors(file.buffer as ArrayBuffer);

    file.fill(0xff);

    expect(tensors.get('x')!.dataSync()[0]).toBe(1);
    tf.dispose([...tensors.values()]);
  });
});

describe('parseSafetensors metadata and special names', () => {
  it('returns metadata without a prototype', () => {
    const file = buildFile({ __metadata__: { format: 'pt', note: 'ü ✓' } });

    const { tensors, metadata } = parseSafetensors(file);

    expect(tensors.size).toBe(0);
    expect(Object.getPrototypeOf(metadata)).toBeNull();
    expect({ ...metadata }).toEqual({ format: 'pt', note: 'ü ✓' });
  });

  it('treats null metadata as empty', () => {
    expect(Object.keys(parseSafetensors(buildFile('{"__metadata__":null}')).metadata)).toEqual([]);
  });

  it('keeps __proto__ and constructor as plain keys', () => {
    const header =
      '{"__metadata__":{"__proto__":"p","constructor":"c"},' +
      '"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' +
      '"constructor":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';

    const { tensors, metadata } = parseSafetensors(buildFile(header, [5, 6]));

    expect([...tensors.keys()]).toEqual(['__proto__', 'constructor']);
    expect(Array.from(tensors.get('__proto__')!.dataSync())).toEqual([5]);
    expect(Object.keys(metadata)).toEqual(['__proto__', 'constructor']);
    expect(metadata['__proto__']).toBe('p');
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'p')).toBe(false);
    tf.dispose([...tensors.values()]);
  });

  it('rejects a dtype named after an Object.prototype member', () => {
    for (const dtype of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const message = formatErrorMessage(buildFile({ x: entry(dtype, [0], 0, 0) }));

      expect(message).toContain(`unknown or unsupported dtype "${dtype}"`);
    }
  });
});

describe('parseSafetensors malformed files', () => {
  it('rejects files shorter than 8 bytes', () => {
    for (const length of [0, 1, 7]) {
      const message = formatErrorMessage(new Uint8Array(length));

      expect(message).toContain(`the file is ${length} bytes long`);
    }
  });

  it('rejects a header length beyond the file', () => {
    const file = buildFile('{}', [], 100n);

    expect(formatErrorMessage(file)).toContain('header length field is 100 bytes, but only 2 bytes follow it');
  });

  it('rejects a header length of 2^60 without allocating', () => {
    const file = buildFile('{}', [], 2n ** 60n);

    expect(formatErrorMessage(file)).toContain(`${2n ** 60n} bytes, above the limit of ${MAX_HEADER_BYTES} bytes`);
  });

  it('rejects a header length just above 100 MB', () => {
    const file = buildFile('{}', [], BigInt(MAX_HEADER_BYTES + 1));

    expect(formatErrorMessage(file)).toContain('above the limit');
  });

  it('rejects a header that is not UTF-8', () => {
    const file = buildFile('{"a":1}');
    file[10] = 0xff;

    expect(formatErrorMessage(file)).toContain('not valid UTF-8');
  });

  it('rejects a header that is not JSON', () => {
    expect(formatErrorMessage(buildFile('{"a": '))).toContain('not valid JSON');
    expect(formatErrorMessage(buildFile(''))).toContain('not valid JSON');
  });

  it('rejects a header that is not an object', () => {
    expect(formatErrorMessage(buildFile('[]'))).toContain('the header is an array');
    expect(formatErrorMessage(buildFile('null'))).toContain('the header is null');
    expect(formatErrorMessage(buildFile('"x"'))).toContain('the header is a string');
    expect(formatErrorMessage(buildFile('12'))).toContain('the header is a number');
  });

  it('rejects an entry that is not an object', () => {
    for (const value of ['3', '"F32"', '[]', 'null']) {
      const message = formatErrorMessage(buildFile(`{"w":${value}}`));

      expect(message).toContain(`tensor "w" has entry ${value}`);
      expect(message).toContain('expected an object with dtype, shape and data_offsets');
    }
  });

  it('names each missing entry field', () => {
    const message = formatErrorMessage(buildFile({ w: { shape: [1] } }));

    expect(message).toContain('tensor "w" is missing dtype, data_offsets');
  });

  it('rejects unknown and non-string dtypes', () => {
    expect(formatErrorMessage(buildFile({ w: entry('F128', [0], 0, 0) }))).toContain('unsupported dtype "F128"');
    expect(formatErrorMessage(buildFile({ w: { dtype: 4, shape: [0], data_offsets: [0, 0] } }))).toContain(
      'unsupported dtype 4',
    );
    expect(formatErrorMessage(buildFile({ w: entry('f32', [0], 0, 0) }))).toContain('F32');
  });

  it('rejects negative, fractional and non-numeric dimensions', () => {
    for (const [shape, shown] of [
      ['[2,-1]', '-1'],
      ['[1.5]', '1.5'],
      ['["2"]', '"2"'],
      ['[null]', 'null'],
      ['[1e300]', '1e+300'],
    ] as const) {
      const message = formatErrorMessage(buildFile(`{"w":{"dtype":"U8","shape":${shape},"data_offsets":[0,0]}}`));

      expect(message).toContain(`is ${shown}; expected a non-negative integer`);
    }
    expect(formatErrorMessage(buildFile({ w: { dtype: 'U8', shape: 3, data_offsets: [0, 3] } }))).toContain(
      'expected an array of dimensions',
    );
  });

  it('rejects a shape whose size overflows', () => {
    const file = buildFile({ w: entry('F64', [2 ** 26, 2 ** 26, 2], 0, 0) });

    expect(formatErrorMessage(file)).toContain('exceeds 2^53');
  });

  it('rejects malformed data_offsets', () => {
    for (const offsets of ['[0]', '[0,1,2]', '[-1,0]', '[0.5,1]', '"0,1"', '[0,"1"]']) {
      const message = formatErrorMessage(buildFile(`{"w":{"dtype":"U8","shape":[1],"data_offsets":${offsets}}}`, [0]));

      expect(message).toContain(`data_offsets ${JSON.stringify(JSON.parse(offsets))}; expected [begin, end]`);
    }
  });

  it('rejects begin after end', () => {
    const message = formatErrorMessage(buildFile({ w: entry('U8', [0], 3, 2) }, [0, 0, 0]));

    expect(message).toContain('tensor "w" has data_offsets [3, 2] whose begin is after its end');
  });

  it('rejects an end beyond the data buffer', () => {
    const message = formatErrorMessage(buildFile({ w: entry('F32', [2], 0, 8) }, [0, 0, 0, 0]));

    expect(message).toContain('data_offsets [0, 8] ending after the 4-byte data buffer');
  });

  it('rejects a byte range that does not match shape and dtype', () => {
    const message = formatErrorMessage(buildFile({ w: entry('F32', [2, 2], 0, 12) }, new Uint8Array(12)));

    expect(message).toContain('tensor "w" (F32, shape [2,2]) needs 16 bytes, but its data_offsets [0, 12] span 12');
  });

  it('rejects overlapping tensors', () => {
    const file = buildFile({ a: entry('F32', [2], 0, 8), b: entry('F32', [1], 4, 8) }, new Uint8Array(8));

    expect(formatErrorMessage(file)).toContain('tensor "b" with data_offsets [4, 8] overlaps tensor "a"');
  });

  it('rejects two tensors on the same range', () => {
    const file = buildFile({ a: entry('U8', [2], 0, 2), b: entry('U8', [2], 0, 2) }, [1, 2]);

    expect(formatErrorMessage(file)).toContain('overlaps');
  });

  it('rejects gaps between tensors and at the start', () => {
    const between = buildFile({ a: entry('U8', [2], 0, 2), b: entry('U8', [2], 4, 6) }, new Uint8Array(6));
    const atStart = buildFile({ a: entry('U8', [2], 2, 4) }, new Uint8Array(4));

    expect(formatErrorMessage(between)).toContain('bytes 2 to 4 of the data buffer belong to no tensor');
    expect(formatErrorMessage(atStart)).toContain('bytes 0 to 2 of the data buffer belong to no tensor');
  });

  it('rejects trailing bytes after the last tensor', () => {
    const file = buildFile({ a: entry('U8', [2], 0, 2) }, new Uint8Array(5));

    expect(formatErrorMessage(file)).toContain('the last 3 bytes belong to no tensor');
  });

  it('rejects metadata that is not a string map', () => {
    expect(formatErrorMessage(buildFile({ __metadata__: { step: 3 } }))).toContain(
      '__metadata__ value "step" is 3; expected a string',
    );
    expect(formatErrorMessage(buildFile({ __metadata__: { nested: { a: 'b' } } }))).toContain('"nested"');
    expect(formatErrorMessage(buildFile({ __metadata__: ['a'] }))).toContain('__metadata__ is ["a"]');
    expect(formatErrorMessage(buildFile({ __metadata__: 'pt' }))).toContain('expected a JSON object of string values');
  });

  it('disposes tensors decoded before a failing one', () => {
    // "a" and "b" decode fine; "c" contains an I64 value outside int32, so parsing fails after two
    // tensors were created.
    const data = littleEndian(16, (view) => {
      view.setFloat32(0, 1, true);
      view.setFloat32(4, 2, true);
      view.setBigInt64(8, 2n ** 40n, true);
    });
    const file = buildFile({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 4, 8), c: entry('I64', [1], 8, 16) }, data);

    expect(formatErrorMessage(file)).toContain('"c"');
  });

  it('shortens very long names in messages', () => {
    const name = 'n'.repeat(10_000);

    const message = formatErrorMessage(buildFile({ [name]: entry('F32', [1], 0, 3) }, [0, 0, 0]));

    expect(message.length).toBeLessThan(600);
  });

  it('rejects inputs that are not bytes', () => {
    expect(() => parseSafetensors('model.safetensors' as never)).toThrow(InvalidArgumentError);
    expect(() => parseSafetensors(null as never)).toThrow(InvalidArgumentError);
  });
});

describe('parseSafetensorsHeader', () => {
  const data = littleEndian(12, (view) => view.setFloat32(8, 3, true));
  const file = buildFile({ __metadata__: { format: 'pt' }, w: entry('F32', [1], 8, 12), ids: entry('I32', [2], 0, 8) }, data);

  it('describes tensors without creating any', () => {
    const before = tf.memory().numTensors;

    const header = parseSafetensorsHeader(file);

    expect(tf.memory().numTensors).toBe(before);
    expect([...header.tensors.keys()]).toEqual(['ids', 'w']);
    expect(header.tensors.get('w')).toEqual({ dtype: 'F32', shape: [1], dataOffsets: [8, 12] });
    expect(header.dataStart).toBe(8 + header.headerByteLength);
    expect(header.dataByteLength).toBe(12);
    expect({ ...header.metadata }).toEqual({ format: 'pt' });
  });

  it('accepts a prefix with the file size', () => {
    const prefix = file.subarray(0, file.length - data.length);

    const header = parseSafetensorsHeader(prefix, { fileByteLength: file.length });

    expect(header.tensors.get('ids')).toEqual({ dtype: 'I32', shape: [2], dataOffsets: [0, 8] });
  });

  it('rejects a prefix shorter than the header', () => {
    expect(() => parseSafetensorsHeader(file.subarray(0, 20), { fileByteLength: file.length })).toThrow(
      InvalidArgumentError,
    );
    expect(() => parseSafetensorsHeader(file.subarray(0, 4), { fileByteLength: file.length })).toThrow(
      InvalidArgumentError,
    );
    expect(() => parseSafetensorsHeader(file, { fileByteLength: 3 })).toThrow(InvalidArgumentError);
  });

  it('validates offsets against the stated file size', () => {
    const prefix = file.subarray(0, file.length - data.length);

    expect(() => parseSafetensorsHeader(prefix, { fileByteLength: file.length - 1 })).toThrow(CheckpointFormatError);
    expect(() => parseSafetensorsHeader(prefix)).toThrow(CheckpointFormatError);
  });
});
