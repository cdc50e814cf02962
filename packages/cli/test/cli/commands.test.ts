import { spawn } from 'node:child_process';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { assertBuilt, BIN, runCli, runCliOk, SMALL_REVIEWS, temporaryDirectory } from './run-cli';

// Success paths of every command on stories260K with the 40-sentence fixture.

const split = ['--data', SMALL_REVIEWS, '--held-out', '0.25', '--seed', '5', '--seq-len', '32'];
const fastRun = [...split, '--steps', '3', '--warmup', '0', '--eval-interval', '0', '--batch-size', '4'];

let root: string;

beforeAll(async () => {
  assertBuilt();
  root = await temporaryDirectory('commands');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('help', () => {
  it('lists every command', async () => {
    const { stdout } = await runCliOk(['--help']);
    for (const command of ['finetune', 'eval', 'generate', 'merge', 'summary']) expect(stdout).toContain(`  ${command} [options]`);
  });

  it.each([
    ['finetune', ['--task <task>', '--head-only', '--config <config>', '(default: 0.003)', '(default: 0.1)', 'in tokens']],
    ['eval', ['--adapter <dir>', '--split <part>', '--json', '(default: 64)']],
    ['generate', ['--prompt <text>', '--max-new-tokens <n>', '--temperature <t>', '--top-k <k>', '--top-p <p>', '--seed <n>']],
    ['merge', ['--adapter <dir>', '(default: "runs/merged")']],
    ['summary', ['--adapter <dir>', '--model <path>']],
  ])('%s --help describes its options', async (command, expected) => {
    const { stdout } = await runCliOk([command, '--help']);
    // Commander wraps help text to the terminal width.
    const text = stdout.replace(/\s+/g, ' ');
    for (const part of expected) expect(text).toContain(part);
  });

  it('prints the package version', async () => {
    const { stdout } = await runCliOk(['--version']);
    const { version } = await readJson<{ version: string }>(join(__dirname, '..', '..', 'package.json'));
    expect(stdout.trim()).toBe(version);
  });
});

describe('language modelling', () => {
  interface LmMetrics {
    heldOut: { before: { loss: number }; after: { loss: number } };
    adapterConfig: { r: number; alpha: number };
  }
  interface LmEvaluation {
    examples: number;
    loss: number;
    perplexity: number;
    adapter: string | null;
  }

  let cwd: string;
  let metrics: LmMetrics;

  beforeAll(async () => {
    cwd = root;
    await runCliOk(['finetune', '--config', 'lora[r=4,alpha=12]', ...fastRun], cwd);
    metrics = await readJson<LmMetrics>(join(cwd, 'runs', 'finetune', 'metrics.json'));
  });

  it('writes to runs/finetune by default', async () => {
    expect((await readdir(join(cwd, 'runs', 'finetune'))).sort()).toEqual(['adapter', 'loss.svg', 'metrics.json']);
  });

  it('reads the config string of --config', async () => {
    expect(metrics.adapterConfig.r).toBe(4);
    expect(metrics.adapterConfig.alpha).toBe(12);
    const saved = await readJson<{ r: number; lora_alpha: number }>(join(cwd, 'runs', 'finetune', 'adapter', 'adapter_config.json'));
    expect(saved.r).toBe(4);
  });

  it('eval matches the pre-training score', async () => {
    const result = JSON.parse((await runCliOk(['eval', ...split, '--split', 'held-out', '--json'])).stdout) as LmEvaluation;
    expect(result.adapter).toBeNull();
    expect(result.examples).toBe(10);
    expect(Math.abs(result.loss - metrics.heldOut.before.loss)).toBeLessThan(1e-6);
    expect(result.perplexity).toBeCloseTo(Math.exp(result.loss), 10);
  });

  it('eval selects train and all parts', async () => {
    const train = JSON.parse((await runCliOk(['eval', ...split, '--split', 'train', '--json'])).stdout) as LmEvaluation;
    const all = JSON.parse((await runCliOk(['eval', ...split, '--json'])).stdout) as LmEvaluation;
    expect(train.examples).toBe(30);
    expect(all.examples).toBe(40);
  });

  it('eval prints one sentence without --json', async () => {
    const { stdout } = await runCliOk(['eval', '--adapter', join(cwd, 'runs', 'finetune'), ...split, '--split', 'held-out']);
    expect(stdout).toMatch(/^perplexity \d+\.\d{3} \(loss \d\.\d{4} nats\/token\) on 10 held-out examples, adapter .*adapter\n$/);
  });

  it('summary prints the adapter table', async () => {
    const { stdout } = await runCliOk(['summary', '--adapter', join(cwd, 'runs', 'finetune')]);
    expect(stdout).toContain('"r":4');
    expect(stdout).toMatch(/default\s+lora\s+/);
    expect(stdout).toMatch(/Full model\s+260,032\s+100\.000/);
  });

  it('generate repeats a sample for a seed', async () => {
    const args = ['generate', '--prompt', 'The cat', '--max-new-tokens', '30', '--seed', '4'];
    const first = await runCliOk(args);
    const second = await runCliOk(args);
    expect(first.stdout.startsWith('The cat')).toBe(true);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stderr).toBe('');
  });

  it('generate prints the seed it drew', async () => {
    const { stderr } = await runCliOk(['generate', '--max-new-tokens', '5']);
    expect(stderr).toMatch(/^sampling seed \d+ \(pass --seed \d+ to repeat\)\n$/);
  });

  it('generate of zero tokens prints prompt', async () => {
    const { stdout } = await runCliOk(['generate', '--prompt', 'Lily and Ben', '--max-new-tokens', '0', '--temperature', '0']);
    expect(stdout).toBe('Lily and Ben\n');
  });
});

describe('interrupting finetune', () => {
  it('saves the steps trained so far', async () => {
    const output = join(root, 'interrupted');
    const child = spawn(process.execPath, [BIN, 'finetune', ...fastRun, '--steps', '100000', '--output', output], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The adapter line comes right before the first optimizer step. A second SIGINT would end
      // the process at once, so send only one.
      if (!interrupted && stdout.includes('trainable parameters')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    // Ends the child if the interrupt is ignored, so a failing test leaves no process behind.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolvePromise) => child.on('close', resolvePromise));
    clearTimeout(guard);

    expect(code).toBe(0);
    expect(stderr).toContain('Interrupted: finishing the current step and saving what was trained');
    expect(stdout).toContain('stopped after');
    const metrics = await readJson<{ stoppedEarly: boolean; stepsCompleted: number; stepsPlanned: number }>(join(output, 'metrics.json'));
    expect(metrics.stoppedEarly).toBe(true);
    expect(metrics.stepsPlanned).toBe(100000);
    expect(metrics.stepsCompleted).toBeLessThan(100000);
    expect(await exists(join(output, 'adapter', 'adapter_model.safetensors'))).toBe(true);
  });
});

describe('classification', () => {
  interface ClassifyMetrics {
    labels: string[];
    adapterConfig: { intermediate_lora: boolean; output_lora: boolean; attn_matrices: string[] } | null;
    heldOutExamples: number;
    heldOut: { after: { accuracy: number; correct: number; loss: number } };
  }
  interface ClassifyEvaluation {
    task: string;
    examples: number;
    correct: number;
    accuracy: number;
    loss: number;
  }

  let cwd: string;

  beforeAll(async () => {
    cwd = await temporaryDirectory('classify');
  });

  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('trains LoRA and head by default', async () => {
    const { stdout } = await runCliOk(['finetune', '--task', 'classify', ...fastRun], cwd);
    expect(stdout).toContain('held-out accuracy before');
    expect(stdout).toContain('held-out accuracy after');
    const run = join(cwd, 'runs', 'classify');
    expect((await readdir(run)).sort()).toEqual(['adapter', 'loss.svg', 'metrics.json']);
    expect((await readdir(join(run, 'adapter'))).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'head.safetensors',
      'head_config.json',
    ]);
    const metrics = await readJson<ClassifyMetrics>(join(run, 'metrics.json'));
    expect(metrics.labels).toEqual(['0', '1']);
    expect(metrics.heldOutExamples).toBe(10);
    expect(metrics.adapterConfig).toMatchObject({ intermediate_lora: true, output_lora: true, attn_matrices: ['q', 'k', 'v', 'o'] });

    const evaluation = JSON.parse((await runCliOk(['eval', '--adapter', run, ...split, '--split', 'held-out', '--json'])).stdout) as ClassifyEvaluation;
    expect(evaluation.task).toBe('classify');
    expect(evaluation.examples).toBe(10);
    expect(evaluation.correct).toBe(metrics.heldOut.after.correct);
    expect(Math.abs(evaluation.loss - metrics.heldOut.after.loss)).toBeLessThan(1e-6);

    const summary = await runCliOk(['summary', '--adapter', run]);
    expect(summary.stdout).toContain('classification head: score [2 × 64], 128 parameters, labels 0, 1');
  });

  it('trains the head alone with --head-only', async () => {
    const run = join(cwd, 'head-only');
    await runCliOk(['finetune', '--task', 'classify', '--head-only', ...fastRun, '--output', run], cwd);
    expect((await readdir(join(run, 'adapter'))).sort()).toEqual(['head.safetensors', 'head_config.json']);
    const metrics = await readJson<ClassifyMetrics>(join(run, 'metrics.json'));
    expect(metrics.adapterConfig).toBeNull();

    const evaluation = JSON.parse((await runCliOk(['eval', '--adapter', run, ...split, '--split', 'held-out', '--json'])).stdout) as ClassifyEvaluation;
    expect(evaluation.correct).toBe(metrics.heldOut.after.correct);
    const sentence = await runCliOk(['eval', '--adapter', run, ...split, '--split', 'held-out']);
    expect(sentence.stdout).toMatch(/^accuracy \d+\.\d{2}% \(\d+ of 10 held-out examples; loss \d\.\d{4} nats\/example\)\n$/);

    const summary = await runCliOk(['summary', '--adapter', run]);
    expect(summary.stdout).toContain('no adapter files: a head-only classification run');

    const merge = await runCli(['merge', '--adapter', run, '--output', join(cwd, 'merged')]);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toMatch(/^peftjs: --adapter .* contains only a classification head and no adapter, so there is nothing to merge\.\n$/);
    expect(await exists(join(cwd, 'merged'))).toBe(false);

    const generate = await runCli(['generate', '--adapter', run]);
    expect(generate.code).toBe(1);
    expect(generate.stderr).toContain('contains only a classification head, which cannot generate text');

    const none = join(cwd, 'none');
    await runCliOk(['finetune', '--task', 'classify', '--method', 'none', ...fastRun, '--output', none], cwd);
    const noneMetrics = await readJson<ClassifyMetrics>(join(none, 'metrics.json'));
    expect(noneMetrics.heldOut.after).toEqual(metrics.heldOut.after);
  });
});
