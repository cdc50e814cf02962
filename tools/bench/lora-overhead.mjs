// Cost of LoRA (r = 8 on the query and value projections) on a randomly initialised BERT-base-sized
// encoder, batch 8 × 128: forward time unmerged and merged against the model without an adapter,
// and one training step with the base frozen against full fine-tuning, with trainable-parameter
// share and memory.
//
// Run from the repository root after `npm run build` (it imports the built packages by name):
//   node tools/bench/lora-overhead.mjs [--warmup 1] [--repetitions 5]
//     [--train-warmup 1] [--train-repetitions 3] [--train-batch 1] [--phases profile,forward,train]
//     [--json out.json]
//
// Method: every round times each setup once, in an order that rotates from round to round. A ratio
// is the median over rounds of (setup time ÷ reference time in the same round), so load from other
// processes affects both alike. Switching setups (adding, merging, deleting the adapter,
// freezing) happens between timings. The profile phase runs each setup once under tf.profile before
// any timing, in order of growing memory, because the wasm heap and the resident set size only grow.
//
// The training steps use batch 1 × 128 by default. At 8 × 128 a step needs more than the 4 GiB a
// wasm heap can hold, because tfjs keeps a copy of every tensor that a backward pass reads and
// every intermediate gradient until the pass ends. At 2 × 128 the first full fine-tuning step
// fits, but the second one, with AdamW's moments in place, runs out of wasm memory
// (docs/benchmarks.md has the figures).
import * as tf from '@tensorflow/tfjs';
import { AdamW, initBackend, trainStep } from '@peftjs/core-tensor';
import { LoRAConfig } from '@peftjs/adapters-lora';
import { BertModel, createBertConfig } from '@peftjs/models';

import { describeMachine, memorySnapshot, printMachine } from './lib/machine.mjs';
import { profileMatMulWork, settle } from './lib/matmul.mjs';
import { BERT_BASE_CONFIG, randomTokenIds } from './lib/models.mjs';
import { parseBenchOptions, parseCount } from './lib/options.mjs';
import { fixed, mebibytes, printTable, writeJson } from './lib/report.mjs';
import { measureMs, median, pairedRatios, range } from './lib/stats.mjs';

const [BATCH, LENGTH] = [8, 128];
const ADAPTER = 'lora';
/**
 * LoRA on q and v. `init_weights: "bert"` draws both A and B from normal(0, 0.02), so the adapter
 * changes the output as a trained one would, and the merge check below can fail.
 */
const LORA_CONFIG = LoRAConfig({ r: 8, alpha: 16, attn_matrices: ['q', 'v'], init_weights: 'bert' });
/** Learning rate of both training setups: small, so that repeated steps keep the loss finite. */
const LEARNING_RATE = 1e-5;

const TARGETS = { unmerged: 1.1, merged: 1.02, frozenStep: 0.75 };
const PHASES = ['profile', 'forward', 'train'];

const options = parseBenchOptions(
  { warmup: 1, repetitions: 5 },
  {
    'train-warmup': { type: 'string', default: '1' },
    'train-repetitions': { type: 'string', default: '3' },
    'train-batch': { type: 'string', default: '1' },
    phases: { type: 'string', default: PHASES.join(',') },
  },
);
const trainWarmup = parseCount('train-warmup', options.values['train-warmup']);
const trainRepetitions = parseCount('train-repetitions', options.values['train-repetitions']);
if (trainRepetitions < 1) throw new Error('--train-repetitions must be at least 1.');
const trainBatch = parseCount('train-batch', options.values['train-batch']);
if (trainBatch < 1) throw new Error('--train-batch must be at least 1.');
const phases = new Set(options.values.phases.split(',').map((phase) => phase.trim()));
for (const phase of phases) {
  if (!PHASES.includes(phase)) throw new Error(`Unknown phase "${phase}" in --phases; use a comma-separated list of: ${PHASES.join(', ')}.`);
}

await initBackend();
const machine = await describeMachine();
printMachine(machine);

