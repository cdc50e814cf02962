import * as tf from '@tensorflow/tfjs';

import { deriveSeed, Linear, Module, silu, type LinearSite } from '@peftjs/core-tensor';

import type { LlamaConfig } from './config';

/**
 * Llama's SwiGLU feed-forward block `down_proj(silu(gate_proj(x)) · up_proj(x))` (Hugging Face
 * `LlamaMLP`; no biases).
 */
export class LlamaMLP extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;

  /**
   * @param config Model configuration.
   * @param layerIndex Index of the decoder layer that owns this block.
   * @param path Module path of this block from the model root, e.g. `model.layers.0.mlp`.
   * @param seed Model seed; each projection derives its own seed from it and its path.
   */
  constructor(
    config: LlamaConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    const { hidden_size: hidden, intermediate_size: intermediate } = config;
    const projection = (name: string, inFeatures: number, outFeatures: number): Linear =>
      this.registerModule(name, new Linear(inFeatures, outFeatures, { bias: false, seed: deriveSeed(seed, `${path}.${name}`) }));
    this.gate_proj = projection('gate_proj', hidden, intermediate);
    this.up_proj = projection('up_proj', hidden, intermediate);
    this.down_proj = projection('down_proj', intermediate, hidden);
  }

  /** Returns the linear adaptation sites `gate`, `up` (location `intermediate`) and `down` (`output`). */
  linearSites(): LinearSite[] {
    const entries: [string, LinearSite['location'], Linear][] = [
      ['gate', 'intermediate', this.gate_proj],
      ['up', 'intermediate', this.up_proj],
      ['down', 'output', this.down_proj],
    ];
    return entries.map(([matrix, location, linear]) => ({
      kind: 'linear' as const,
      path: `${this.path}.${matrix}_proj`,
      layerIndex: this.layerIndex,
      location,
      matrix,
      linear,
    }));
  }

  /**
   * @param x Normalised input `[..., hiddenSize]`; not disposed.
   * @returns `[..., hiddenSize]`.
   */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.down_proj.apply(tf.mul(silu(this.gate_proj.apply(x)), this.up_proj.apply(x))));
  }
}
