import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { CheckpointFormatError, initBackend, InvalidArgumentError } from '@peftjs/core-tensor';

import { expectedLlama2cFileBytes, loadLlama2cCheckpoint, parseLlama2cHeader, stories260KPaths } from '../src/llama';

beforeAll(async () => {
  await initBackend();
});

/** Header fields in file order. */
interface Dims {
  dim: number;
  hiddenDim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** Negative for an untied classifier, as llama2.c writes it. */
  vocab: number;
  seqLen: number;
}

/** Deterministic pseudo-random floats in [-0.5, 0.5) (a linear congruential generator). */
function pseudoRandom(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 32 - 0.5;
  }
  return values;
}

/** Returns the weight blocks of a llama2.c file, in file order, with their float counts. */
function blockSizes(d: Dims): [string, number][] {
  const vocab = Math.abs(d.vocab);
  const headSize = d.dim / d.heads;
  const kvDim = d.kvHeads * headSize;
  const blocks: [string, number][] = [
    ['emb', vocab * d.dim],
    ['rmsAtt', d.layers * d.dim],
    ['wq', d.layers * d.dim * d.dim],
    ['wk', d.layers * kvDim * d.dim],
    ['wv', d.layers * kvDim * d.dim],
    ['wo', d.layers * d.dim * d.dim],
    ['rmsFfn', d.layers * d.dim],
    ['w1', d.layers * d.hiddenDim * d.dim],
    ['w2', d.layers * d.dim * d.hiddenDim],
    ['w3', d.layers * d.hiddenDim * d.dim],
    ['rmsFinal', d.dim],
    ['freqReal', (d.seqLen * headSize) / 2],
    ['freqImag', (d.seqLen * headSize) / 2],
  ];
  if (d.vocab < 0) blocks.push(['wcls', vocab * d.dim]);
  return blocks;
}

/** Writes a legacy llama2.c checkpoint with pseudo-random weights and returns its bytes and blocks. */
function syntheticCheckpoint(d: Dims): { bytes: Uint8Array; blocks: Map<string, Float32Array> } {
  const blocks = new Map<string, Float32Array>();
  let seed = 7;
  for (const [name, count] of blockSizes(d)) {
    const values = pseudoRandom(count, seed++);
    // RMSNorm weights near 1 keep activations in a normal range.
    if (name.startsWith('rms')) values.forEach((v, i) => (values[i] = 1 + v));
    blocks.set(name, values);
  }
  const floatCount = [...blocks.values()].reduce((sum, block) => sum + block.length, 0);
  const bytes = new Uint8Array(28 + 4 * floatCount);
  const view = new DataView(bytes.buffer);
  [d.dim, d.hiddenDim, d.layers, d.heads, d.kvHeads, d.vocab, d.seqLen].forEach((v, i) => view.setInt32(4 * i, v, true));
  let offset = 28;
  for (const block of blocks.values()) {
    for (const v of block) {
      view.setFloat32(offset, v, true);
      offset += 4;
    }
  }
  return { bytes, blocks };
}

function withHeader(bytes: Uint8Array, field: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setInt32(4 * field, value, true);
  return copy;
}

/**
 * Computes the logits of every position of `tokens` with a direct float64 port of run.c's forward
 * pass: adjacent-pair rotary, grouped-query attention, SwiGLU.
 */
