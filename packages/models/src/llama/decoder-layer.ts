import * as tf from '@tensorflow/tfjs';

import { Module, ResidualSite, RMSNorm, type AdaptationSite } from '@peftjs/core-tensor';

import { LlamaAttention, type AttentionContext } from './attention';
import type { LlamaConfig } from './config';
import { LlamaMLP } from './mlp';

/**
 * A parameter-less module that gives bottleneck adapters of one residual site a place in the
 * module tree. Its names (`attention_adapters`, `output_adapters`) are AdapterHub's for Llama, so
 * adapter weights saved under it carry AdapterHub's keys.
 */
export class ResidualAdapterSlot extends Module {}

/**
 * One pre-norm Llama block (Hugging Face `LlamaDecoderLayer`):
 * `h = x + attn(norm₁(x))`, then `h + mlp(norm₂(h))`, where each residual add goes through a
 * {@link ResidualSite} so bottleneck adapters can act on it.
 */
export class LlamaDecoderLayer extends Module {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: LlamaAttention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: LlamaMLP;
  readonly attention_adapters: ResidualAdapterSlot;
  readonly output_adapters: ResidualAdapterSlot;
  /** Residual connection after attention (`mh_adapter`). */
  readonly attentionResidual: ResidualSite;
  /** Residual connection after the feed-forward block (`output_adapter`). */
  readonly outputResidual: ResidualSite;

  /**
   * @param config Model configuration.
   * @param layerIndex Index of this layer in the stack.
   * @param path Module path of this layer from the model root, e.g. `model.layers.0`.
   * @param seed Model seed; every projection derives its own seed from it and its path.
   */
  constructor(
    config: LlamaConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    const hidden = config.hidden_size;
    this.input_layernorm = this.registerModule('input_layernorm', new RMSNorm(hidden, config.rms_norm_eps));
    this.self_attn = this.registerModule('self_attn', new LlamaAttention(config, layerIndex, `${path}.self_attn`, seed));
    this.post_attention_layernorm = this.registerModule(
      'post_attention_layernorm',
      new RMSNorm(hidden, config.rms_norm_eps),
    );
    this.mlp = this.registerModule('mlp', new LlamaMLP(config, layerIndex, `${path}.mlp`, seed));
    this.attention_adapters = this.registerModule('attention_adapters', new ResidualAdapterSlot());
    this.output_adapters = this.registerModule('output_adapters', new ResidualAdapterSlot());

    // Pre-norm blocks have no normalisation after the residual add, so the sites get none.
    this.attentionResidual = new ResidualSite(
      `${path}.attention_adapters`,
      layerIndex,
      'mh_adapter',
      hidden,
      this.attention_adapters,
      null,
    );
    this.outputResidual = new ResidualSite(
      `${path}.output_adapters`,
      layerIndex,
      'output_adapter',
      hidden,
      this.output_adapters,
      null,
    );
  }

  /** Returns this layer's sites: linear q, k, v, o, gate, up, down, then the residual and attention sites. */
  adaptationSites(): AdaptationSite[] {
    return [
      ...this.self_attn.linearSites(),
      ...this.mlp.linearSites(),
      this.attentionResidual,
      this.outputResidual,
      this.self_attn.site,
    ];
  }

  /**
   * @param hidden Residual stream `[batch, length, hiddenSize]`; not disposed.
   * @param context Rotary angles, mask and cache of this call.
   * @returns The residual stream after this block.
   */
  apply(hidden: tf.Tensor, context: AttentionContext): tf.Tensor {
    return tf.tidy(() => {
      const attended = this.self_attn.apply(this.input_layernorm.apply(hidden), context);
      const afterAttention = this.attentionResidual.forward(attended, hidden);
      const transformed = this.mlp.apply(this.post_attention_layernorm.apply(afterAttention));
      return this.outputResidual.forward(transformed, afterAttention);
    });
  }
}
