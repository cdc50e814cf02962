import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { assertBuilt, FIXTURES, runCli, SMALL_REVIEWS, temporaryDirectory } from './run-cli';

// Each case runs in an empty working directory with a relative --output, so the check that the
// directory is still empty afterwards also catches parent folders or staging folders left behind.

let cwd: string;

beforeAll(() => {
  assertBuilt();
});

beforeEach(async () => {
  cwd = await temporaryDirectory('failure');
});

afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Runs a command that must fail and returns its single stderr line. */
async function failureLine(args: string[]): Promise<string> {
  const result = await runCli(args, cwd);
  expect(result.code).toBe(1);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^peftjs: /);
  return lines[0];
}

async function expectNothingWritten(): Promise<void> {
  expect(await readdir(cwd)).toEqual([]);
}

const fastRun = ['--steps', '2', '--warmup', '0', '--eval-interval', '0', '--batch-size', '2', '--seq-len', '16'];

describe('finetune failures', () => {
  it('names a missing data file', async () => {
    const missing = join(cwd, 'missing.tsv');
    const line = await failureLine(['finetune', '--data', missing, '--output', 'runs/missing', ...fastRun]);
    expect(line).toBe(`peftjs: Cannot read data file ${missing}: ENOENT.`);
    await expectNothingWritten();
  });

  it('names a malformed TSV line', async () => {
    const malformed = join(FIXTURES, 'malformed.tsv');
    const line = await failureLine(['finetune', '--task', 'classify', '--data', malformed, '--output', 'runs/malformed', ...fastRun]);
    expect(line).toBe(`peftjs: Malformed line ${malformed}:3: expected "text<TAB>label" but found no tab.`);
    await expectNothingWritten();
  });

  it('rejects an unknown method', async () => {
    const line = await failureLine(['finetune', '--method', 'lorax', '--output', 'runs/unknown']);
    expect(line).toContain("option '--method <name>' argument 'lorax' is invalid. Allowed choices are lora, ia3");
    await expectNothingWritten();
  });

  it('rejects malformed JSON in --config', async () => {
    const line = await failureLine(['finetune', '--config', '{"architecture":"lora","r":', '--output', 'runs/json']);
    expect(line).toMatch(/^peftjs: --config is not valid JSON \(.+\); pass e\.g\. '\{"architecture":"lora","r":16\}'\.$/);
    await expectNothingWritten();
  });

  it('names an invalid config field', async () => {
    const line = await failureLine(['finetune', '--config', '{"architecture":"lora","r":0}', '--output', 'runs/field']);
    expect(line).toMatch(/^peftjs: Invalid LoRA config: r: .*>0/);
    await expectNothingWritten();
  });

  it('rejects an invalid config string', async () => {
    const line = await failureLine(['finetune', '--config', 'lorra[r=8]', '--output', 'runs/string']);
    expect(line).toMatch(/^peftjs: Invalid --config "lorra\[r=8\]": .*"lorra"/);
    await expectNothingWritten();
  });

  it('rejects a preset too wide for the model', async () => {
    const line = await failureLine(['finetune', '--method', 'compacter', '--data', SMALL_REVIEWS, '--output', 'runs/compacter', ...fastRun]);
    expect(line).toContain('phm_dim 4 does not divide its out_features 2');
    await expectNothingWritten();
  });

  it('rejects --head-only for language modelling', async () => {
    const line = await failureLine(['finetune', '--head-only', '--output', 'runs/head']);
    expect(line).toContain('add --task classify or choose an adapter method');
    await expectNothingWritten();
  });

  it('rejects --config with --method none', async () => {
    const line = await failureLine(['finetune', '--task', 'classify', '--method', 'none', '--config', '{"architecture":"lora"}']);
    expect(line).toContain('drop one of them');
    await expectNothingWritten();
  });

  it('rejects warm-up longer than training', async () => {
    const line = await failureLine(['finetune', '--steps', '5', '--output', 'runs/warmup']);
    expect(line).toBe('peftjs: --warmup 10 must be smaller than --steps 5.');
    await expectNothingWritten();
  });

  it('rejects a non-numeric option value', async () => {
    const line = await failureLine(['finetune', '--steps', 'many']);
    expect(line).toBe('peftjs: option \'--steps <n>\' argument \'many\' is invalid. expected a positive integer, got "many".');
    await expectNothingWritten();
  });

  it('names a missing model file', async () => {
    const line = await failureLine(['finetune', '--model', 'nowhere.bin', '--data', SMALL_REVIEWS, '--output', 'runs/model', ...fastRun]);
    expect(line).toBe('peftjs: --model nowhere.bin does not exist; pass an existing file or directory.');
    await expectNothingWritten();
  });

  it('rejects a corrupt checkpoint', async () => {
    await writeFile(join(cwd, 'broken.bin'), Buffer.alloc(40, 1));
    const line = await failureLine(['finetune', '--model', 'broken.bin', '--data', SMALL_REVIEWS, '--output', 'runs/broken', ...fastRun]);
    expect(line).toContain('llama2.c');
    expect(await readdir(cwd)).toEqual(['broken.bin']);
  });

  it('keeps a file that is in the way of --output', async () => {
    await writeFile(join(cwd, 'taken'), 'keep me');
    const line = await failureLine(['finetune', '--data', SMALL_REVIEWS, '--output', 'taken', ...fastRun]);
    expect(line).toBe('peftjs: Output path taken exists and is not a directory; choose another --output.');
    expect(await readdir(cwd)).toEqual(['taken']);
    expect(await readFile(join(cwd, 'taken'), 'utf8')).toBe('keep me');
  });

  it('rejects classification data with one label', async () => {
    await writeFile(join(cwd, 'one.tsv'), 'good\t1\nfine\t1\nnice\t1\n');
    const line = await failureLine(['finetune', '--task', 'classify', '--data', 'one.tsv', '--output', 'runs/one', ...fastRun]);
    expect(line).toContain('A classifier needs at least two labels, got ["1"]');
    expect(await readdir(cwd)).toEqual(['one.tsv']);
  });
});