function runcReference(d: Dims, blocks: Map<string, Float32Array>, tokens: number[]): number[][] {
  const vocab = Math.abs(d.vocab);
  const headSize = d.dim / d.heads;
  const kvDim = d.kvHeads * headSize;
  const kvMul = d.heads / d.kvHeads;
  const block = (name: string): Float32Array => blocks.get(name)!;
  const matVec = (w: Float32Array, offset: number, x: number[], rows: number): number[] =>
    Array.from({ length: rows }, (_, r) => x.reduce((sum, xv, c) => sum + w[offset + r * x.length + c]! * xv, 0));
  const rmsNorm = (x: number[], w: Float32Array, offset: number): number[] => {
    const scale = 1 / Math.sqrt(x.reduce((sum, v) => sum + v * v, 0) / x.length + 1e-5);
    return x.map((v, i) => w[offset + i]! * v * scale);
  };

  const keyCache: number[][][] = Array.from({ length: d.layers }, () => []);
  const valueCache: number[][][] = Array.from({ length: d.layers }, () => []);
  return tokens.map((token, pos) => {
    let x = Array.from(block('emb').subarray(token * d.dim, (token + 1) * d.dim));
    for (let l = 0; l < d.layers; l++) {
      const xb = rmsNorm(x, block('rmsAtt'), l * d.dim);
      const q = matVec(block('wq'), l * d.dim * d.dim, xb, d.dim);
      const k = matVec(block('wk'), l * kvDim * d.dim, xb, kvDim);
      const v = matVec(block('wv'), l * kvDim * d.dim, xb, kvDim);
      for (let i = 0; i < d.dim; i += 2) {
        const frequency = 1 / Math.pow(10000, (i % headSize) / headSize);
        const [cos, sin] = [Math.cos(pos * frequency), Math.sin(pos * frequency)];
        for (const vec of i < kvDim ? [q, k] : [q]) {
          const [v0, v1] = [vec[i]!, vec[i + 1]!];
          vec[i] = v0 * cos - v1 * sin;
          vec[i + 1] = v0 * sin + v1 * cos;
        }
      }
      keyCache[l]!.push(k);
      valueCache[l]!.push(v);
      const attended = new Array<number>(d.dim).fill(0);
      for (let h = 0; h < d.heads; h++) {
        const kvOffset = Math.floor(h / kvMul) * headSize;
        const scores = keyCache[l]!.map(
          (key) => q.slice(h * headSize, (h + 1) * headSize).reduce((s, qv, j) => s + qv * key[kvOffset + j]!, 0) / Math.sqrt(headSize),
        );
        const top = Math.max(...scores);
        const weights = scores.map((s) => Math.exp(s - top));
        const total = weights.reduce((a, b) => a + b, 0);
        weights.forEach((w, t) => {
          for (let j = 0; j < headSize; j++) attended[h * headSize + j]! += (w / total) * valueCache[l]![t]![kvOffset + j]!;
        });
      }
      const projected = matVec(block('wo'), l * d.dim * d.dim, attended, d.dim);
      x = x.map((value, i) => value + projected[i]!);
      const normed = rmsNorm(x, block('rmsFfn'), l * d.dim);
      const gate = matVec(block('w1'), l * d.hiddenDim * d.dim, normed, d.hiddenDim);
      const up = matVec(block('w3'), l * d.hiddenDim * d.dim, normed, d.hiddenDim);
      const hidden = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const down = matVec(block('w2'), l * d.dim * d.hiddenDim, hidden, d.dim);
      x = x.map((value, i) => value + down[i]!);
    }
    const final = rmsNorm(x, block('rmsFinal'), 0);
    return matVec(d.vocab < 0 ? block('wcls') : block('emb'), 0, final, vocab);
  });
}

const UNTIED: Dims = { dim: 16, hiddenDim: 24, layers: 2, heads: 4, kvHeads: 2, vocab: -11, seqLen: 8 };
const TIED_MHA: Dims = { dim: 12, hiddenDim: 20, layers: 1, heads: 2, kvHeads: 2, vocab: 9, seqLen: 6 };

