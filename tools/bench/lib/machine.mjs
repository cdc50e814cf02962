// The facts about the machine and software that a benchmark figure depends on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

import * as tf from '@tensorflow/tfjs';
import { version_wasm as wasmVersion } from '@tensorflow/tfjs-backend-wasm';

function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // /proc/cpuinfo exists only on Linux; os.cpus() below covers the other systems.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function gitRevision() {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Describes the machine, the software versions and the active tfjs backend. Call it after
 * `initBackend()`.
 */
export async function describeMachine() {
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: cpuModel(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
    node: process.version,
    tfjs: tf.version.tfjs,
    tfjsBackendWasm: wasmVersion,
    backend: tf.getBackend(),
    wasmSimd: tf.getBackend() === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : null,
    wasmThreads: tf.getBackend() === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : null,
    revision: gitRevision(),
  };
}

/** Prints the result of {@link describeMachine} on a few lines. */
export function printMachine(machine) {
  console.log(`${machine.date}  ${machine.cpu}, ${machine.nproc} cores, ${machine.memoryGiB} GiB; load average ${machine.loadAverage.join(' ')}`);
  console.log(
    `Node ${machine.node}, tfjs ${machine.tfjs}, backend ${machine.backend} ${machine.tfjsBackendWasm}` +
      ` (SIMD ${machine.wasmSimd}, threads ${machine.wasmThreads}), revision ${machine.revision}`,
  );
}

/**
 * Returns the memory figures of the process: tfjs's tensor bytes, the size of the wasm heap and
 * the resident set size now and at its peak so far. The wasm heap grows and never shrinks, so
 * its size is the high-water mark of the wasm backend.
 */
export function memorySnapshot() {
  const backend = tf.backend();
  const wasmHeapBytes = backend?.wasm?.HEAPU8?.byteLength ?? null;
  return {
    tensorBytes: tf.memory().numBytes,
    wasmHeapBytes,
    rssBytes: process.memoryUsage().rss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
