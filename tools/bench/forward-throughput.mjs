// Forward throughput of stories260K (batch 8 × 256) and of a randomly initialised BERT-base-sized
// encoder (batch 8 × 128), each next to the throughput of a bare tf.matMul measured in the same run.
//
// Run from the repository root after `npm run build` (it imports the built packages by name):
//   node tools/bench/forward-throughput.mjs [--warmup 3] [--repetitions 5]
//     [--models stories260K,bert-base] [--json out.json]
//
// Method: one profiled forward pass per model counts the floating-point operations of every matMul
// kernel it runs (2·m·k·n each). Then every round times, per model, three 1024 × 1024 × 1024
// tf.matMul calls (the roofline, their mean rate) followed by one forward pass. The first
// `--warmup` rounds are discarded. The ratio is the median over rounds of
// (model GFLOP/s ÷ roofline GFLOP/s), so load from other processes affects both alike.
// A last table replays each matMul shape of the model as a bare tf.matMul in both weight layouts.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';
import { BertModel, createBertConfig, loadLlama2cCheckpoint, stories260KPaths } from '@peftjs/models';

import { describeMachine, printMachine } from './lib/machine.mjs';
import { matMulThroughput, profileMatMulWork, settle } from './lib/matmul.mjs';
import { parseBenchOptions } from './lib/options.mjs';
import { BERT_BASE_CONFIG, randomTokenIds } from './lib/models.mjs';
import { fixed, mebibytes, printTable, writeJson } from './lib/report.mjs';
import { median, pairedRatio, range, timeMs } from './lib/stats.mjs';

/** The square product whose tf.matMul throughput is the roofline. */
const ROOFLINE_SHAPE = { m: 1024, k: 1024, n: 1024 };
const ROOFLINE_CALLS = 3;

/**
 * matMul FLOPs of a Llama forward pass over `batch × length` tokens without a cache: the seven
 * projections of each layer, the two attention products over the full `length × length` score
 * matrix (tfjs computes the masked half too), and the tied classifier.
 */
function llamaForwardFlops(config, batch, length) {
  const tokens = batch * length;
  const hidden = config.hidden_size;
  const headDim = hidden / config.num_attention_heads;
  const keyValue = config.num_key_value_heads * headDim;
  const projections = 2 * hidden * hidden + 2 * hidden * keyValue + 3 * hidden * config.intermediate_size;
  const attention = 2 * 2 * batch * config.num_attention_heads * length * length * headDim;
  const perLayer = 2 * tokens * projections + attention;
  return config.num_hidden_layers * perLayer + 2 * tokens * hidden * config.vocab_size;
}

/** matMul FLOPs of a BERT forward pass: four attention projections, two feed-forward ones, the attention products and the pooler. */
function bertForwardFlops(config, batch, length) {
  const tokens = batch * length;
  const hidden = config.hidden_size;
  const headDim = hidden / config.num_attention_heads;
  const projections = 4 * hidden * hidden + 2 * hidden * config.intermediate_size;
  const attention = 2 * 2 * batch * config.num_attention_heads * length * length * headDim;
  const perLayer = 2 * tokens * projections + attention;
  return config.num_hidden_layers * perLayer + 2 * batch * hidden * hidden;
}

async function createStories260K() {
  const model = await loadLlama2cCheckpoint(stories260KPaths().checkpoint);
  const [batch, length] = [8, 256];
  const inputIds = randomTokenIds(batch, length, model.config.vocab_size, 7);
  return {
    name: 'stories260K',
    batch,
    length,
    analyticFlops: llamaForwardFlops(model.config, batch, length),
    forward() {
      const logits = model.forward(inputIds);
      settle(logits);
      logits.dispose();
    },
    dispose() {
      inputIds.dispose();
      model.dispose();
    },
  };
}

async function createBertBase() {
  const config = createBertConfig(BERT_BASE_CONFIG);
  const model = new BertModel(config, { seed: 0 });
  const [batch, length] = [8, 128];
  const inputIds = randomTokenIds(batch, length, config.vocab_size, 7);
  return {
    name: 'bert-base',
    batch,
    length,
    analyticFlops: bertForwardFlops(config, batch, length),
    forward() {
      const { lastHiddenState, poolerOutput } = model.forward(inputIds);
      settle(lastHiddenState);
      tf.dispose([lastHiddenState, poolerOutput]);
    },
    dispose() {
      inputIds.dispose();
      model.dispose();
    },
  };
}

const MODEL_FACTORIES = { stories260K: createStories260K, 'bert-base': createBertBase };

const options = parseBenchOptions({ warmup: 3, repetitions: 5 }, { models: { type: 'string', default: 'stories260K,bert-base' } });
const modelNames = options.values.models.split(',').map((name) => name.trim());
for (const name of modelNames) {
  if (!(name in MODEL_FACTORIES)) {
    throw new Error(`Unknown model "${name}" in --models; use a comma-separated list of: ${Object.keys(MODEL_FACTORIES).join(', ')}.`);
  }
}

await initBackend();
const machine = await describeMachine();
printMachine(machine);

const models = [];
for (const name of modelNames) {
  const model = await MODEL_FACTORIES[name]();
  model.forward(); // The first pass compiles kernels and grows the wasm heap; keep it out of the profile.
  model.work = await profileMatMulWork(() => model.forward());
  const drift = Math.abs(model.work.flops - model.analyticFlops) / model.analyticFlops;
  if (drift > 1e-3) {
    console.warn(
      `${name}: the profiled matMul FLOPs (${model.work.flops}) differ from the analytic count (${model.analyticFlops}) by ` +
        `${(100 * drift).toFixed(2)} %; the forward pass runs matMuls this script does not expect.`,
    );
  }
  model.times = [];
  model.rooflines = [];
  models.push(model);
}

