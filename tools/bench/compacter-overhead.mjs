// Forward-pass overhead and trainable-parameter share of bottleneck adapters (seq_bn, Compacter,
// Compacter++) against the same model without adapters and against LoRA r=8, on a randomly
// initialised BERT-base-sized encoder.
//
// Run from the repository root after `npm run build`:
//   node tools/bench/compacter-overhead.mjs [--repetitions 5] [--batch 8] [--length 128] [--json out.json]
//
// It imports the built packages (packages/*/dist) by name. Every repetition times each setup once,
// in rotating order, so slow drift of the machine affects all setups alike. Each setup's median
// time is then divided by the median time of the model without adapters. The ratios use the CPU
// time of this process (the wasm backend computes on the main thread only), which other programs
// on a shared machine disturb far less than the wall-clock time, which is reported too.
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';
import { BertModel } from '@peftjs/models';
import { CompacterConfig, CompacterPlusPlusConfig, SeqBnConfig } from '@peftjs/adapters-compacter';
import { LoRAConfig } from '@peftjs/adapters-lora';

const { values: args } = parseArgs({
  options: {
    repetitions: { type: 'string', default: '5' },
    batch: { type: 'string', default: '8' },
    length: { type: 'string', default: '128' },
    json: { type: 'string' },
  },
});
const repetitions = Number(args.repetitions);
const batch = Number(args.batch);
const length = Number(args.length);
for (const [name, value] of [['repetitions', repetitions], ['batch', batch], ['length', length]]) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
}

/** BERT-base shapes; the vocabulary is cut to 1,000 tokens because it does not change encoder time. */
const BERT_BASE = {
  vocab_size: 1000,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  max_position_embeddings: 512,
};

/** The setups to time; null is the model without adapters. */
const SETUPS = [
  ['none', null],
  ['seq_bn', SeqBnConfig()],
  ['compacter', CompacterConfig()],
  ['compacter++', CompacterPlusPlusConfig()],
  ['lora r=8', LoRAConfig({ r: 8, alpha: 16 })],
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs one forward pass and returns its wall-clock and CPU time in milliseconds. */
function timeForward(model, inputIds) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  tf.tidy(() => {
    model.forward(inputIds).lastHiddenState.dataSync();
  });
  const cpu = process.cpuUsage(cpuStarted);
  return { wall: performance.now() - started, cpu: (cpu.user + cpu.system) / 1000 };
}

const backend = await initBackend();
const model = new BertModel(BERT_BASE, { seed: 0, addPoolingLayer: false });
model.eval();
const inputIds = tf.randomUniform([batch, length], 0, BERT_BASE.vocab_size, 'int32', 1);
const baseParameters = model.countParameters();

// One untimed pass per setup builds the kernels and caches before any measurement.
const times = new Map(SETUPS.map(([name]) => [name, []]));
const trainable = new Map();
for (let repetition = -1; repetition < repetitions; repetition++) {
  const order = SETUPS.map((_, i) => SETUPS[(i + Math.max(repetition, 0)) % SETUPS.length]);
  for (const [name, config] of order) {
    if (config !== null) {
      model.addAdapter('bench', config);
      model.trainAdapter('bench');
      model.eval();
      trainable.set(name, model.countParameters({ trainableOnly: true }));
    }
    const measured = timeForward(model, inputIds);
    if (repetition >= 0) times.get(name).push(measured);
    if (config !== null) model.deleteAdapter('bench');
  }
  if (repetition >= 0) process.stderr.write(`repetition ${repetition + 1}/${repetitions} done\n`);
}

const medianOf = (name, kind) => median(times.get(name).map((t) => t[kind]));
const baselineCpu = medianOf('none', 'cpu');
const baselineWall = medianOf('none', 'wall');
const loraParameters = trainable.get('lora r=8');
const rows = SETUPS.map(([name]) => {
  const cpuMs = medianOf(name, 'cpu');
  const wallMs = medianOf(name, 'wall');
  const parameters = trainable.get(name) ?? 0;
  return {
    setup: name,
    medianCpuMs: Number(cpuMs.toFixed(1)),
    cpuRatio: Number((cpuMs / baselineCpu).toFixed(3)),
    medianWallMs: Number(wallMs.toFixed(1)),
    wallRatio: Number((wallMs / baselineWall).toFixed(3)),
    trainableParameters: parameters,
    percentOfBase: Number(((100 * parameters) / baseParameters).toFixed(4)),
    relativeToLoRA: loraParameters ? Number((parameters / loraParameters).toFixed(3)) : null,
    cpuMs: times.get(name).map((t) => Number(t.cpu.toFixed(1))),
    wallMs: times.get(name).map((t) => Number(t.wall.toFixed(1))),
  };
});

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  backend,
  tfjs: tf.version.tfjs,
};
const report = { machine, model: BERT_BASE, baseParameters, batch, length, repetitions, rows };

console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, tfjs ${machine.tfjs} (${machine.backend})`);
console.log(`model: BERT-base shapes, ${baseParameters.toLocaleString('en-US')} parameters; input ${batch} × ${length} tokens; ${repetitions} repetitions`);
console.log('setup        CPU ms  × none   wall ms  × none  trainable  % of base  × LoRA r=8');
for (const row of rows) {
  console.log(
    `${row.setup.padEnd(11)} ${row.medianCpuMs.toFixed(0).padStart(7)} ${row.cpuRatio.toFixed(3).padStart(7)} ` +
      `${row.medianWallMs.toFixed(0).padStart(9)} ${row.wallRatio.toFixed(3).padStart(7)} ` +
      `${row.trainableParameters.toLocaleString('en-US').padStart(10)} ${row.percentOfBase.toFixed(3).padStart(10)} ` +
      `${row.relativeToLoRA === null ? '' : row.relativeToLoRA.toFixed(3).padStart(10)}`,
  );
}
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');

tf.dispose(inputIds);
model.dispose();
