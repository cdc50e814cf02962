import * as tf from '@tensorflow/tfjs';

import {
  deriveSeed,
  Embedding,
  InvalidArgumentError,
  Module,
  ModuleList,
  RMSNorm,
  type AdaptationSite,
} from '@peftjs/core-tensor';

import { buildAttentionMask } from './attention-mask';
import { llamaHeadDim, type LlamaConfig } from './config';
import { LlamaDecoderLayer } from './decoder-layer';
import { LlamaKVCache } from './kv-cache';
import { RotaryEmbedding } from './rotary';

/** Options of a Llama forward call. */
export interface LlamaForwardOptions {
  /**
   * Padding mask, 1 for real tokens and 0 for padding, of shape `[batch, length]` (the new tokens)
   * or `[batch, cacheLength + length]` (cached and new tokens, as Hugging Face passes it). Both
   * right and left padding work. The cache remembers the mask of the tokens it stores.
   */
  attentionMask?: tf.Tensor;
  /** KV cache from `createCache()`; the call appends the new tokens to it. */
  cache?: LlamaKVCache;
}

/**
 * The Llama decoder stack without a head (Hugging Face `LlamaModel`): `embed_tokens`, `layers`
 * and the final `norm`.
 */
export class LlamaModel extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<LlamaDecoderLayer>;
  readonly norm: RMSNorm;
  private readonly rotary: RotaryEmbedding;

  /**
   * @param config Validated model configuration.
   * @param path Module path of this stack from the model root (`model`).
   * @param seed Seed of the initial weights.
   */
  constructor(
    readonly config: LlamaConfig,
    readonly path: string,
    seed: number,
  ) {
    super();
    this.embed_tokens = this.registerModule(
      'embed_tokens',
      new Embedding(config.vocab_size, config.hidden_size, deriveSeed(seed, `${path}.embed_tokens`)),
    );
    this.layers = this.registerModule('layers', new ModuleList<LlamaDecoderLayer>());
    for (let i = 0; i < config.num_hidden_layers; i++) {
      this.layers.push(new LlamaDecoderLayer(config, i, `${path}.layers.${i}`, seed));
    }
    this.norm = this.registerModule('norm', new RMSNorm(config.hidden_size, config.rms_norm_eps));
    this.rotary = new RotaryEmbedding(llamaHeadDim(config), config.rope_theta);
  }

  /** Returns the sites of every layer, in layer order. */
  adaptationSites(): AdaptationSite[] {
    return [...this.layers].flatMap((layer) => layer.adaptationSites());
  }

  /** Creates an empty KV cache for this model. The caller owns it and must `dispose()` it. */
  createCache(): LlamaKVCache {
    return new LlamaKVCache(this.config.num_hidden_layers);
  }

  /**
   * Runs the decoder stack and returns the final-norm hidden states `[batch, length, hiddenSize]`.
   *
   * @param inputIds int32 token ids `[batch, length]`; not disposed.
   * @param options Padding mask and KV cache.
   */
  apply(inputIds: tf.Tensor, options: LlamaForwardOptions = {}): tf.Tensor {
    const cache = options.cache ?? null;
    const [batch, length] = this.checkInputs(inputIds, cache);
    const offset = cache?.length ?? 0;
    const maskParts = this.splitAttentionMask(options.attentionMask, batch, length, offset, cache);

    try {
      const hidden = tf.tidy(() => {
        const mask = buildAttentionMask(length, offset, maskParts.keys);
        const rotary = this.rotary.angles(offset, length);
        let x = this.embed_tokens.apply(inputIds);
        for (const layer of this.layers) x = layer.apply(x, { rotary, mask, cache });
        return this.norm.apply(x);
      });
      cache?.advance(batch, length, maskParts.current);
      return hidden;
    } catch (error) {
      cache?.rollback();
      throw error;
    } finally {
      maskParts.keys?.dispose();
      maskParts.current?.dispose();
    }
  }

  private checkInputs(inputIds: tf.Tensor, cache: LlamaKVCache | null): [number, number] {
    if (!(inputIds instanceof tf.Tensor) || inputIds.rank !== 2 || inputIds.dtype !== 'int32') {
      const got = inputIds instanceof tf.Tensor ? `a ${inputIds.dtype} tensor of shape [${inputIds.shape}]` : String(inputIds);
      throw new InvalidArgumentError(
        `Llama inputIds must be an int32 tensor of shape [batch, length], got ${got}. ` +
          "Create it with tf.tensor2d(ids, [batch, length], 'int32').",
      );
    }
    const [batch, length] = inputIds.shape as [number, number];
    if (batch === 0 || length === 0) {
      throw new InvalidArgumentError(`Llama inputIds must contain at least one token, got shape [${inputIds.shape}].`);
    }
    if (cache !== null) {
      if (cache.numLayers !== this.config.num_hidden_layers) {
        throw new InvalidArgumentError(
          `The KV cache has ${cache.numLayers} layers but the model has ${this.config.num_hidden_layers}; ` +
            "create the cache with this model's createCache().",
        );
      }
      cache.checkUsable(batch);
    }
    const end = (cache?.length ?? 0) + length;
    if (end > this.config.max_position_embeddings) {
      throw new InvalidArgumentError(
        `The sequence would reach ${end} tokens (${cache?.length ?? 0} cached + ${length} new), beyond ` +
          `max_position_embeddings = ${this.config.max_position_embeddings}. Shorten the input or start a new cache.`,
      );
    }
    return [batch, length];
  }

  /**
   * Returns the padding mask of all keys (cached and new) and of the new tokens only, both float32
   * and owned by the caller, or null where no token is padding.
   */
  private splitAttentionMask(
    attentionMask: tf.Tensor | undefined,
    batch: number,
    length: number,
    offset: number,
    cache: LlamaKVCache | null,
  ): { keys: tf.Tensor | null; current: tf.Tensor | null } {
    const cached = cache?.paddingMask ?? null;
    if (attentionMask === undefined) {
      if (cached === null) return { keys: null, current: null };
      return { keys: tf.tidy(() => tf.concat([cached, tf.ones([batch, length])], 1)), current: null };
    }

    const width = attentionMask.shape[1];
    const validWidth = width === length || width === offset + length;
    if (attentionMask.rank !== 2 || attentionMask.shape[0] !== batch || !validWidth) {
      throw new InvalidArgumentError(
        `attentionMask has shape [${attentionMask.shape}]; expected [${batch}, ${length}] (new tokens) or ` +
          `[${batch}, ${offset + length}] (cached and new tokens).`,
      );
    }
    const values = attentionMask.dataSync();
    const bad = values.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) {
      throw new InvalidArgumentError(
        `attentionMask must contain only 0 (padding) and 1 (token), got ${values[bad]} at flat index ${bad}.`,
      );
    }

    return tf.tidy(() => {
      const mask = attentionMask.toFloat();
      if (width === length) {
        const past = cached ?? tf.ones([batch, offset]);
        return { keys: tf.concat([past, mask], 1), current: mask.clone() };
      }
      // The caller passed the whole history; the cache keeps what it stored, so only the new part is recorded.
      return { keys: mask.clone(), current: mask.slice([0, offset], [batch, length]) };
    });
  }
}
