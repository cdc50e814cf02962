import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import { StagedDirectory } from '../../src/output-dir';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'peftjs-cli-staged-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('StagedDirectory', () => {
  it('shows the target only after commit', async () => {
    const target = join(root, 'run');
    const staged = await StagedDirectory.create(target);
    await writeFile(join(staged.staging, 'metrics.json'), '{}');
    expect(await exists(target)).toBe(false);
    await staged.commit();
    expect(await readFile(join(target, 'metrics.json'), 'utf8')).toBe('{}');
    expect(await readdir(root)).toEqual(['run']);
  });

  it('replaces the previous content on commit', async () => {
    const target = join(root, 'run');
    await mkdir(target);
    await writeFile(join(target, 'old.txt'), 'old');
    const staged = await StagedDirectory.create(target);
    await writeFile(join(staged.staging, 'new.txt'), 'new');
    await staged.commit();
    expect(await readdir(target)).toEqual(['new.txt']);
    expect(await readdir(root)).toEqual(['run']);
  });

  it('keeps the previous content on abandon', async () => {
    const target = join(root, 'run');
    await mkdir(target);
    await writeFile(join(target, 'old.txt'), 'old');
    const staged = await StagedDirectory.create(target);
    await writeFile(join(staged.staging, 'half.txt'), 'half');
    await staged.abandon();
    expect(await readdir(target)).toEqual(['old.txt']);
    expect(await readdir(root)).toEqual(['run']);
  });

  it('removes parents it created on abandon', async () => {
    const target = join(root, 'runs', 'nested', 'run');
    const staged = await StagedDirectory.create(target);
    await staged.abandon();
    expect(await readdir(root)).toEqual([]);
  });

  it('keeps created parents that gained other files', async () => {
    const target = join(root, 'runs', 'run');
    const staged = await StagedDirectory.create(target);
    await writeFile(join(root, 'runs', 'other.txt'), 'kept');
    await staged.abandon();
    expect(await readdir(join(root, 'runs'))).toEqual(['other.txt']);
  });

  it('rejects a target that is a file', async () => {
    const target = join(root, 'file.txt');
    await writeFile(target, 'x');
    await expect(StagedDirectory.create(target)).rejects.toThrow(InvalidArgumentError);
    await expect(StagedDirectory.create(target)).rejects.toThrow(`Output path ${target} exists and is not a directory; choose another --output.`);
    expect(await readdir(root)).toEqual(['file.txt']);
  });
});