describe('failures of the other commands', () => {
  it('eval names a missing adapter directory', async () => {
    const line = await failureLine(['eval', '--adapter', 'no-such-run']);
    expect(line).toBe('peftjs: --adapter no-such-run does not exist; pass the adapter directory that peftjs finetune wrote.');
  });

  it('eval rejects a directory without adapter files', async () => {
    const line = await failureLine(['eval', '--adapter', '.']);
    expect(line).toContain('contains neither adapter_config.json nor head_config.json');
  });

  it('eval --task classify needs a head', async () => {
    const line = await failureLine(['eval', '--task', 'classify']);
    expect(line).toContain('pass --adapter with the output of peftjs finetune --task classify');
  });

  it('eval rejects an unknown split', async () => {
    const line = await failureLine(['eval', '--split', 'test']);
    expect(line).toContain("argument 'test' is invalid. Allowed choices are held-out, train, all.");
  });

  it('generate rejects top-p above 1', async () => {
    const line = await failureLine(['generate', '--top-p', '2']);
    expect(line).toContain('expected a number greater than 0 and at most 1, got "2"');
  });

  it('merge requires --adapter', async () => {
    const line = await failureLine(['merge', '--output', 'merged']);
    expect(line).toBe("peftjs: required option '--adapter <dir>' not specified");
    await expectNothingWritten();
  });

  it('summary names a missing adapter', async () => {
    const line = await failureLine(['summary', '--adapter', 'gone']);
    expect(line).toContain('--adapter gone does not exist');
  });

  it('rejects an unknown command', async () => {
    const result = await runCli(['finetuen'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^peftjs: unknown command 'finetuen'/);
  });
});