const rounds = options.warmup + options.repetitions;
console.log(`\n${options.warmup} warm-up and ${options.repetitions} measured rounds`);
for (let round = 0; round < rounds; round++) {
  for (const model of models) {
    const roofline = matMulThroughput(ROOFLINE_SHAPE, 'nn', ROOFLINE_CALLS);
    const ms = timeMs(() => model.forward());
    console.log(`  round ${round + 1}/${rounds} ${model.name}: forward ${ms.toFixed(0)} ms, roofline ${roofline.gflops.toFixed(1)} GFLOP/s`);
    if (round < options.warmup) continue;
    model.times.push(ms);
    model.rooflines.push(roofline.gflops);
  }
}

const results = models.map((model) => {
  const tokens = model.batch * model.length;
  const gflopsPerRound = model.times.map((ms) => model.work.flops / ms / 1e6);
  const forwardMs = median(model.times);
  return {
    model: model.name,
    batch: model.batch,
    length: model.length,
    forwardMs,
    forwardMsRange: range(model.times),
    tokensPerSecond: tokens / (forwardMs / 1000),
    matMulGflopPerForward: model.work.flops / 1e9,
    achievedGflops: model.work.flops / forwardMs / 1e6,
    rooflineGflops: median(model.rooflines),
    ratioToRoofline: pairedRatio(gflopsPerRound, model.rooflines),
    matMulShareOfKernelTime: model.work.matMulKernelMs / model.work.kernelMs,
    peakTensorBytes: model.work.peakBytes,
    timesMs: model.times,
    rooflinesGflops: model.rooflines,
  };
});

printTable(
  `Forward throughput (median of ${options.repetitions}; roofline = tf.matMul ${ROOFLINE_SHAPE.m}×${ROOFLINE_SHAPE.k}×${ROOFLINE_SHAPE.n} in the same rounds)`,
  ['model', 'batch × length', 'forward ms (min–max)', 'tokens/s', 'matMul GFLOP', 'achieved GFLOP/s', 'roofline GFLOP/s', 'ratio', 'matMul share of kernel time'],
  results.map((r) => [
    r.model,
    `${r.batch} × ${r.length}`,
    `${fixed(r.forwardMs, 0)} (${fixed(r.forwardMsRange.min, 0)}–${fixed(r.forwardMsRange.max, 0)})`,
    fixed(r.tokensPerSecond, 0),
    fixed(r.matMulGflopPerForward, 2),
    fixed(r.achievedGflops, 2),
    fixed(r.rooflineGflops, 1),
    fixed(r.ratioToRoofline, 3),
    `${fixed(100 * r.matMulShareOfKernelTime, 0)} %`,
  ]),
);

// Replays every matMul shape of each model as a bare tf.matMul, in the untransposed layout that
// peftjs runs and in the transposed-weight layout of tf.matMul(x, W, false, true).
const shapeRows = [];
for (const model of models) {
  for (const group of model.work.groups) {
    const nn = matMulThroughput(group, 'nn', 3);
    const nt = matMulThroughput(group, 'nt', 2);
    shapeRows.push({
      model: model.name,
      kernels: group.kernels,
      batch: group.batch,
      m: group.m,
      k: group.k,
      n: group.n,
      calls: group.calls,
      flopShare: group.flops / model.work.flops,
      inModelGflops: group.flops / group.kernelMs / 1e6,
      bareNnGflops: nn.gflops,
      bareNtGflops: nt.gflops,
    });
  }
}
const squareNt = matMulThroughput(ROOFLINE_SHAPE, 'nt', 2);

printTable(
  'matMul shapes of one forward pass (in-model rate from one profiled pass; bare rates from tf.matMul now)',
  ['model', 'batch × m × k × n', 'kernel', 'calls', 'FLOP share', 'in model GFLOP/s', 'bare nn GFLOP/s', 'bare nt GFLOP/s'],
  shapeRows.map((row) => [
    row.model,
    `${row.batch} × ${row.m} × ${row.k} × ${row.n}`,
    row.kernels.join(', '),
    row.calls,
    `${fixed(100 * row.flopShare, 1)} %`,
    fixed(row.inModelGflops, 1),
    fixed(row.bareNnGflops, 1),
    fixed(row.bareNtGflops, 1),
  ]),
);
console.log(
  `\ntf.matMul ${ROOFLINE_SHAPE.m}×${ROOFLINE_SHAPE.k}×${ROOFLINE_SHAPE.n} with transposeB: ${squareNt.gflops.toFixed(1)} GFLOP/s ` +
    `(untransposed: ${fixed(median(models.flatMap((model) => model.rooflines)), 1)} GFLOP/s).`,
);
for (const r of results) console.log(`${r.model}: peak tensor memory of one forward pass ${mebibytes(r.peakTensorBytes)} MiB`);

if (options.json) {
  writeJson(options.json, {
    benchmark: 'forward-throughput',
    machine,
    warmup: options.warmup,
    repetitions: options.repetitions,
    rooflineShape: ROOFLINE_SHAPE,
    results,
    matMulShapes: shapeRows,
    transposedSquareGflops: squareNt.gflops,
  });
}
for (const model of models) model.dispose();