describe('loadLlama2cCheckpoint on synthetic files', () => {
  it.each([
    ['untied, grouped-query', UNTIED],
    ['tied, multi-head', TIED_MHA],
  ])('%s: logits match a run.c port', async (_label, dims) => {
    const { bytes, blocks } = syntheticCheckpoint(dims);
    const model = await loadLlama2cCheckpoint(bytes);
    const tokens = [1, 5, 3, 8, 2, 4].slice(0, dims.seqLen);
    const expected = runcReference(dims, blocks, tokens);

    const input = tf.tensor2d(tokens, [1, tokens.length], 'int32');
    const logits = model.forward(input);
    const actual = (logits.arraySync() as number[][][])[0]!;
    tf.dispose([input, logits]);

    let worst = 0;
    actual.forEach((row, t) => row.forEach((value, i) => (worst = Math.max(worst, Math.abs(value - expected[t]![i]!)))));
    expect(worst).toBeLessThan(1e-4);
    expect(model.lm_head === null).toBe(dims.vocab > 0);
    expect(model.config.tie_word_embeddings).toBe(dims.vocab > 0);
    model.dispose();
  });

  it('untied classifier loads wcls into lm_head', async () => {
    const { bytes, blocks } = syntheticCheckpoint(UNTIED);
    const model = await loadLlama2cCheckpoint(bytes);
    expect(model.namedParameters().has('lm_head.weight')).toBe(true);
    expect(Array.from(model.lm_head!.weight.value.dataSync())).toEqual(Array.from(blocks.get('wcls')!));
    model.dispose();
  });

  it('reads unaligned buffers and ArrayBuffers', async () => {
    const { bytes } = syntheticCheckpoint(TIED_MHA);
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    const unaligned = padded.subarray(1);
    const fromUnaligned = await loadLlama2cCheckpoint(unaligned);
    const fromArrayBuffer = await loadLlama2cCheckpoint(bytes.slice().buffer);
    const a = fromUnaligned.model.norm.weight.value.dataSync();
    const b = fromArrayBuffer.model.norm.weight.value.dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    fromUnaligned.dispose();
    fromArrayBuffer.dispose();
  });

  it('load and dispose leak no tensors', async () => {
    const { bytes } = syntheticCheckpoint(UNTIED);
    const before = tf.memory().numTensors;
    const model = await loadLlama2cCheckpoint(bytes);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadLlama2cCheckpoint errors', () => {
  const { bytes } = syntheticCheckpoint(UNTIED);

  it('rejects a file shorter than the header', async () => {
    const load = loadLlama2cCheckpoint(bytes.subarray(0, 20));
    await expect(load).rejects.toThrow(CheckpointFormatError);
    await expect(loadLlama2cCheckpoint(bytes.subarray(0, 20))).rejects.toThrow(/has 20 bytes but the header alone needs 28/);
  });

  it.each([
    ['dim', 0, 0],
    ['hidden_dim', -4, 1],
    ['n_layers', 0, 2],
    ['n_heads', 0, 3],
    ['n_kv_heads', -1, 4],
    ['vocab_size', 0, 5],
    ['seq_len', 0, 6],
  ])('rejects %s = %i in the header', async (name, value, field) => {
    const corrupt = withHeader(bytes, field, value);
    await expect(loadLlama2cCheckpoint(corrupt)).rejects.toThrow(CheckpointFormatError);
    await expect(loadLlama2cCheckpoint(corrupt)).rejects.toThrow(`header has ${name} = ${value}`);
  });

  it('rejects heads that do not divide dim', async () => {
    await expect(loadLlama2cCheckpoint(withHeader(bytes, 3, 3))).rejects.toThrow(
      /n_heads = 3, which does not divide dim = 16/,
    );
  });

  it('rejects kv heads that do not divide heads', async () => {
    await expect(loadLlama2cCheckpoint(withHeader(bytes, 4, 3))).rejects.toThrow(
      /n_kv_heads = 3, which does not divide n_heads = 4/,
    );
  });

  it('rejects a truncated weight section', async () => {
    const cut = bytes.subarray(0, bytes.length - 4);
    await expect(loadLlama2cCheckpoint(cut)).rejects.toThrow(CheckpointFormatError);
    await expect(loadLlama2cCheckpoint(cut)).rejects.toThrow(
      new RegExp(`is truncated: .* implies ${bytes.length} bytes but the file has ${bytes.length - 4}`),
    );
  });

  it('rejects trailing bytes', async () => {
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    await expect(loadLlama2cCheckpoint(longer)).rejects.toThrow(
      new RegExp(`has trailing bytes: .* implies ${bytes.length} bytes but the file has ${bytes.length + 8}`),
    );
  });

  it('rejects a tied header on an untied file', async () => {
    // Flipping the sign of vocab_size drops the classifier block from the expected size.
    await expect(loadLlama2cCheckpoint(withHeader(bytes, 5, 11))).rejects.toThrow(/has trailing bytes/);
  });

  it('rejects versioned exports', async () => {
    const versioned = withHeader(bytes, 0, 0x616b3432);
    await expect(loadLlama2cCheckpoint(versioned)).rejects.toThrow(/versioned llama2.c export.*--version 0/);
  });

  it('rejects sources of other types', async () => {
    await expect(loadLlama2cCheckpoint(42 as never)).rejects.toThrow(InvalidArgumentError);
  });

  it('rejects a missing file', async () => {
    await expect(loadLlama2cCheckpoint('/nonexistent/model.bin')).rejects.toThrow(/file not found/);
  });
});

describe('stories260K assets', () => {
  it('paths resolve to the shipped files', () => {
    const paths = stories260KPaths();
    const folder = path.join(__dirname, '..', 'assets', 'stories260K');
    expect(path.resolve(paths.checkpoint)).toBe(path.join(folder, 'stories260K.bin'));
    expect(path.resolve(paths.tokenizer)).toBe(path.join(folder, 'tok512.bin'));
    expect(fs.existsSync(paths.checkpoint)).toBe(true);
    expect(fs.existsSync(paths.tokenizer)).toBe(true);
  });

  it('files have the published checksums', () => {
    const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const paths = stories260KPaths();
    expect(sha256(paths.checkpoint)).toBe('b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696');
    expect(sha256(paths.tokenizer)).toBe('037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312');
  });

  it('header matches the file size', () => {
    const bytes = new Uint8Array(fs.readFileSync(stories260KPaths().checkpoint));
    const header = parseLlama2cHeader(bytes);
    expect(header).toEqual({
      dim: 64,
      hiddenDim: 172,
      numLayers: 5,
      numHeads: 8,
      numKeyValueHeads: 4,
      vocabSize: 512,
      seqLen: 512,
      sharedClassifier: true,
    });
    expect(expectedLlama2cFileBytes(header)).toBe(bytes.length);
  });
});
