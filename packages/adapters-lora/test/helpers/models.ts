import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { TINY_LLAMA_CONFIG } from '@peftjs/test-harness';
import { LlamaForCausalLM, loadLlama2cCheckpoint, loadLlama2cTokenizer, stories260KPaths, type Llama2cTokenizer } from '@peftjs/models';

/**
 * Builds a tiny Llama with random, UNTRAINED weights (hidden 32, 5 layers, 4 heads, 2 key/value heads,
 * feed-forward 37, vocabulary 64), deterministic for a seed. For lifecycle tests that need many
 * fresh models quickly; numbers from it mean nothing about language.
 */
export function tinyLlama(seed = 0): LlamaForCausalLM {
  return new LlamaForCausalLM(TINY_LLAMA_CONFIG, { seed });
}

/** Returns a fixed `[2, 7]` batch of token ids for the tiny model. */
export function tinyInput(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 5, 9, 14, 33, 2, 60],
      [1, 42, 17, 3, 8, 21, 11],
    ],
    [2, 7],
    'int32',
  );
}

/** Loads the real stories260K model and tokenizer shipped with @peftjs/models. */
export async function stories260K(): Promise<{ model: LlamaForCausalLM; tokenizer: Llama2cTokenizer }> {
  const paths = stories260KPaths();
  const model = await loadLlama2cCheckpoint(paths.checkpoint);
  const tokenizer = await loadLlama2cTokenizer(paths.tokenizer, model.config.vocab_size);
  return { model, tokenizer };
}

/** Reads the TinyStories sample of the repository's fixtures, one string per story. */
export function tinyStoriesSample(): string[] {
  const text = fs.readFileSync(path.join(__dirname, '../../../../fixtures/tinystories/tinystories_sample.txt'), 'utf8');
  return text
    .split('<|endoftext|>')
    .map((story) => story.trim())
    .filter((story) => story.length > 0);
}

/** Returns a copy of every parameter value keyed by path. */
export function snapshotParameters(model: LlamaForCausalLM): Map<string, Float32Array> {
  const result = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters()) result.set(name, p.value.dataSync().slice() as Float32Array);
  return result;
}

/** Largest absolute difference between two tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}
