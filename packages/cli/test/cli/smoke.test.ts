import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { methodNames } from '../../src/methods';
import { assertBuilt, runCli, runCliOk, SMALL_REVIEWS, temporaryDirectory } from './run-cli';
import { hasRsvgConvert, renderPng, vegaSeries } from './svg-check';

// Every registered preset goes through finetune, eval, generate and merge on stories260K with
// the 40-sentence fixture: 30 training and 10 held-out sentences, three optimizer steps.

const STEPS = 3;
const split = ['--data', SMALL_REVIEWS, '--held-out', '0.25', '--seed', '3', '--seq-len', '32'];
// A learning rate well above the default moves the adapter far enough in three steps to change
// sampled text, which the generate check needs.
const finetuneArgs = [...split, '--steps', String(STEPS), '--warmup', '0', '--eval-interval', '0', '--batch-size', '4', '--lr', '0.03'];
const generateArgs = ['--prompt', 'Once upon a time', '--max-new-tokens', '48', '--temperature', '1', '--seed', '11'];

// Compacter's default reduction factor 32 gives stories260K (hidden size 64) a bottleneck of
// width 2, which its phm_dim 4 does not divide, so the library rejects these presets as they are
// (failures.test.ts checks the message). Here they run with a width of 4.
const sizedForModel: Record<string, string> = {
  compacter: 'compacter[reduction_factor=16]',
  'compacter++': 'compacter++[reduction_factor=16]',
};

let root: string;
let baseText: string;

beforeAll(async () => {
  assertBuilt();
  root = await temporaryDirectory('smoke');
  baseText = (await runCliOk(['generate', ...generateArgs])).stdout;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

interface Metrics {
  adapterConfig: { architecture: string };
  stepsCompleted: number;
  trainLoss: { step: number; loss: number }[];
  heldOutExamples: number;
  heldOut: { after: { loss: number; perplexity: number }; history: unknown[] };
}

interface Evaluation {
  examples: number;
  loss: number;
  perplexity: number;
}

const presets = methodNames();

it('finds the presets of every adapter package', () => {
  expect(presets).toEqual(expect.arrayContaining(['lora', 'ia3']));
  expect(presets.length).toBeGreaterThanOrEqual(2);
});

it.concurrent.each(presets)('%s: finetune, eval, generate and merge', async (preset) => {
  const run = join(root, preset);
  const adapterArgs = preset in sizedForModel ? ['--config', sizedForModel[preset]] : ['--method', preset];
  await runCliOk(['finetune', ...adapterArgs, ...finetuneArgs, '--output', run]);

  expect((await readdir(join(run, 'adapter'))).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
  const metrics = JSON.parse(await readFile(join(run, 'metrics.json'), 'utf8')) as Metrics;
  expect(metrics.stepsCompleted).toBe(STEPS);
  expect(metrics.trainLoss.map((point) => point.step)).toEqual([1, 2, 3]);
  expect(metrics.heldOutExamples).toBe(10);
  expect(metrics.heldOut.history).toHaveLength(2);

  const svg = await readFile(join(run, 'loss.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const series = vegaSeries(svg);
  expect(series.get('training batch')?.linePoints).toBe(STEPS);
  expect(series.get('held-out')).toEqual({ linePoints: 2, symbols: 2 });

  const unmerged = JSON.parse((await runCliOk(['eval', '--adapter', run, ...split, '--split', 'held-out', '--json'])).stdout) as Evaluation;
  expect(unmerged.examples).toBe(10);
  expect(Math.abs(unmerged.loss - metrics.heldOut.after.loss)).toBeLessThan(1e-6);

  const adaptedText = (await runCliOk(['generate', '--adapter', run, ...generateArgs])).stdout;
  expect(adaptedText.startsWith('Once upon a time')).toBe(true);
  expect(adaptedText).not.toBe(baseText);

  const merged = join(root, `${preset}-merged`);
  const merge = await runCli(['merge', '--adapter', run, '--output', merged]);
  if (metrics.adapterConfig.architecture !== 'lora') {
    // Only methods that change linear weights can be merged; the others fail cleanly.
    expect(merge.code).toBe(1);
    expect(merge.stderr.trim().split('\n')).toHaveLength(1);
    expect(merge.stderr).toContain('cannot be merged into the base weights');
    expect(await exists(merged)).toBe(false);
    return;
  }
  expect(merge.code).toBe(0);
  expect((await readdir(merged)).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.bin']);
  const mergedEvaluation = JSON.parse((await runCliOk(['eval', '--model', merged, ...split, '--split', 'held-out', '--json'])).stdout) as Evaluation;
  expect(mergedEvaluation.examples).toBe(10);
  expect(Math.abs(mergedEvaluation.perplexity - unmerged.perplexity)).toBeLessThan(1e-4);
});

const renderIt = hasRsvgConvert() ? it : it.skip;

renderIt('loss.svg renders to a PNG', async () => {
  const png = renderPng(join(root, 'lora', 'loss.svg'));
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.length).toBeGreaterThan(5000);
});
