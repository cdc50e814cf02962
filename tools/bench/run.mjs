#!/usr/bin/env node
// Runs every benchmark script in this folder, each in its own Node process, because the wasm
// heap of one process only grows and would carry one benchmark's memory into the next.
// Usage: node tools/bench/run.mjs [--only name,name] [--json-dir DIR]
//   --only      benchmark names (file names without .mjs) to run; default all
//   --json-dir  folder that receives one <name>.json per benchmark
// Run `npm run build` first; `npm run bench` does both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SELF = path.basename(fileURLToPath(import.meta.url));

const { values } = parseArgs({ options: { only: { type: 'string' }, 'json-dir': { type: 'string' } } });
const available = readdirSync(BENCH_DIR)
  .filter((file) => file.endsWith('.mjs') && file !== SELF)
  .map((file) => file.slice(0, -'.mjs'.length))
  .sort();
const selected = values.only === undefined ? available : values.only.split(',').map((name) => name.trim());
const unknown = selected.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s) ${unknown.join(', ')} in --only; available: ${available.join(', ')}.`);
  process.exit(2);
}
if (values['json-dir'] !== undefined) mkdirSync(values['json-dir'], { recursive: true });

const failed = [];
for (const name of selected) {
  const args = [path.join(BENCH_DIR, `${name}.mjs`)];
  if (values['json-dir'] !== undefined) args.push('--json', path.join(values['json-dir'], `${name}.json`));
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  const { status, signal } = spawnSync(process.execPath, args, { stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (status === 0) {
    console.log(`=== ${name}: done in ${seconds} s ===`);
  } else {
    console.log(`=== ${name}: failed after ${seconds} s (exit status ${status}${signal ? `, signal ${signal}` : ''}) ===`);
    failed.push(name);
  }
}
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
