import * as tf from '@tensorflow/tfjs';
import type { AdaptableModel } from '@peftjs/core-tensor';
import { BertModel, LlamaForCausalLM, createTinyRandomBert } from '@peftjs/models';

/**
 * Builds a tiny Llama with random, UNTRAINED weights (hidden 32, 3 layers, 4 heads, 2 key/value
 * heads, feed-forward 40, vocabulary 64), deterministic for a seed. It serves lifecycle tests that
 * need many fresh models quickly, and numbers from it mean nothing about language.
 */
export function tinyLlama(seed = 0): LlamaForCausalLM {
  return new LlamaForCausalLM(
    {
      hidden_size: 32,
      intermediate_size: 40,
      num_hidden_layers: 3,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      vocab_size: 64,
      max_position_embeddings: 64,
    },
    { seed },
  );
}

/** Builds the tiny random BERT of @peftjs/models (hidden 32, 4 layers). */
export function tinyBert(seed = 0): BertModel {
  return createTinyRandomBert(seed);
}

/** A tiny model of either family, and how to run it on a fixed batch. */
export interface TinyModel {
  readonly family: 'bert' | 'llama';
  readonly model: AdaptableModel;
  /** Runs the model on a fixed `[2, 7]` batch of token ids; the caller disposes the result. */
  run(): tf.Tensor;
}

const TOKENS = [
  [1, 5, 9, 14, 33, 2, 60],
  [1, 42, 17, 3, 8, 21, 11],
];

/** Builds a fresh tiny model of `family` with its fixed input. */
export function tinyModel(family: 'bert' | 'llama', seed = 0): TinyModel {
  if (family === 'llama') {
    const model = tinyLlama(seed);
    return { family, model, run: () => tf.tidy(() => model.forward(tf.tensor2d(TOKENS, [2, 7], 'int32'))) };
  }
  const model = tinyBert(seed);
  return { family, model, run: () => tf.tidy(() => model.forward(tf.tensor2d(TOKENS, [2, 7], 'int32')).lastHiddenState) };
}

/** Returns a copy of every parameter value keyed by path. */
export function snapshotParameters(model: AdaptableModel): Map<string, Float32Array> {
  const result = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters()) result.set(name, p.value.dataSync().slice() as Float32Array);
  return result;
}

/** Largest absolute difference between two tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Collects warnings of a model instead of printing them. */
export function captureWarnings(model: AdaptableModel): string[] {
  const warnings: string[] = [];
  model.adapterHost.warn = (message) => warnings.push(message);
  return warnings;
}
