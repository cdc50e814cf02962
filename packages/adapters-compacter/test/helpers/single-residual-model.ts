import * as tf from '@tensorflow/tfjs';
import { AdaptableModel, LayerNorm, Module, ResidualSite, type AdaptationSite, type ModelDescription } from '@peftjs/core-tensor';

/** The owner of the residual site, named like BERT's `output` block. */
class OutputBlock extends Module {
  readonly LayerNorm: LayerNorm;

  constructor(hiddenSize: number, eps: number) {
    super();
    this.LayerNorm = this.registerModule('LayerNorm', new LayerNorm(hiddenSize, eps));
  }
}

/**
 * The smallest model with a residual site: one post-LayerNorm residual connection at
 * `block.output` (location `output_adapter`), as BERT's feed-forward output, or a pre-norm one
 * without LayerNorm. Used to compare bottleneck adapters with AdapterHub's `layer_flow` reference
 * values; `forward(hidden, input)` is the site's `LN(hidden + input)` through any adapters.
 * Untrained.
 */
export class SingleResidualModel extends AdaptableModel {
  readonly output: OutputBlock;
  readonly site: ResidualSite;

  /**
   * @param hiddenSize Width of the residual stream.
   * @param options `preNorm` drops the LayerNorm from the site; `eps` is the LayerNorm epsilon.
   */
  constructor(hiddenSize: number, options: { preNorm?: boolean; eps?: number } = {}) {
    super();
    const block = this.registerModule('block', new (class extends Module {})());
    this.output = block.registerModule('output', new OutputBlock(hiddenSize, options.eps ?? 1e-12));
    this.site = new ResidualSite('block.output', 0, 'output_adapter', hiddenSize, this.output, options.preNorm ? null : this.output.LayerNorm);
  }

  adaptationSites(): readonly AdaptationSite[] {
    return [this.site];
  }

  describe(): ModelDescription {
    return { modelType: 'single_residual', hiddenSize: this.site.hiddenSize, numLayers: 1 };
  }

  forward(hidden: tf.Tensor, input: tf.Tensor): tf.Tensor {
    return this.site.forward(hidden, input);
  }
}
