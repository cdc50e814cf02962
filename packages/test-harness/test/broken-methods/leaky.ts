import * as tf from '@tensorflow/tfjs';
import { zeros, type AdapterBuildContext, type AdapterMethod } from '@peftjs/core-tensor';

import { parseLinearSiteConfig, selectLinearSites, type LinearSiteConfig } from '../methods/site-config';
import { VectorModule } from '../methods/vector-module';

/**
 * BROKEN on purpose: registers its modules on the base layers itself instead of returning them
 * as placements, so deleting the adapter leaves them (and their tensors) in the model, where the
 * next case on the same model would find them.
 */
export const leakyMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_leaky',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_leaky', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const sites = selectLinearSites(context.config, context.sites, context.model);
    const modules = sites.map((site) => site.linear.registerModule(`leaky_${context.name}`, new VectorModule(zeros([site.linear.outFeatures]))));
    return {
      placements: [],
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: () => tf.clone(modules[i].weight.value) },
      })),
    };
  },
};