const model = new BertModel(createBertConfig(BERT_BASE_CONFIG), { seed: 0 });
const inputIds = randomTokenIds(BATCH, LENGTH, BERT_BASE_CONFIG.vocab_size, 7);
const trainIds = randomTokenIds(trainBatch, LENGTH, BERT_BASE_CONFIG.vocab_size, 9);
const target = tf.randomNormal([trainBatch, LENGTH, BERT_BASE_CONFIG.hidden_size], 0, 1, 'float32', 11);

// ---- Setups. Each `enter` function brings the model from any state into its setup. ----

let adapterOptimizer = null;
let fullOptimizer = null;

function hasAdapter() {
  return model.adapterNames.includes(ADAPTER);
}

function isMerged() {
  return hasAdapter() && model.adapterSummary().adapters.some((row) => row.name === ADAPTER && row.merged);
}

function removeAdapter() {
  if (hasAdapter()) model.deleteAdapter(ADAPTER);
  adapterOptimizer?.dispose();
  adapterOptimizer = null;
}

const forwardSetups = {
  'no adapter'() {
    removeAdapter();
    model.eval();
  },
  'LoRA unmerged'() {
    if (!hasAdapter()) model.addAdapter(ADAPTER, LORA_CONFIG, { setActive: true });
    if (isMerged()) model.unmergeAdapter(ADAPTER);
    model.setActiveAdapters(ADAPTER);
    model.eval();
  },
  'LoRA merged'() {
    if (!hasAdapter()) model.addAdapter(ADAPTER, LORA_CONFIG, { setActive: true });
    if (!isMerged()) model.mergeAdapter(ADAPTER);
    model.eval();
  },
};

/**
 * Creates the AdamW moments of every trainable parameter before the first timed step, as they
 * exist from the second step of a real run on: a step with zero gradients and learning rate 0
 * leaves the weights unchanged.
 */
function allocateMoments(optimizer) {
  optimizer.setLearningRate(0);
  for (const parameter of model.parameters().filter((p) => p.trainable)) {
    const zero = tf.zerosLike(parameter.value);
    optimizer.applyGradients({ [parameter.variable.name]: zero }, []);
    zero.dispose();
  }
  optimizer.setLearningRate(LEARNING_RATE);
}

// Full fine-tuning's moments take 2 × 418 MiB of the 4 GiB wasm heap, so the frozen-base setup
// releases them and leaves that memory to its own step. Re-creating them happens outside the timing.
const trainSetups = {
  'LoRA, base frozen'() {
    fullOptimizer?.dispose();
    fullOptimizer = null;
    removeAdapter();
    model.addAdapter(ADAPTER, LORA_CONFIG);
    model.trainAdapter(ADAPTER);
    adapterOptimizer = new AdamW({ learningRate: LEARNING_RATE });
    allocateMoments(adapterOptimizer);
  },
  'full fine-tuning'() {
    removeAdapter();
    model.setTrainable(true);
    model.train();
    if (fullOptimizer === null) {
      fullOptimizer = new AdamW({ learningRate: LEARNING_RATE });
      allocateMoments(fullOptimizer);
    }
  },
};

function forwardPass() {
  const { lastHiddenState, poolerOutput } = model.forward(inputIds);
  settle(lastHiddenState);
  tf.dispose([lastHiddenState, poolerOutput]);
}

/**
 * Mean squared error of the last hidden state against a fixed random target, plus the mean square
 * of the pooler output, so that every parameter gets a gradient in full fine-tuning.
 */
function loss() {
  const { lastHiddenState, poolerOutput } = model.forward(trainIds);
  return tf.add(tf.mean(tf.square(tf.sub(lastHiddenState, target))), tf.mean(tf.square(poolerOutput)));
}

function trainingStep() {
  const optimizer = hasAdapter() ? adapterOptimizer : fullOptimizer;
  trainStep(model.parameters(), loss, optimizer);
}

function trainableShare() {
  const parameters = model.parameters();
  const total = parameters.reduce((sum, p) => sum + p.size, 0);
  const trainable = parameters.filter((p) => p.trainable).reduce((sum, p) => sum + p.size, 0);
  return { trainable, total, share: trainable / total };
}

/**
 * Runs rounds of one timing of every setup, rotating the order each round, and returns the
 * measured wall and CPU milliseconds per setup.
 */
