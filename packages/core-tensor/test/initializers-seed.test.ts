import * as tf from '@tensorflow/tfjs';

import { deriveSeed, initBackend, normal } from '../src';
import { bytesOf } from './helpers/close';

beforeAll(async () => {
  await initBackend();
});

describe('deriveSeed', () => {
  // 32-bit FNV-1a: start from the offset basis 0x811c9dc5 (XOR the base seed), then for each
  // code unit c: hash = (hash XOR c) · 0x01000193 mod 2³².
  //
  // Label "a" (0x61), base seed 0: 0x811c9dc5 XOR 0x61 = 0x811c9da4, and
  // 0x811c9da4 · 0x01000193 = 0x811c9da4 · 2²⁴ + 0x811c9da4 · 0x193
  //                         ≡ 0xa4000000 + 0x400c292c = 0xe40c292c (mod 2³²).
  // Base seed 1 flips the low bit of the start, so the product grows by 0x01000193: 0xe50c2abf.
  it('matches FNV-1a worked by hand', () => {
    expect(deriveSeed(0, 'a')).toBe(0xe40c292c);
    expect(deriveSeed(1, 'a')).toBe(0xe50c2abf);
  });

  it('returns basis XOR seed for empty label', () => {
    expect(deriveSeed(0, '')).toBe(0x811c9dc5);
    // −1 is read as the unsigned 32-bit 0xffffffff: 0x811c9dc5 XOR 0xffffffff = 0x7ee3623a.
    expect(deriveSeed(-1, '')).toBe(0x7ee3623a);
  });

  it('matches FNV-1a of "foobar"', () => {
    // 0xbf9cf968 was computed with a separate Python implementation of the definition above.
    expect(deriveSeed(0, 'foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-16 code units rather than UTF-8 bytes', () => {
    // "é" is the single code unit 0xe9 (two bytes in UTF-8), so one FNV step:
    // (0x811c9dc5 XOR 0xe9) · 0x01000193 mod 2³².
    const step = Number((BigInt((0x811c9dc5 ^ 0xe9) >>> 0) * 0x01000193n) % 2n ** 32n);

    expect(deriveSeed(0, 'é')).toBe(step);
  });

  it('returns an unsigned 32-bit integer', () => {
    for (const label of ['weight', 'layers.11.self_attn.q_proj.lora_A', '']) {
      const seed = deriveSeed(123456789, label);
      expect(Number.isInteger(seed)).toBe(true);
      expect(seed).toBeGreaterThanOrEqual(0);
      expect(seed).toBeLessThan(2 ** 32);
    }
  });

  it('is stable across calls', () => {
    expect(deriveSeed(42, 'encoder.layer.3.output.dense.weight')).toBe(
      deriveSeed(42, 'encoder.layer.3.output.dense.weight'),
    );
  });

  it('separates labels and base seeds', () => {
    const labels = ['weight', 'bias', 'layers.0.q_proj.weight', 'layers.1.q_proj.weight', 'lora_A', 'lora_B'];
    const seeds = labels.flatMap((label) => [deriveSeed(0, label), deriveSeed(1, label)]);

    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('feeds distinct streams to the initializers', () => {
    const weight = normal([64], deriveSeed(0, 'weight'));
    const bias = normal([64], deriveSeed(0, 'bias'));

    expect(bytesOf(weight).equals(bytesOf(bias))).toBe(false);
    tf.dispose([weight, bias]);
  });
});
