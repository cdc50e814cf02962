import * as tf from '@tensorflow/tfjs';

import { AdaptableModel, deriveSeed, Linear, linear, type AdaptationSite, type ModelDescription } from '@peftjs/core-tensor';

import { createLlamaConfig, type LlamaConfig, type LlamaConfigInput } from './config';
import type { LlamaKVCache } from './kv-cache';
import { LlamaModel, type LlamaForwardOptions } from './llama-model';

/** Options of the Llama model constructors. */
export interface LlamaModelOptions {
  /**
   * Seed of the initial weights (default 0). Every weight derives its own seed from it and its
   * path, so the same seed builds the same model. Loaders overwrite these weights.
   */
  seed?: number;
}

/**
 * A Llama language model (Hugging Face `LlamaForCausalLM`): the decoder stack under `model` and
 * the output classifier `lm_head`, which is the transposed token embedding when
 * `tie_word_embeddings` is true and a separate `[vocab, hidden]` weight otherwise.
 *
 * Parameter paths are Hugging Face's (`model.layers.0.self_attn.q_proj.weight`), so safetensors
 * checkpoints and PEFT adapter files load without renaming.
 */
export class LlamaForCausalLM extends AdaptableModel {
  readonly config: LlamaConfig;
  readonly model: LlamaModel;
  /** The untied classifier, or null when the embedding is reused. */
  readonly lm_head: Linear | null;

  /**
   * @param config Model configuration; omitted optional fields take Hugging Face's defaults.
   * @param options Initialisation seed.
   */
  constructor(config: LlamaConfigInput, options: LlamaModelOptions = {}) {
    super();
    this.config = createLlamaConfig(config);
    const seed = options.seed ?? 0;
    this.model = this.registerModule('model', new LlamaModel(this.config, 'model', seed));
    this.lm_head = this.config.tie_word_embeddings
      ? null
      : this.registerModule(
          'lm_head',
          new Linear(this.config.hidden_size, this.config.vocab_size, { bias: false, seed: deriveSeed(seed, 'lm_head') }),
        );
  }

  /** Returns the sites of every decoder layer in layer order (see the package README for the list). */
  adaptationSites(): readonly AdaptationSite[] {
    return this.model.adaptationSites();
  }

  describe(): ModelDescription {
    return { modelType: 'llama', hiddenSize: this.config.hidden_size, numLayers: this.config.num_hidden_layers };
  }

  /** Creates an empty KV cache for this model. The caller owns it and must `dispose()` it. */
  createCache(): LlamaKVCache {
    return this.model.createCache();
  }

  /**
   * Returns the final-norm hidden states `[batch, length, hiddenSize]`.
   *
   * @param inputIds int32 token ids `[batch, length]`; not disposed.
   * @param options Padding mask and KV cache; a given cache receives the new tokens.
   */
  hiddenStates(inputIds: tf.Tensor, options: LlamaForwardOptions = {}): tf.Tensor {
    return this.model.apply(inputIds, options);
  }

  /**
   * Returns next-token logits `[batch, length, vocabSize]` for every input position.
   *
   * @param inputIds int32 token ids `[batch, length]`; not disposed.
   * @param options Padding mask and KV cache; a given cache receives the new tokens.
   */
  forward(inputIds: tf.Tensor, options: LlamaForwardOptions = {}): tf.Tensor {
    const hidden = this.hiddenStates(inputIds, options);
    try {
      return this.logitsFromHidden(hidden);
    } finally {
      hidden.dispose();
    }
  }

  private logitsFromHidden(hidden: tf.Tensor): tf.Tensor {
    if (this.lm_head !== null) return this.lm_head.apply(hidden);
    // Tied embeddings: the `[vocab, hidden]` embedding matrix is the `[out, in]` classifier weight.
    return linear(hidden, this.model.embed_tokens.weight);
  }
}
