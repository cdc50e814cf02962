import * as tf from '@tensorflow/tfjs';
import { AdaptableModel, Linear, Module, type AdaptationSite, type LinearSite, type ModelDescription } from '@peftjs/core-tensor';

/** One attention-like block holding a single `q_proj` linear layer. */
class Block extends Module {
  readonly q_proj: Linear;

  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.q_proj = this.registerModule('q_proj', new Linear(inFeatures, outFeatures));
  }
}

/**
 * The smallest adaptable model: one linear layer at the path `layers.0.q_proj`, declared as the
 * `q` matrix of a self-attention block. Used to compare LoRA with reference values computed on a
 * bare linear layer. Untrained.
 */
export class SingleLinearModel extends AdaptableModel {
  readonly block: Block;
  private readonly site: LinearSite;

  constructor(inFeatures: number, outFeatures: number) {
    super();
    const layers = this.registerModule('layers', new (class extends Module {})());
    this.block = layers.registerModule('0', new Block(inFeatures, outFeatures));
    this.site = { kind: 'linear', path: 'layers.0.q_proj', layerIndex: 0, location: 'selfattn', matrix: 'q', linear: this.block.q_proj };
  }

  get linear(): Linear {
    return this.block.q_proj;
  }

  adaptationSites(): readonly AdaptationSite[] {
    return [this.site];
  }

  describe(): ModelDescription {
    return { modelType: 'single_linear', hiddenSize: this.linear.inFeatures, numLayers: 1 };
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.linear.apply(x);
  }
}
