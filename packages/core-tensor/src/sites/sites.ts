import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import type { LayerNorm, RMSNorm } from '../layers/layer-norm';
import type { Linear } from '../layers/linear';
import type { Module } from '../module/module';

/**
 * Adaptation sites: the places where a model lets adapter methods act. A model declares them once
 * (see `AdaptableModel.adaptationSites`); methods read them to decide where to attach, and the
 * adapter host installs hooks on them. Site paths are Hugging Face module paths, so adapter
 * tensors saved under them have the keys PEFT and AdapterHub use.
 */

/** Location of a linear site in a transformer block, with AdapterHub's LoRA location names. */
export type LinearLocation = 'selfattn' | 'intermediate' | 'output';

/**
 * A linear layer adapters may modify (LoRA, (IA)³).
 *
 * `matrix` names the role of the layer: `q`, `k`, `v`, `o` in self-attention; `gate` and `up`
 * (or `intermediate` for BERT) in the feed-forward input; `down` (or `output`) in the feed-forward
 * output.
 */
export interface LinearSite {
  readonly kind: 'linear';
  /** Module path of the linear layer, e.g. `model.layers.0.self_attn.q_proj`. */
  readonly path: string;
  readonly layerIndex: number;
  readonly location: LinearLocation;
  readonly matrix: string;
  readonly linear: Linear;
}

/**
 * A function that replaces the residual combination of a block: receives the sub-layer output,
 * the residual input and the block's own normalisation (null in pre-norm models) and returns the
 * block output.
 */
export type ResidualHook = (hidden: tf.Tensor, residual: tf.Tensor, layerNorm: LayerNorm | RMSNorm | null) => tf.Tensor;

/** Residual connection of a block: after attention or after the feed-forward block. */
export type ResidualLocation = 'mh_adapter' | 'output_adapter';

/**
 * The residual connection after a block's attention (`mh_adapter`) or feed-forward sub-layer
 * (`output_adapter`), where bottleneck adapters act.
 *
 * Post-LayerNorm models (BERT) compute `LayerNorm(hidden + residual)`; pre-norm models (Llama)
 * compute `hidden + residual` and pass no layer norm. Adapter modules for the site are registered
 * as children of `owner`, whose path is `path`.
 */
export class ResidualSite {
  readonly kind = 'residual' as const;

  /** Installed by the adapter host while adapters act here; `null` gives the plain residual. */
  hook: ResidualHook | null = null;

  /**
   * @param path Module path of `owner`, e.g. `bert.encoder.layer.0.attention.output`.
   * @param layerIndex Index of the transformer block.
   * @param location `mh_adapter` after attention, `output_adapter` after the feed-forward block.
   * @param hiddenSize Width of the residual stream.
   * @param owner Module under which adapter modules for this site are registered.
   * @param layerNorm The block normalisation applied after the residual add (post-LN models), or null.
   */
  constructor(
    readonly path: string,
    readonly layerIndex: number,
    readonly location: ResidualLocation,
    readonly hiddenSize: number,
    readonly owner: Module,
    readonly layerNorm: LayerNorm | RMSNorm | null,
  ) {}

  /** Whether the model normalises after the residual add (BERT) or before the sub-layer (Llama). */
  get normPlacement(): 'post' | 'pre' {
    return this.layerNorm === null ? 'pre' : 'post';
  }

  /** Combines a sub-layer output with its residual input, through any installed adapters. */
  forward(hidden: tf.Tensor, residual: tf.Tensor): tf.Tensor {
    if (this.hook) return this.hook(hidden, residual, this.layerNorm);
    return tf.tidy(() => {
      const sum = tf.add(hidden, residual);
      return this.layerNorm ? this.layerNorm.apply(sum) : sum;
    });
  }
}

/**
 * Keys, values and attention mask of one attention call, after the rotary embedding.
 * Keys and values have shape `[batch, numKeyValueHeads, keyLength, headDim]`; `mask` is additive,
 * broadcastable to `[batch, numHeads, queryLength, keyLength]` (0 where attention is allowed and a
 * large negative number where it is not), or null for no mask.
 */
export interface AttentionState {
  readonly key: tf.Tensor;
  readonly value: tf.Tensor;
  readonly mask: tf.Tensor | null;
  /** Input of the attention block, `[batch, queryLength, hiddenSize]`, used by gated methods. */
  readonly hiddenStates: tf.Tensor;
}

/** A function that extends an attention call's keys, values and mask (for example with prefixes). */
export type AttentionHook = (state: AttentionState) => AttentionState;

/** A self-attention layer whose keys and values adapters may extend with prefixes (prefix tuning). */
export class AttentionSite {
  readonly kind = 'attention' as const;

  /** Installed by the adapter host while adapters act here. */
  hook: AttentionHook | null = null;

  /**
   * @param path Module path of `owner`, e.g. `model.layers.0.self_attn`.
   * @param layerIndex Index of the transformer block.
   * @param numHeads Number of query heads.
   * @param numKeyValueHeads Number of key/value heads (fewer than `numHeads` with grouped-query attention).
   * @param headDim Size of each head.
   * @param hiddenSize Width of the residual stream.
   * @param owner Module under which adapter modules for this site are registered.
   */
  constructor(
    readonly path: string,
    readonly layerIndex: number,
    readonly numHeads: number,
    readonly numKeyValueHeads: number,
    readonly headDim: number,
    readonly hiddenSize: number,
    readonly owner: Module,
  ) {
    if (numHeads % numKeyValueHeads !== 0) {
      throw new InvalidArgumentError(
        `Attention site ${path}: numHeads ${numHeads} must be a multiple of numKeyValueHeads ${numKeyValueHeads}.`,
      );
    }
  }

  /** Returns the attention state extended by any installed adapters (the same object when none act). */
  extend(state: AttentionState): AttentionState {
    return this.hook ? this.hook(state) : state;
  }
}

/** Any adaptation site. */
export type AdaptationSite = LinearSite | ResidualSite | AttentionSite;

/** Shape facts about a model that adapter methods need when they validate a config. */
export interface ModelDescription {
  /** Hugging Face `model_type`, e.g. `llama` or `bert`. */
  readonly modelType: string;
  readonly hiddenSize: number;
  readonly numLayers: number;
}