function timeRounds(label, setups, run, warmup, repetitions) {
  const names = Object.keys(setups);
  const wall = Object.fromEntries(names.map((name) => [name, []]));
  const cpu = Object.fromEntries(names.map((name) => [name, []]));
  const rounds = warmup + repetitions;
  console.log(`\n${label}: ${warmup} warm-up and ${repetitions} measured rounds`);
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    const line = [];
    for (const name of order) {
      setups[name]();
      const { wallMs, cpuMs } = measureMs(run);
      line.push(`${name} ${wallMs.toFixed(0)} ms (CPU ${cpuMs.toFixed(0)} ms)`);
      if (round < warmup) continue;
      wall[name].push(wallMs);
      cpu[name].push(cpuMs);
    }
    console.log(`  round ${round + 1}/${rounds}: ${line.join(', ')}`);
  }
  return { wall, cpu };
}

function formatTimes(values) {
  const { min, max } = range(values);
  return `${fixed(median(values), 0)} (${fixed(min, 0)}–${fixed(max, 0)})`;
}

function formatRatio(ratio) {
  return `${fixed(ratio.median, 3)} (${fixed(ratio.min, 3)}–${fixed(ratio.max, 3)})`;
}

function verdict(ratio, target) {
  return ratio <= target ? `met (≤ ${target})` : `MISSED (> ${target})`;
}

const result = { benchmark: 'lora-overhead', machine, batch: BATCH, trainBatch, length: LENGTH, lora: LORA_CONFIG, targets: TARGETS };

// ---- Sanity check: the adapter changes the output, and merging keeps it. ----
{
  const outputOf = () => {
    const { lastHiddenState, poolerOutput } = model.forward(inputIds);
    const values = lastHiddenState.dataSync();
    tf.dispose([lastHiddenState, poolerOutput]);
    return values;
  };
  forwardSetups['no adapter']();
  const base = outputOf();
  forwardSetups['LoRA unmerged']();
  const unmerged = outputOf();
  forwardSetups['LoRA merged']();
  const merged = outputOf();
  const maxDifference = (a, b) => a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i])), 0);
  const adapterEffect = maxDifference(base, unmerged);
  const mergeError = maxDifference(unmerged, merged);
  console.log(`\nCheck: LoRA changes the output by up to ${adapterEffect.toExponential(2)}; merged and unmerged differ by up to ${mergeError.toExponential(2)}.`);
  if (!(adapterEffect > 1e-4) || !(mergeError < 1e-3)) {
    throw new Error('The adapter does not change the output, or merging changes it; the timings would not measure LoRA.');
  }
  result.check = { adapterEffect, mergeError };
}

// ---- Profile: one run of each setup under tf.profile, for memory and work counts. ----
if (phases.has('profile')) {
  const rows = [];
  const measure = async (name, enter, run, training) => {
    console.log(`Profiling: ${name}`);
    enter();
    const before = memorySnapshot();
    const work = await profileMatMulWork(run);
    const trainable = training ? trainableShare() : null;
    rows.push({ setup: name, residentTensorBytes: before.tensorBytes, ...work, groups: undefined, ...memorySnapshot(), trainable });
  };
  await measure(`forward ${BATCH} × ${LENGTH}, no adapter`, forwardSetups['no adapter'], forwardPass, false);
  await measure(`forward ${BATCH} × ${LENGTH}, LoRA unmerged`, forwardSetups['LoRA unmerged'], forwardPass, false);
  await measure(`forward ${BATCH} × ${LENGTH}, LoRA merged`, forwardSetups['LoRA merged'], forwardPass, false);
  await measure(`training step ${trainBatch} × ${LENGTH}, LoRA, base frozen`, trainSetups['LoRA, base frozen'], trainingStep, true);
  await measure(`training step ${trainBatch} × ${LENGTH}, full fine-tuning`, trainSetups['full fine-tuning'], trainingStep, true);
  result.profile = rows;
  printTable(
    'Work and memory of one run under tf.profile (MiB). Tensors: tf.memory().numBytes before the run, ' +
      'which includes optimizer moments, and tf.profile peakBytes during it. Wasm heap and max RSS: ' +
      'high-water marks of the process after the run.',
    ['setup', 'trainable parameters', 'kernels', 'matMul GFLOP', 'tensors before', 'tensor peak', 'wasm heap', 'RSS now', 'max RSS'],
    rows.map((row) => [
      row.setup,
      row.trainable === null ? '' : `${row.trainable.trainable.toLocaleString('en-US')} (${fixed(100 * row.trainable.share, 3)} %)`,
      row.kernelCount,
      fixed(row.flops / 1e9, 2),
      mebibytes(row.residentTensorBytes),
      mebibytes(row.peakBytes),
      row.wasmHeapBytes === null ? 'n/a' : mebibytes(row.wasmHeapBytes),
      mebibytes(row.rssBytes),
      mebibytes(row.maxRssBytes),
    ]),
  );
}

