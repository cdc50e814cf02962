import * as tf from '@tensorflow/tfjs';
import {
  deriveSeed,
  normal,
  zeros,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
} from '@peftjs/core-tensor';

import { parseLinearSiteConfig, selectLinearSites, type LinearSiteConfig } from './site-config';
import { VectorModule } from './vector-module';

/**
 * A correct test method, `test_bias`: adds a learned vector to each selected linear output.
 * `identity` init is zeros, `normal` init is N(0, 0.1²). It cannot merge (Llama's linear layers
 * have no bias to fold it into), and it warns when `leave_out` keeps a single layer.
 */
export const outputBiasMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'test_bias',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('test_bias', input),
  build(context: AdapterBuildContext<LinearSiteConfig>): AdapterBuild {
    const sites = selectLinearSites(context.config, context.sites, context.model);
    const modules = sites.map((site) => {
      const shape = [site.linear.outFeatures];
      return new VectorModule(context.config.init === 'identity' ? zeros(shape) : normal(shape, deriveSeed(context.seed, site.path), 0, 0.1));
    });
    const layers = context.model.numLayers - new Set(context.config.leave_out.filter((i) => i < context.model.numLayers)).size;
    return {
      placements: sites.map((site, i) => ({ ownerPath: site.path, owner: site.linear, container: 'test_bias', module: modules[i] })),
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: () => tf.clone(modules[i].weight.value) },
      })),
      warnings: layers === 1 ? [`leave_out keeps only 1 of ${context.model.numLayers} layers`] : [],
    };
  },
};
