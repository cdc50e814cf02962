import * as tf from '@tensorflow/tfjs';

import { AttentionSite, deriveSeed, Linear, Module, ShapeMismatchError, type LinearSite } from '@peftjs/core-tensor';

import { llamaHeadDim, type LlamaConfig } from './config';
import type { LlamaKVCache } from './kv-cache';
import { applyRotary, type RotaryAngles } from './rotary';

/** Per-call inputs of {@link LlamaAttention.apply} that the decoder stack computes once. */
export interface AttentionContext {
  /** Rotary angles of the new tokens' positions. */
  readonly rotary: RotaryAngles;
  /** Additive mask `[batch or 1, 1, queryLength, keyLength]`, or null when nothing is masked. */
  readonly mask: tf.Tensor | null;
  /** The cache to read and append to, or null for a stateless call. */
  readonly cache: LlamaKVCache | null;
}

/**
 * Llama self-attention with grouped-query attention, rotary positions and an optional KV cache
 * (Hugging Face `LlamaAttention`; children `q_proj`, `k_proj`, `v_proj`, `o_proj`, no biases).
 *
 * Query head `h` reads key/value head `floor(h / (numHeads / numKeyValueHeads))`, as in Hugging
 * Face's `repeat_kv` and llama2.c.
 */
export class LlamaAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  /** Attention site at which prefix-tuning adapters extend this layer's keys and values. */
  readonly site: AttentionSite;

  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;

  /**
   * @param config Model configuration.
   * @param layerIndex Index of the decoder layer that owns this attention.
   * @param path Module path of this attention from the model root, e.g. `model.layers.0.self_attn`.
   * @param seed Model seed; each projection derives its own seed from it and its path.
   */
  constructor(
    config: LlamaConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    const hidden = config.hidden_size;
    this.numHeads = config.num_attention_heads;
    this.numKeyValueHeads = config.num_key_value_heads;
    this.headDim = llamaHeadDim(config);
    const kvWidth = this.numKeyValueHeads * this.headDim;

    const projection = (name: string, inFeatures: number, outFeatures: number): Linear =>
      this.registerModule(name, new Linear(inFeatures, outFeatures, { bias: false, seed: deriveSeed(seed, `${path}.${name}`) }));
    this.q_proj = projection('q_proj', hidden, hidden);
    this.k_proj = projection('k_proj', hidden, kvWidth);
    this.v_proj = projection('v_proj', hidden, kvWidth);
    this.o_proj = projection('o_proj', hidden, hidden);
    this.site = new AttentionSite(path, layerIndex, this.numHeads, this.numKeyValueHeads, this.headDim, hidden, this);
  }

  /** Returns the linear adaptation sites `q`, `k`, `v`, `o` of this attention. */
  linearSites(): LinearSite[] {
    const entries: [string, Linear][] = [
      ['q', this.q_proj],
      ['k', this.k_proj],
      ['v', this.v_proj],
      ['o', this.o_proj],
    ];
    return entries.map(([matrix, linear]) => ({
      kind: 'linear' as const,
      path: `${this.path}.${matrix}_proj`,
      layerIndex: this.layerIndex,
      location: 'selfattn' as const,
      matrix,
      linear,
    }));
  }

  /**
   * Attends from the new tokens to the cached and new tokens.
   *
   * @param hidden Normalised input `[batch, length, hiddenSize]`; not disposed.
   * @param context Rotary angles, mask and cache of this call.
   * @returns `[batch, length, hiddenSize]`, after `o_proj`.
   */
  apply(hidden: tf.Tensor, context: AttentionContext): tf.Tensor {
    return tf.tidy(() => {
      const [batch, length] = hidden.shape as [number, number, number];
      const query = applyRotary(this.splitHeads(this.q_proj.apply(hidden), this.numHeads), context.rotary);
      let key = applyRotary(this.splitHeads(this.k_proj.apply(hidden), this.numKeyValueHeads), context.rotary);
      let value = this.splitHeads(this.v_proj.apply(hidden), this.numKeyValueHeads);
      if (context.cache !== null) {
        ({ key, value } = context.cache.append(this.layerIndex, key, value));
      }

      const state = this.site.extend({ key, value, mask: context.mask, hiddenStates: hidden });
      this.checkExtendedState(state.key, state.value);

      const attended = this.attend(query, state.key, state.value, state.mask);
      const merged = attended.transpose([0, 2, 1, 3]).reshape([batch, length, this.numHeads * this.headDim]);
      return this.o_proj.apply(merged);
    });
  }

  /** `[batch, length, heads · headDim]` to `[batch, heads, length, headDim]`. */
  private splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
    const [batch, length] = x.shape as [number, number, number];
    return x.reshape([batch, length, heads, this.headDim]).transpose([0, 2, 1, 3]);
  }

  /**
   * Scaled dot-product attention with grouped key/value heads, returning `[batch, heads, length, headDim]`.
   *
   * The query heads of one group are stacked along the length axis (`[batch, kvHeads, group ·
   * length, headDim]`, a free reshape because heads of a group are adjacent) so that they
   * multiply their shared keys and values directly, without copying keys and values per head.
   */
  private attend(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
    const [batch, heads, length, headDim] = query.shape as [number, number, number, number];
    const kvHeads = this.numKeyValueHeads;
    const keyLength = key.shape[2]!;
    const groupedQuery = query.reshape([batch, kvHeads, (heads / kvHeads) * length, headDim]);
    let scores = tf.matMul(groupedQuery, key, false, true).reshape([batch, heads, length, keyLength]);
    scores = tf.mul(scores, 1 / Math.sqrt(headDim));
    if (mask !== null) scores = tf.add(scores, mask);
    const probabilities = tf.softmax(scores, -1).reshape([batch, kvHeads, (heads / kvHeads) * length, keyLength]);
    return tf.matMul(probabilities, value).reshape([batch, heads, length, headDim]);
  }

  private checkExtendedState(key: tf.Tensor, value: tf.Tensor): void {
    const expected = `[batch, ${this.numKeyValueHeads}, keyLength, ${this.headDim}]`;
    for (const [name, tensor] of [['key', key], ['value', value]] as const) {
      if (tensor.rank !== 4 || tensor.shape[1] !== this.numKeyValueHeads || tensor.shape[3] !== this.headDim) {
        throw new ShapeMismatchError(
          `An adapter at attention site ${this.path} returned a ${name} of shape [${tensor.shape}]; ` +
            `expected ${expected}. Fix the adapter's attention hook.`,
        );
      }
    }
    if (key.shape[2] !== value.shape[2]) {
      throw new ShapeMismatchError(
        `An adapter at attention site ${this.path} returned keys of length ${key.shape[2]} but values of ` +
          `length ${value.shape[2]}; they must be equal.`,
      );
    }
  }
}
