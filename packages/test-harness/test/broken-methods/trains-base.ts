import * as tf from '@tensorflow/tfjs';
import { Linear, Module, Parameter, zeros, type AdapterBuildContext, type AdapterMethod } from '@peftjs/core-tensor';

import { parseLinearSiteConfig, selectLinearSites, type LinearSiteConfig } from '../methods/site-config';

/** A bias that keeps the layer it adapts as a child, the way PyTorch code keeps `base_layer`. */
class WrappingBias extends Module {
  readonly bias: Parameter;

  constructor(readonly baseLayer: Linear) {
    super();
    this.bias = this.registerParameter('bias', new Parameter(zeros([baseLayer.outFeatures])));
    this.registerModule('base_layer', baseLayer);
  }
}

/** The wrapped layers of one adapter, placed under the model root. */
class WrappedLayers extends Module {
  constructor(layers: readonly WrappingBias[]) {
    super();
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }
}

/**
 * BROKEN on purpose: its placed modules hold the base layers as children, so `trainAdapter`
 * makes the base weights trainable and training changes them.
 */
export const trainsBaseMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_trains_base',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_trains_base', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const sites = selectLinearSites(context.config, context.sites, context.model);
    const modules = sites.map((site) => new WrappingBias(site.linear));
    return {
      placements: [{ ownerPath: '', owner: context.root!, container: 'wrapped', module: new WrappedLayers(modules) }],
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: () => tf.clone(modules[i].bias.value) },
      })),
    };
  },
};
