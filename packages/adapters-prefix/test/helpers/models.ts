import * as tf from '@tensorflow/tfjs';
import { TINY_LLAMA_CONFIG } from '@peftjs/test-harness';
import type { AdaptableModel } from '@peftjs/core-tensor';
import { LlamaForCausalLM, createTinyRandomBert, loadLlama2cCheckpoint, stories260KPaths, type BertModel } from '@peftjs/models';

/**
 * Builds a tiny Llama with random, UNTRAINED weights: hidden 32, 5 layers, 4 query heads sharing 2
 * key/value heads (grouped-query attention), feed-forward 37, vocabulary 64. The same seed gives
 * the same weights, and its outputs mean nothing about language.
 */
export function tinyLlama(seed = 0): LlamaForCausalLM {
  return new LlamaForCausalLM(TINY_LLAMA_CONFIG, { seed });
}

/** Returns a fixed `[2, 7]` batch of token ids for {@link tinyLlama}. */
export function llamaInput(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 5, 9, 14, 33, 2, 60],
      [1, 42, 17, 3, 8, 21, 11],
    ],
    [2, 7],
    'int32',
  );
}

/** Builds the tiny random BERT of @peftjs/models (hidden 32, 4 layers, 4 heads, vocabulary 128). */
export function tinyBert(seed = 0): BertModel {
  return createTinyRandomBert(seed);
}

/** Returns a fixed `[2, 6]` batch of token ids for {@link tinyBert}. */
export function bertInput(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [2, 17, 45, 99, 3, 0],
      [2, 64, 8, 120, 77, 3],
    ],
    [2, 6],
    'int32',
  );
}

/** Padding mask for {@link bertInput}: the first row's last token is padding. */
export function bertMask(): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 1, 1, 1, 1, 0],
      [1, 1, 1, 1, 1, 1],
    ],
    [2, 6],
    'int32',
  );
}

/** The tiny models under one interface: a factory and a forward pass that returns one tensor. */
export interface TinyModelCase {
  readonly label: string;
  create(seed?: number): AdaptableModel;
  run(model: AdaptableModel): tf.Tensor;
}

/** Tiny Llama (logits) and tiny BERT (last hidden state, with a padding mask). */
export const TINY_MODELS: readonly TinyModelCase[] = [
  {
    label: 'tiny Llama',
    create: (seed = 0) => tinyLlama(seed),
    run: (model) => tf.tidy(() => (model as LlamaForCausalLM).forward(llamaInput())),
  },
  {
    label: 'tiny BERT',
    create: (seed = 0) => tinyBert(seed),
    run: (model) =>
      tf.tidy(() => {
        const output = (model as BertModel).forward(bertInput(), { attentionMask: bertMask() });
        if (output.poolerOutput !== null) output.poolerOutput.dispose();
        return output.lastHiddenState;
      }),
  },
];

/** Loads the stories260K model shipped with @peftjs/models (trained on TinyStories). */
export async function stories260K(): Promise<LlamaForCausalLM> {
  return loadLlama2cCheckpoint(stories260KPaths().checkpoint);
}

/** Largest absolute difference between two tensors of the same shape. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Copies every parameter value of `model`, keyed by path. */
export function snapshotParameters(model: AdaptableModel): Map<string, Float32Array> {
  const result = new Map<string, Float32Array>();
  for (const [path, parameter] of model.namedParameters()) result.set(path, parameter.value.dataSync().slice() as Float32Array);
  return result;
}

/** Collects the host's warnings of `model` instead of printing them. */
export function collectWarnings(model: AdaptableModel): string[] {
  const warnings: string[] = [];
  model.adapterHost.warn = (message) => warnings.push(message);
  return warnings;
}