// ---- Forward time. ----
if (phases.has('forward')) {
  const { wall, cpu } = timeRounds('Forward passes', forwardSetups, forwardPass, options.warmup, options.repetitions);
  const ratios = {};
  for (const name of ['LoRA unmerged', 'LoRA merged']) {
    ratios[name] = { wall: pairedRatios(wall[name], wall['no adapter']), cpu: pairedRatios(cpu[name], cpu['no adapter']) };
  }
  const targets = { 'LoRA unmerged': TARGETS.unmerged, 'LoRA merged': TARGETS.merged };
  result.forward = { warmup: options.warmup, repetitions: options.repetitions, wallMs: wall, cpuMs: cpu, ratios };
  printTable(
    `Forward pass, batch ${BATCH} × ${LENGTH} (median of ${options.repetitions}; ratios are medians of per-round ratios to "no adapter"; the target applies to the wall-time ratio)`,
    ['setup', 'wall ms (min–max)', 'CPU ms (min–max)', 'wall ratio (per-round min–max)', 'CPU ratio (per-round min–max)', 'target'],
    Object.keys(wall).map((name) => [
      name,
      formatTimes(wall[name]),
      formatTimes(cpu[name]),
      name in ratios ? formatRatio(ratios[name].wall) : '1',
      name in ratios ? formatRatio(ratios[name].cpu) : '1',
      name in ratios ? verdict(ratios[name].wall.median, targets[name]) : '',
    ]),
  );
}

// ---- Training step time. ----
if (phases.has('train')) {
  const { wall, cpu } = timeRounds('Training steps', trainSetups, trainingStep, trainWarmup, trainRepetitions);
  const frozen = {
    wall: pairedRatios(wall['LoRA, base frozen'], wall['full fine-tuning']),
    cpu: pairedRatios(cpu['LoRA, base frozen'], cpu['full fine-tuning']),
  };
  trainSetups['LoRA, base frozen']();
  const loraShare = trainableShare();
  trainSetups['full fine-tuning']();
  const fullShare = trainableShare();
  result.train = { warmup: trainWarmup, repetitions: trainRepetitions, wallMs: wall, cpuMs: cpu, frozenRatio: frozen, trainable: { lora: loraShare, full: fullShare } };
  const shares = { 'LoRA, base frozen': loraShare, 'full fine-tuning': fullShare };
  printTable(
    `Training step (forward, backward, AdamW), batch ${trainBatch} × ${LENGTH} (median of ${trainRepetitions}; ratios are medians of per-round ratios to full fine-tuning; the target applies to the wall-time ratio)`,
    ['setup', 'trainable parameters', 'wall ms (min–max)', 'CPU ms (min–max)', 'wall ratio (per-round min–max)', 'CPU ratio (per-round min–max)', 'target'],
    Object.keys(wall).map((name) => {
      const share = shares[name];
      const isReference = name === 'full fine-tuning';
      return [
        name,
        `${share.trainable.toLocaleString('en-US')} of ${share.total.toLocaleString('en-US')} (${fixed(100 * share.share, 3)} %)`,
        formatTimes(wall[name]),
        formatTimes(cpu[name]),
        isReference ? '1' : formatRatio(frozen.wall),
        isReference ? '1' : formatRatio(frozen.cpu),
        isReference ? '' : verdict(frozen.wall.median, TARGETS.frozenStep),
      ];
    }),
  );
}

if (options.json) writeJson(options.json, result);
removeAdapter();
fullOptimizer?.dispose();
tf.dispose([inputIds, trainIds, target]);
model.dispose();
