import { deriveSeed, normal, zeros, type AdapterBuildContext, type AdapterMethod } from '@peftjs/core-tensor';
import * as tf from '@tensorflow/tfjs';

import { parseLinearSiteConfig, selectLinearSites, type LinearSiteConfig } from '../methods/site-config';
import { VectorModule } from '../methods/vector-module';

/**
 * BROKEN on purpose: seeds its `normal` initialisation with the adapter name, so the same config
 * and seed give different adapters under different names.
 */
export const nameSeededMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_name_seeded',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_name_seeded', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const sites = selectLinearSites(context.config, context.sites, context.model);
    const modules = sites.map((site) => {
      const shape = [site.linear.outFeatures];
      const seed = deriveSeed(context.seed, `${context.name}.${site.path}`);
      return new VectorModule(context.config.init === 'identity' ? zeros(shape) : normal(shape, seed, 0, 0.1));
    });
    return {
      placements: sites.map((site, i) => ({ ownerPath: site.path, owner: site.linear, container: 'named', module: modules[i] })),
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: () => tf.clone(modules[i].weight.value) },
      })),
    };
  },
};
