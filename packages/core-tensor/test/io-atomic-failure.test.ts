import { join } from 'node:path';
import { tmpdir } from 'node:os';

import { writeFileAtomic } from '../src';

// writeFileAtomic loads node:fs/promises at call time, so this mock (which passes every call
// through to the real module unless a test overrides it) lets a test fail one step of the write.
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual('node:fs/promises');
  return { ...actual, open: jest.fn(actual.open), rename: jest.fn(actual.rename) };
});

const fs = require('node:fs/promises') as typeof import('node:fs/promises') & {
  open: jest.Mock;
  rename: jest.Mock;
};
const actual = jest.requireActual('node:fs/promises') as typeof import('node:fs/promises');

let directory: string;

beforeEach(async () => {
  fs.open.mockClear();
  fs.rename.mockClear();
  directory = await actual.mkdtemp(join(tmpdir(), 'peftjs-io-failure-'));
});

afterEach(async () => {
  await actual.rm(directory, { recursive: true, force: true });
});

function simulatedError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated failure`), { code });
}

describe('writeFileAtomic failures', () => {
  it('keeps the previous file when the rename fails', async () => {
    const path = join(directory, 'weights.bin');
    await actual.writeFile(path, 'previous');
    fs.rename.mockRejectedValueOnce(simulatedError('EXDEV'));

    await expect(writeFileAtomic(path, 'replacement')).rejects.toThrow('EXDEV: simulated failure');

    expect(await actual.readFile(path, 'utf8')).toBe('previous');
    expect(await actual.readdir(directory)).toEqual(['weights.bin']);
  });

  it('keeps the previous file when flushing fails', async () => {
    const path = join(directory, 'weights.bin');
    await actual.writeFile(path, 'previous');
    fs.open.mockImplementationOnce(async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      handle.sync = () => Promise.reject(simulatedError('ENOSPC'));
      return handle;
    });

    await expect(writeFileAtomic(path, 'replacement')).rejects.toThrow('ENOSPC: simulated failure');

    expect(await actual.readFile(path, 'utf8')).toBe('previous');
    expect(await actual.readdir(directory)).toEqual(['weights.bin']);
    expect(fs.rename).not.toHaveBeenCalled();
  });

  it('writes through the mock when nothing fails', async () => {
    const path = join(directory, 'ok.bin');

    await writeFileAtomic(path, 'fine');

    expect(await actual.readFile(path, 'utf8')).toBe('fine');
    expect(fs.rename).toHaveBeenCalledTimes(1);
  });
});
