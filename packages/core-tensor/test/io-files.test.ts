import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fileByteLength, InvalidArgumentError, readFileBytes, readFileRange, writeFileAtomic } from '../src';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'peftjs-io-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes bytes and strings and leaves no temporary file', async () => {
    const binary = join(directory, 'data.bin');
    const text = join(directory, 'notes.txt');

    await writeFileAtomic(binary, Uint8Array.from([0, 1, 254, 255]));
    await writeFileAtomic(text, 'grüße ✓\n');

    expect(Array.from(await readFile(binary))).toEqual([0, 1, 254, 255]);
    expect(await readFile(text, 'utf8')).toBe('grüße ✓\n');
    expect((await readdir(directory)).sort()).toEqual(['data.bin', 'notes.txt']);
  });

  it('writes only the bytes of a sub-array', async () => {
    const path = join(directory, 'part.bin');
    const whole = Uint8Array.from([9, 8, 7, 6, 5]);

    await writeFileAtomic(path, whole.subarray(1, 3));

    expect(Array.from(await readFile(path))).toEqual([8, 7]);
  });

  it('replaces an existing file and keeps its permissions', async () => {
    const path = join(directory, 'config.json');
    await writeFile(path, 'old');
    await chmod(path, 0o640);

    await writeFileAtomic(path, 'new');

    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(directory)).toEqual(['config.json']);
  });

  it('rejects a missing directory without creating anything', async () => {
    const path = join(directory, 'missing', 'file.bin');

    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(InvalidArgumentError);
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(/directory ".*missing" does not exist/);
    expect(await readdir(directory)).toEqual([]);
  });

  it('rejects a parent path that is a file', async () => {
    await writeFile(join(directory, 'plain'), 'x');

    await expect(writeFileAtomic(join(directory, 'plain', 'file.bin'), 'y')).rejects.toThrow(InvalidArgumentError);
    expect(await readFile(join(directory, 'plain'), 'utf8')).toBe('x');
  });

  it('removes the temporary file when the rename fails', async () => {
    // Renaming a file over a directory fails (EISDIR on Linux), after the data was written.
    const target = join(directory, 'occupied');
    await mkdir(target);
    await writeFile(join(target, 'inside.txt'), 'keep');

    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();

    expect(await readdir(directory)).toEqual(['occupied']);
    expect(await readFile(join(target, 'inside.txt'), 'utf8')).toBe('keep');
  });

  it('leaves one complete version after concurrent writes', async () => {
    const path = join(directory, 'race.txt');
    const versions = Array.from({ length: 8 }, (_, i) => `version ${i} `.repeat(10_000));

    await Promise.all(versions.map((version) => writeFileAtomic(path, version)));

    expect(versions).toContain(await readFile(path, 'utf8'));
    expect(await readdir(directory)).toEqual(['race.txt']);
  });

  it('rejects invalid arguments', async () => {
    await expect(writeFileAtomic('', 'x')).rejects.toThrow(/invalid path ""/);
    await expect(writeFileAtomic(42 as never, 'x')).rejects.toThrow(InvalidArgumentError);
    await expect(writeFileAtomic(join(directory, 'a'), 42 as never)).rejects.toThrow(
      /invalid data of type number .* expected a Uint8Array or a string/,
    );
    expect(await readdir(directory)).toEqual([]);
  });
});

describe('readFileBytes and readFileRange', () => {
  it('reads a whole file', async () => {
    const path = join(directory, 'bytes.bin');
    await writeFile(path, Uint8Array.from([1, 2, 3, 250]));

    const bytes = await readFileBytes(path);

    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes)).toEqual([1, 2, 3, 250]);
    expect(await fileByteLength(path)).toBe(4);
  });

  it('reads a range and stops at the end of the file', async () => {
    const path = join(directory, 'range.bin');
    await writeFile(path, Uint8Array.from({ length: 100 }, (_, i) => i));

    expect(Array.from(await readFileRange(path, 10, 5))).toEqual([10, 11, 12, 13, 14]);
    expect(Array.from(await readFileRange(path, 97, 10))).toEqual([97, 98, 99]);
    expect((await readFileRange(path, 200, 4)).length).toBe(0);
    expect((await readFileRange(path, 0, 0)).length).toBe(0);
  });

  it('reports missing files and directories', async () => {
    const missing = join(directory, 'nope.bin');

    await expect(readFileBytes(missing)).rejects.toThrow(InvalidArgumentError);
    await expect(readFileBytes(missing)).rejects.toThrow(/cannot read ".*nope.bin": file not found/);
    await expect(readFileRange(missing, 0, 8)).rejects.toThrow(/file not found/);
    await expect(fileByteLength(missing)).rejects.toThrow(/file not found/);
    await expect(readFileBytes(directory)).rejects.toThrow(/it is a directory/);
    await expect(fileByteLength(directory)).rejects.toThrow(/it is a directory/);
  });

  it('rejects invalid ranges and paths', async () => {
    const path = join(directory, 'r.bin');
    await writeFile(path, 'abc');

    await expect(readFileRange(path, -1, 2)).rejects.toThrow(/invalid position -1/);
    await expect(readFileRange(path, 0, 1.5)).rejects.toThrow(/invalid length 1.5/);
    await expect(readFileBytes('' as never)).rejects.toThrow(InvalidArgumentError);
  });
});

describe('file functions outside Node.js', () => {
  it('raise a clear error for paths', async () => {
    const original = Object.getOwnPropertyDescriptor(process, 'versions')!;
    Object.defineProperty(process, 'versions', { ...original, value: { ...process.versions, node: undefined } });
    try {
      await expect(readFileBytes(join(directory, 'x'))).rejects.toThrow(/takes a file path, which needs Node.js/);
      await expect(writeFileAtomic(join(directory, 'x'), 'x')).rejects.toThrow(InvalidArgumentError);
    } finally {
      Object.defineProperty(process, 'versions', original);
    }
    expect(process.versions.node).toBeDefined();
  });
});
