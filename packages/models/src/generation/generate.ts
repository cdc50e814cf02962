import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { LlamaForCausalLM } from '../llama/causal-lm';
import type { LlamaKVCache } from '../llama/kv-cache';
import { seededRandom } from './random';
import { sampleToken, validateSamplingOptions } from './sampling';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Maximum number of tokens to generate. */
  maxNewTokens: number;
  /** Softmax temperature (default 1); 0 is greedy decoding. */
  temperature?: number;
  /** Sample only among the `topK` most likely tokens (default 0 = all). */
  topK?: number;
  /** Sample only within the top-p nucleus (default 1 = all). */
  topP?: number;
  /** Seed of the sampler (default: a random seed, so runs differ). Ignored when greedy. */
  seed?: number;
  /**
   * Tokens that end generation; the stop token itself is not returned. Default: the BOS token, as
   * llama2.c's run.c does (its models emit BOS between stories). Add the EOS id for Hugging Face
   * chat or instruction models.
   */
  stopTokens?: readonly number[];
  /** Called with each generated token as soon as it is chosen (for streaming output). */
  onToken?: (id: number) => void;
}

/** Reason {@link generate} stopped. */
export type FinishReason = 'stop_token' | 'max_new_tokens' | 'max_length';

/** Output of {@link generate}. */
export interface GenerationResult {
  /** The generated token ids, without the prompt and without the stop token. */
  tokens: number[];
  /** The stop token that ended generation, or null. */
  stopToken: number | null;
  /**
   * `stop_token`, `max_new_tokens`, or `max_length` when the sequence reached the model's
   * `max_position_embeddings` (the last token is then generated but cannot be fed back).
   */
  finishReason: FinishReason;
}

/**
 * Generates a continuation of one prompt with the model's KV cache: the prompt is fed in one
 * forward call, then each chosen token is fed alone.
 *
 * With the default BOS stop token and `maxNewTokens = steps − promptLength + 1`, greedy decoding
 * reproduces llama2.c's `run.c -t 0 -n steps`.
 *
 * @param model The language model; left unchanged.
 * @param promptIds Prompt token ids, at least one (usually starting with BOS).
 * @param options Length, sampling and stop settings.
 */
export async function generate(
  model: LlamaForCausalLM,
  promptIds: readonly number[],
  options: GenerateOptions,
): Promise<GenerationResult> {
  const { vocab_size: vocabSize, max_position_embeddings: maxLength, bos_token_id: bos } = model.config;
  checkTokenIds(promptIds, vocabSize, 'promptIds');
  if (promptIds.length === 0) {
    throw new InvalidArgumentError('promptIds is empty; start the prompt with the BOS token.');
  }
  if (promptIds.length > maxLength) {
    throw new InvalidArgumentError(
      `The prompt has ${promptIds.length} tokens, more than max_position_embeddings = ${maxLength}; shorten it.`,
    );
  }
  const { maxNewTokens } = options;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new InvalidArgumentError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}.`);
  }
  const sampling = { temperature: options.temperature ?? 1, topK: options.topK ?? 0, topP: options.topP ?? 1 };
  validateSamplingOptions(sampling, vocabSize);
  const stopTokens = new Set(options.stopTokens ?? [bos]);
  checkTokenIds([...stopTokens], vocabSize, 'stopTokens');
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));

  const tokens: number[] = [];
  if (maxNewTokens === 0) return { tokens, stopToken: null, finishReason: 'max_new_tokens' };

  const cache = model.createCache();
  try {
    let input: readonly number[] = promptIds;
    let length = 0;
    for (;;) {
      const logits = await nextTokenLogits(model, input, cache);
      length += input.length;
      const next = sampleToken(logits, sampling, random);
      if (stopTokens.has(next)) return { tokens, stopToken: next, finishReason: 'stop_token' };
      tokens.push(next);
      options.onToken?.(next);
      if (tokens.length === maxNewTokens) return { tokens, stopToken: null, finishReason: 'max_new_tokens' };
      if (length === maxLength) return { tokens, stopToken: null, finishReason: 'max_length' };
      input = [next];
    }
  } finally {
    cache.dispose();
  }
}

/** Feeds `ids` as one sequence and returns the logits of the last position. */
async function nextTokenLogits(
  model: LlamaForCausalLM,
  ids: readonly number[],
  cache: LlamaKVCache,
): Promise<Float32Array> {
  const last = tf.tidy(() => {
    const logits = model.forward(tf.tensor2d([...ids], [1, ids.length], 'int32'), { cache });
    return logits.slice([0, ids.length - 1, 0], [1, 1, -1]).reshape([-1]);
  });
  try {
    return (await last.data()) as Float32Array;
  } finally {
    last.dispose();
  }
}

/**
 * Raises an {@link InvalidArgumentError} unless every id is an integer in `[0, vocabSize)`.
 *
 * @param ids Token ids to check.
 * @param vocabSize Size of the model's vocabulary.
 * @param name Name of the argument in the message, e.g. `promptIds`.
 */
export function checkTokenIds(ids: readonly number[], vocabSize: number, name: string): void {
  if (!Array.isArray(ids)) {
    throw new InvalidArgumentError(`${name} must be an array of token ids, got ${typeof ids}.`);
  }
  const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (bad >= 0) {
    throw new InvalidArgumentError(
      `${name}[${bad}] = ${ids[bad]} is not a token id; ids must be integers in [0, ${vocabSize}).`,
    );
  }
}
