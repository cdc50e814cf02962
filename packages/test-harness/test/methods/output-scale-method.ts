import * as tf from '@tensorflow/tfjs';
import {
  deriveSeed,
  normal,
  ones,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
  type LinearSite,
} from '@peftjs/core-tensor';

import { parseLinearSiteConfig, selectLinearSites, type LinearSiteConfig } from './site-config';
import { VectorModule } from './vector-module';

/**
 * A correct test method, `test_scale`: multiplies each selected linear output by a learned vector
 * (like (IA)³). `identity` init is ones, `normal` init is N(1, 0.1²). It merges by scaling the
 * weight rows and the bias.
 */
export const outputScaleMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'test_scale',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('test_scale', input),
  build(context: AdapterBuildContext<LinearSiteConfig>): AdapterBuild {
    const sites = selectLinearSites(context.config, context.sites, context.model);
    const modules = sites.map((site) => {
      const shape = [site.linear.outFeatures];
      const seed = deriveSeed(context.seed, site.path);
      return new VectorModule(context.config.init === 'identity' ? ones(shape) : normal(shape, seed, 1, 0.1));
    });
    const update = (direction: 'merge' | 'unmerge') => {
      sites.forEach((site: LinearSite, i) => {
        const vector = modules[i].weight.value;
        const apply = (base: tf.Tensor, v: tf.Tensor) => (direction === 'merge' ? tf.mul(base, v) : tf.div(base, v));
        tf.tidy(() => site.linear.weight.assign(apply(site.linear.weight.value, vector.reshape([-1, 1]))));
        const bias = site.linear.bias;
        if (bias) tf.tidy(() => bias.assign(apply(bias.value, vector)));
      });
    };
    return {
      placements: sites.map((site, i) => ({ ownerPath: site.path, owner: site.linear, container: 'test_scale', module: modules[i] })),
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'scale' as const, delta: () => modules[i].weight.value.clone() },
      })),
      merge: { merge: () => update('merge'), unmerge: () => update('unmerge') },
    };
  },
};
