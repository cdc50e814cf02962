import * as tf from '@tensorflow/tfjs';
import { AdaptableModel, InvalidArgumentError } from '@peftjs/core-tensor';
import { LlamaForCausalLM, causalLanguageModelingLoss } from '@peftjs/models';

import type { HarnessModel } from './harness-model';

/**
 * A causal language model as the harness needs it: an adaptable model whose `forward` returns
 * logits `[batch, length, vocab]`, as `LlamaForCausalLM` does. Declared here so that the harness's
 * type declarations do not depend on those of `@peftjs/models`.
 */
export interface CausalLanguageModel extends AdaptableModel {
  forward(inputIds: tf.Tensor, options?: { attentionMask?: tf.Tensor }): tf.Tensor;
}

/**
 * Configuration of the tiny Llama: hidden size 32, 5 layers, 4 query heads sharing 2 key/value
 * heads, feed-forward size 37 (not a multiple of the hidden size, so swapped dimensions fail),
 * 64-token vocabulary.
 */
export const TINY_LLAMA_CONFIG = Object.freeze({
  hidden_size: 32,
  intermediate_size: 37,
  num_hidden_layers: 5,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 64,
  max_position_embeddings: 64,
});

/** Token ids of the standard tiny-Llama batch, `[2, 7]`; the second row ends in two padding tokens. */
const TOKEN_IDS = [
  [1, 5, 9, 14, 33, 2, 60],
  [1, 42, 17, 3, 8, 0, 0],
];
const ATTENTION_MASK = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 0, 0],
];

/**
 * Wraps a causal language model and a batch of token ids as a {@link HarnessModel}: the output
 * is the logits and the loss is the mean next-token cross-entropy over the unpadded tokens.
 * The returned object owns `model`, `inputIds` and `attentionMask`.
 *
 * @param name Label used in check messages.
 * @param model The language model, such as a `LlamaForCausalLM`.
 * @param inputIds int32 token ids `[batch, length]`.
 * @param attentionMask `[batch, length]`, 1 for tokens and 0 for padding.
 */
export function causalLanguageModelHarness(
  name: string,
  model: CausalLanguageModel,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
): HarnessModel {
  if (!(model instanceof AdaptableModel) || typeof model.forward !== 'function') {
    throw new InvalidArgumentError(
      `causalLanguageModelHarness needs an adaptable causal language model such as LlamaForCausalLM, got ${String(model)}.`,
    );
  }
  return {
    name,
    model,
    forward: () => model.forward(inputIds, { attentionMask }),
    loss: () =>
      tf.tidy(() => causalLanguageModelingLoss(model.forward(inputIds, { attentionMask }), inputIds, attentionMask)),
    dispose: () => {
      model.dispose();
      tf.dispose([inputIds, attentionMask]);
    },
  };
}

/**
 * Creates the tiny, UNTRAINED Llama of {@link TINY_LLAMA_CONFIG} with deterministic weights and a
 * fixed `[2, 7]` batch whose second row is right-padded. Its outputs mean nothing about language;
 * it exists to run the checks quickly.
 *
 * @param seed Seed of the weights (default 0); the same seed gives the same model.
 */
export function createTinyLlamaHarnessModel(seed = 0): HarnessModel {
  const model = new LlamaForCausalLM(TINY_LLAMA_CONFIG, { seed });
  return causalLanguageModelHarness(
    'tiny-llama',
    model,
    tf.tensor2d(TOKEN_IDS, [2, 7], 'int32'),
    tf.tensor2d(ATTENTION_MASK, [2, 7], 'int32'),
  );
}
