import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CheckpointFormatError,
  initBackend,
  InvalidArgumentError,
  parseSafetensorsHeader,
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  writeSafetensors,
} from '../src';

let directory: string;

beforeAll(async () => {
  await initBackend();
});

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'peftjs-safetensors-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('writeSafetensors and readSafetensors', () => {
  it('round-trips tensors and metadata through a file', async () => {
    const path = join(directory, 'adapter_model.safetensors');
    const lora = tf.tensor2d([[0.25, -0.5], [1, 2], [3, 4]]);
    const steps = tf.tensor1d([7, 8], 'int32');
    const before = tf.memory().numTensors;

    await writeSafetensors(path, { 'lora_A.weight': lora, steps }, { metadata: { format: 'pt' }, dtypes: { steps: 'I64' } });
    const { tensors, metadata } = await readSafetensors(path);

    expect(tf.memory().numTensors).toBe(before + 2);
    expect(tensors.get('lora_A.weight')!.shape).toEqual([3, 2]);
    expect(Array.from(tensors.get('lora_A.weight')!.dataSync())).toEqual([0.25, -0.5, 1, 2, 3, 4]);
    expect(Array.from(tensors.get('steps')!.dataSync())).toEqual([7, 8]);
    expect({ ...metadata }).toEqual({ format: 'pt' });
    expect(await readdir(directory)).toEqual(['adapter_model.safetensors']);
    tf.dispose([lora, steps, ...tensors.values()]);
  });

  it('writes the same bytes as serializeSafetensors', async () => {
    const path = join(directory, 'w.safetensors');
    const weight = tf.tensor1d([1, 2, 3]);

    await writeSafetensors(path, new Map([['w', weight]]), { dtypes: { w: 'BF16' } });

    expect(new Uint8Array(await readFile(path))).toEqual(serializeSafetensors({ w: weight }, { dtypes: { w: 'BF16' } }));
    weight.dispose();
  });

  it('reads bytes as well as paths', async () => {
    const weight = tf.tensor1d([5, 6]);
    const bytes = serializeSafetensors({ w: weight });
    weight.dispose();

    for (const source of [bytes, bytes.slice().buffer as ArrayBuffer]) {
      const { tensors } = await readSafetensors(source);
      expect(Array.from(tensors.get('w')!.dataSync())).toEqual([5, 6]);
      tf.dispose([...tensors.values()]);
    }
  });

  it('keeps the previous file when serialization fails', async () => {
    const path = join(directory, 'model.safetensors');
    const good = tf.tensor1d([1, 2]);
    await writeSafetensors(path, { w: good });
    const previous = await readFile(path);
    const disposed = tf.scalar(1);
    disposed.dispose();

    await expect(writeSafetensors(path, { w: good }, { metadata: { epoch: 3 as never } })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(writeSafetensors(path, { w: disposed })).rejects.toThrow(/is disposed/);

    expect(await readFile(path)).toEqual(previous);
    expect(await readdir(directory)).toEqual(['model.safetensors']);
    good.dispose();
  });

  it('rejects a directory that does not exist', async () => {
    const weight = tf.scalar(1);

    await expect(writeSafetensors(join(directory, 'no', 'such', 'model.safetensors'), { w: weight })).rejects.toThrow(
      /directory ".*such" does not exist/,
    );
    expect(await readdir(directory)).toEqual([]);
    weight.dispose();
  });

  it('names the file in format errors', async () => {
    const path = join(directory, 'broken.safetensors');
    await writeFile(path, Uint8Array.from([1, 2, 3]));

    const failure = readSafetensors(path);

    await expect(failure).rejects.toThrow(CheckpointFormatError);
    await expect(readSafetensors(path)).rejects.toThrow(`${path}: Invalid safetensors file: the file is 3 bytes long`);
  });

  it('reports a missing file', async () => {
    await expect(readSafetensors(join(directory, 'absent.safetensors'))).rejects.toThrow(/file not found/);
    await expect(readSafetensorsHeader(join(directory, 'absent.safetensors'))).rejects.toThrow(InvalidArgumentError);
  });
});

describe('readSafetensorsHeader', () => {
  it('reads the header from a path without creating tensors', async () => {
    const path = join(directory, 'model.safetensors');
    const tensors = { big: tf.zeros([256, 256]), small: tf.tensor1d([1, 2], 'int32') };
    await writeSafetensors(path, tensors, { metadata: { format: 'pt' } });
    const expected = parseSafetensorsHeader(serializeSafetensors(tensors, { metadata: { format: 'pt' } }));
    tf.dispose(Object.values(tensors));
    const before = tf.memory().numTensors;

    const header = await readSafetensorsHeader(path);

    expect(tf.memory().numTensors).toBe(before);
    expect(header).toEqual(expected);
    expect(header.tensors.get('big')).toEqual({ dtype: 'F32', shape: [256, 256], dataOffsets: [0, 262144] });
  });

  it('checks offsets against the size of the file on disk', async () => {
    const path = join(directory, 'truncated.safetensors');
    const weight = tf.zeros([4, 4]);
    const bytes = serializeSafetensors({ w: weight });
    weight.dispose();
    await writeFile(path, bytes.subarray(0, bytes.length - 1));

    await expect(readSafetensorsHeader(path)).rejects.toThrow(CheckpointFormatError);
    await expect(readSafetensorsHeader(path)).rejects.toThrow(/^.*truncated\.safetensors: Invalid safetensors file: tensor "w"/);
  });

  it('rejects a header length beyond the file on disk', async () => {
    const path = join(directory, 'huge-header.safetensors');
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 60n, true);
    await writeFile(path, bytes);

    await expect(readSafetensorsHeader(path)).rejects.toThrow(/above the limit of 100000000 bytes/);
  });
});
