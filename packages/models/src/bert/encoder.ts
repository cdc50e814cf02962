import * as tf from '@tensorflow/tfjs';

import { type AdaptationSite, Module, ModuleList } from '@peftjs/core-tensor';

import { BertAttention } from './attention';
import type { BertConfig } from './config';
import { BertIntermediate, BertOutput } from './feed-forward';

/**
 * One post-LayerNorm encoder block (transformers' `BertLayer`; children `attention`,
 * `intermediate`, `output`): `h = LN(x + attn(x))`, then `LN(h + ffn(h))`.
 */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertOutput;

  /**
   * @param config Validated model configuration.
   * @param layerIndex Index of this layer in the encoder.
   * @param path Module path from the model root, e.g. `bert.encoder.layer.0`.
   * @param seed Model seed.
   */
  constructor(
    config: BertConfig,
    readonly layerIndex: number,
    readonly path: string,
    seed: number,
  ) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(config, layerIndex, `${path}.attention`, seed));
    this.intermediate = this.registerModule(
      'intermediate',
      new BertIntermediate(config, layerIndex, `${path}.intermediate`, seed),
    );
    this.output = this.registerModule('output', new BertOutput(config, layerIndex, `${path}.output`, seed));
  }

  /** Returns this layer's sites: linear q, k, v, o, intermediate, output, then the residual and attention sites. */
  adaptationSites(): AdaptationSite[] {
    return [
      ...this.attention.self.linearSites(),
      this.attention.output.linearSite(),
      this.intermediate.linearSite(),
      this.output.linearSite(),
      this.attention.output.residualSite,
      this.output.residualSite,
      this.attention.self.site,
    ];
  }

  /**
   * @param hidden `[batch, length, hiddenSize]`; not disposed.
   * @param mask Additive attention mask, or null.
   */
  apply(hidden: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const attended = this.attention.apply(hidden, mask);
      return this.output.apply(this.intermediate.apply(attended), attended);
    });
  }
}

/** The stack of encoder layers (transformers' `BertEncoder`; child `layer`). */
export class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;

  /**
   * @param config Validated model configuration.
   * @param path Module path from the model root, e.g. `bert.encoder`.
   * @param seed Model seed.
   */
  constructor(config: BertConfig, path: string, seed: number) {
    super();
    this.layer = this.registerModule('layer', new ModuleList<BertLayer>());
    for (let i = 0; i < config.num_hidden_layers; i++) {
      this.layer.push(new BertLayer(config, i, `${path}.layer.${i}`, seed));
    }
  }

  /** Returns the sites of every layer, in layer order. */
  adaptationSites(): AdaptationSite[] {
    return [...this.layer].flatMap((layer) => layer.adaptationSites());
  }

  /**
   * @param hidden Embeddings `[batch, length, hiddenSize]`; not disposed.
   * @param mask Additive attention mask, or null.
   */
  apply(hidden: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      let x = hidden;
      for (const layer of this.layer) x = layer.apply(x, mask);
      return x;
    });
  }
}
