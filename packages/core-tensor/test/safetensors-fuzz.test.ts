import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';

import { CheckpointFormatError, initBackend, parseSafetensors, parseSafetensorsHeader, serializeSafetensors } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Valid files to corrupt: every writable dtype, scalars, an empty tensor and metadata. */
function validFiles(): Uint8Array[] {
  const tensors = {
    'model.embed.weight': tf.tensor2d([[0.5, -1, 2], [3, -4.25, 1e-3]]),
    half: tf.tensor1d([1, -0.5, 65504, 2 ** -20]),
    brain: tf.tensor2d([[1e30, -7], [0, 0.1]]),
    ids: tf.tensor1d([1, -2, 2147483647], 'int32'),
    wide: tf.tensor1d([-(2 ** 31), 7], 'int32'),
    mask: tf.tensor1d([true, false, true], 'bool'),
    scalar: tf.scalar(42),
    empty: tf.zeros([0, 3]),
  };
  const full = serializeSafetensors(tensors, {
    metadata: { format: 'pt', source: 'fuzz' },
    dtypes: { half: 'F16', brain: 'BF16', wide: 'I64' },
  });
  const single = serializeSafetensors({ w: tensors['model.embed.weight'] });
  tf.dispose(Object.values(tensors));
  return [full, single];
}

interface Layout {
  headerLength: number;
  header: Record<string, unknown>;
  data: Uint8Array;
}

function splitFile(file: Uint8Array): Layout {
  const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength)));
  return { headerLength, header, data: file.subarray(8 + headerLength) };
}

function joinFile(headerText: string, data: Uint8Array): Uint8Array {
  const headerBytes = new TextEncoder().encode(headerText);
  const file = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  file.set(data, 8 + headerBytes.length);
  return file;
}

type Corruption = (file: Uint8Array) => Uint8Array;

const anyJson = fc.oneof(
  fc.integer({ min: -5, max: 1 << 20 }),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'F64', 'F8_E4M3', '__proto__', 'constructor'),
  fc.constant(null),
  fc.array(fc.integer({ min: -3, max: 1 << 12 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxKeys: 3 }),
);

const byteFlips: fc.Arbitrary<Corruption> = fc
  .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })
  .map((flips) => (file) => {
    const copy = file.slice();
    for (const [position, mask] of flips) copy[position % copy.length] ^= mask;
    return copy;
  });

const truncation: fc.Arbitrary<Corruption> = fc
  .nat()
  .map((cut) => (file) => file.slice(0, cut % file.length));

const extension: fc.Arbitrary<Corruption> = fc
  .uint8Array({ minLength: 1, maxLength: 16 })
  .map((extra) => (file) => {
    const longer = new Uint8Array(file.length + extra.length);
    longer.set(file);
    longer.set(extra, file.length);
    return longer;
  });

const lengthFieldEdit: fc.Arbitrary<Corruption> = fc
  .oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: -16, max: 16 }).map((delta) => delta))
  .map((edit) => (file) => {
    const copy = file.slice();
    const view = new DataView(copy.buffer);
    const current = view.getBigUint64(0, true);
    const next = typeof edit === 'bigint' ? edit : BigInt.asUintN(64, current + BigInt(edit));
    view.setBigUint64(0, next, true);
    return copy;
  });

/** Replaces one field (or the whole entry) of one header entry, keeping the length field right. */
const headerFieldEdit: fc.Arbitrary<Corruption> = fc
  .tuple(fc.nat(), fc.constantFrom('dtype', 'shape', 'data_offsets', 'entry', 'delete', 'add'), anyJson)
  .map(([index, field, value]) => (file) => {
    const { header, data } = splitFile(file);
    const names = Object.keys(header);
    const name = names[index % names.length];
    const target = header[name] as Record<string, unknown>;
    if (field === 'entry') header[name] = value;
    else if (field === 'delete') delete header[name];
    else if (field === 'add') Object.defineProperty(header, `extra${index % 3}`, { value, enumerable: true });
    else if (typeof target === 'object' && target !== null) target[field] = value;
    return joinFile(JSON.stringify(header), data);
  });

/** Moves one offset or dimension by a small amount, which keeps the header well-formed JSON. */
const numberNudge: fc.Arbitrary<Corruption> = fc
  .tuple(fc.nat(), fc.nat(), fc.integer({ min: -9, max: 9 }))
  .map(([entryIndex, numberIndex, delta]) => (file) => {
    const { header, data } = splitFile(file);
    const names = Object.keys(header).filter((name) => name !== '__metadata__');
    const target = header[names[entryIndex % names.length]] as { shape: number[]; data_offsets: number[] };
    const numbers = [...target.shape.map((_, i) => ['shape', i] as const), ['data_offsets', 0] as const, ['data_offsets', 1] as const];
    const [key, position] = numbers[numberIndex % numbers.length];
    target[key][position] += delta;
    return joinFile(JSON.stringify(header), data);
  });

/** Overwrites one header character with a JSON-significant one, keeping the length. */
const headerCharacterEdit: fc.Arbitrary<Corruption> = fc
  .tuple(fc.nat(), fc.constantFrom(...'{}[]":,-.0123456789eE \\u'.split('')))
  .map(([position, character]) => (file) => {
    const { headerLength } = splitFile(file);
    const copy = file.slice();
    copy[8 + (position % headerLength)] = character.charCodeAt(0);
    return copy;
  });

const corruption = fc.oneof(
  byteFlips,
  truncation,
  extension,
  lengthFieldEdit,
  headerFieldEdit,
  numberNudge,
  headerCharacterEdit,
);

describe('safetensors corrupted files', () => {
  let files: Uint8Array[] = [];
  beforeAll(() => {
    files = validFiles();
  });

  it('parse succeeds or raises CheckpointFormatError without leaking', () => {
    fc.assert(
      fc.property(fc.nat(), corruption, (fileIndex, corrupt) => {
        const file = corrupt(files[fileIndex % files.length]);
        const before = tf.memory().numTensors;
        try {
          const { tensors } = parseSafetensors(file);
          tf.dispose([...tensors.values()]);
        } catch (error) {
          if (!(error instanceof CheckpointFormatError)) throw error;
          expect(error.message).toMatch(/^Invalid safetensors file: |int32 range|float32 range|expected 0 \(false\)/);
        }
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 3000 },
    );
  });

  it('header parse succeeds or raises CheckpointFormatError', () => {
    fc.assert(
      fc.property(fc.nat(), corruption, (fileIndex, corrupt) => {
        const file = corrupt(files[fileIndex % files.length]);
        try {
          parseSafetensorsHeader(file);
        } catch (error) {
          if (!(error instanceof CheckpointFormatError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects the corrupted files that the corruptions are meant to break', () => {
    // Guards against a fuzz run that never reaches the validation: these edits must all fail.
    const [file] = files;
    const { header, data } = splitFile(file);
    const broken = [
      file.slice(0, file.length - 1),
      joinFile(JSON.stringify({ ...header, mask: { ...(header.mask as object), shape: [4] } }), data),
      joinFile(JSON.stringify({ ...header, ids: { ...(header.ids as object), dtype: 'X' } }), data),
    ];
    for (const corrupted of broken) {
      expect(() => parseSafetensors(corrupted)).toThrow(CheckpointFormatError);
    }
  });
});
