import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  Module,
  Parameter,
  deriveSeed,
  normal,
  registerAdapterMethod,
  zeros,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
  type LinearSite,
  type MergeSupport,
} from '@peftjs/core-tensor';

import { LearnedBiasConfig, type LearnedBiasConfigInput, type LearnedBiasConfigType } from './config';

/** The learned vector of one linear layer, saved as `<layer>.learned_bias.weight`. */
class LearnedBias extends Module {
  readonly weight: Parameter;

  constructor(value: tf.Tensor) {
    super();
    this.weight = this.registerParameter('weight', new Parameter(value));
  }
}

/** Folds the vectors into the layers' own biases; only possible when every adapted layer has one. */
function mergeIntoBiases(sites: readonly LinearSite[], vectors: readonly LearnedBias[]): MergeSupport {
  const update = (sign: 1 | -1) =>
    sites.forEach((site, i) => tf.tidy(() => site.linear.bias!.assign(tf.add(site.linear.bias!.value, tf.mul(vectors[i].weight.value, sign)))));
  return { merge: () => update(1), unmerge: () => update(-1) };
}

/**
 * A learned bias per linear layer: `y = x Wᵀ + b + v`, with one trainable vector `v` per adapted
 * layer. It shows the whole contract of an adapter method in one file: config validation, modules
 * placed where saved keys follow the layer paths, a linear-site handler and optional merging.
 */
export const learnedBiasMethod: AdapterMethod<LearnedBiasConfigType> = {
  architecture: 'learned_bias',
  supportedCompositions: ['stack', 'average', 'batch_split'],

  parseConfig: (input) => LearnedBiasConfig(input as LearnedBiasConfigInput),

  build(context: AdapterBuildContext<LearnedBiasConfigType>): AdapterBuild {
    const { config, seed } = context;
    const sites = context.sites.filter((site): site is LinearSite => site.kind === 'linear' && config.matrices.includes(site.matrix));
    if (sites.length === 0) {
      throw new ConfigError(
        `The learned-bias config selects no linear layer of this ${context.model.modelType} model (matrices [${config.matrices}]); ` +
          'name matrices the model has, such as q, k, v or o.',
      );
    }
    // Seeds come from the site path, never the adapter name, so a name does not change the adapter.
    const vectors = sites.map((site) => {
      const shape = [site.linear.outFeatures];
      return new LearnedBias(config.init === 'zeros' ? zeros(shape) : normal(shape, deriveSeed(seed, site.path), 0, 0.02));
    });
    return {
      placements: sites.map((site, i) => ({ ownerPath: site.path, owner: site.linear, container: 'learned_bias', module: vectors[i] })),
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: () => tf.clone(vectors[i].weight.value) },
      })),
      merge: sites.every((site) => site.linear.bias !== null) ? mergeIntoBiases(sites, vectors) : undefined,
    };
  },
};

registerAdapterMethod(learnedBiasMethod, { replace: true });
