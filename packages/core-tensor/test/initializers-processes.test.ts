import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';

import * as tf from '@tensorflow/tfjs';

import * as coreTensor from '../src';
import { initBackend } from '../src';
import { bytesOf } from './helpers/close';

beforeAll(async () => {
  await initBackend();
});

const run = promisify(execFile);
const CHILD = path.join(__dirname, 'fixtures', 'initializer-hashes.js');

type InitializerName =
  | 'normal'
  | 'truncatedNormal'
  | 'uniform'
  | 'kaimingUniform'
  | 'kaimingNormal'
  | 'xavierUniform'
  | 'xavierNormal';

interface HashCase {
  label: string;
  initializer: InitializerName;
  args: [number[], number, ...number[]];
}

const CASES: HashCase[] = [
  { label: 'normal seed 7', initializer: 'normal', args: [[64, 32], 7] },
  { label: 'normal seed 8', initializer: 'normal', args: [[64, 32], 8] },
  { label: 'normal mean 1 std 0.02', initializer: 'normal', args: [[64, 32], 7, 1, 0.02] },
  { label: 'truncatedNormal', initializer: 'truncatedNormal', args: [[64, 32], 7] },
  { label: 'uniform', initializer: 'uniform', args: [[64, 32], 7, -2, 2] },
  { label: 'kaimingUniform', initializer: 'kaimingUniform', args: [[64, 32], 7] },
  { label: 'kaimingNormal', initializer: 'kaimingNormal', args: [[16, 8, 3, 3], 7] },
  { label: 'xavierUniform', initializer: 'xavierUniform', args: [[64, 32], 3_826_002_220] },
  { label: 'xavierNormal', initializer: 'xavierNormal', args: [[64, 32], 7, 2] },
];

interface ChildReport {
  backend: string;
  pid: number;
  hashes: Record<string, string>;
}

/** Runs the fixture script in a new Node process and parses its report. */
async function hashInChild(): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, [CHILD, JSON.stringify(CASES)], {
    cwd: path.join(__dirname, '..'),
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
}

/** Computes the same hashes in this jest worker. */
function hashHere(): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const { label, initializer, args } of CASES) {
    const draw = coreTensor[initializer] as (shape: number[], seed: number, ...rest: number[]) => tf.Tensor;
    const tensor = draw(...args);
    hashes[label] = createHash('sha256').update(bytesOf(tensor)).digest('hex');
    tensor.dispose();
  }
  return hashes;
}

describe('initializers across processes', () => {
  it('match bit for bit across processes', async () => {
    const [first, second] = await Promise.all([hashInChild(), hashInChild()]);
    const here = hashHere();

    expect(first.pid).not.toBe(second.pid);
    expect(first.pid).not.toBe(process.pid);
    expect(first.backend).toBe(tf.getBackend());
    expect(Object.keys(first.hashes)).toEqual(CASES.map((c) => c.label));
    expect(second.hashes).toEqual(first.hashes);
    expect(here).toEqual(first.hashes);
    // Distinct hashes show that the children drew real, seed-dependent data.
    expect(new Set(Object.values(first.hashes)).size).toBe(CASES.length);
  });
});
