import * as tf from '@tensorflow/tfjs';
import { deriveSeed, normal, zeros, type AdapterBuildContext, type AdapterMethod } from '@peftjs/core-tensor';

import { parseLinearSiteConfig, selectLinearSites, type LinearSiteConfig } from '../methods/site-config';
import { VectorModule } from '../methods/vector-module';

/**
 * BROKEN on purpose: next to its placed bias it keeps a second vector as a bare `tf.Variable`
 * (released in `dispose`, so nothing leaks). That vector acts on the output but is not a
 * parameter, so it is never saved: a loaded copy starts from a fresh draw.
 */
export const unsavedTensorMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_unsaved_tensor',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_unsaved_tensor', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const sites = selectLinearSites(context.config, context.sites, context.model);
    const modules = sites.map((site) => new VectorModule(zeros([site.linear.outFeatures])));
    const hidden = sites.map((site) => {
      const initial = normal([site.linear.outFeatures], deriveSeed(context.seed, site.path), 0, 0.1);
      const variable = tf.variable(initial);
      initial.dispose();
      return variable;
    });
    return {
      placements: sites.map((site, i) => ({ ownerPath: site.path, owner: site.linear, container: 'unsaved', module: modules[i] })),
      bindings: sites.map((site, i) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: () => tf.add(modules[i].weight.value, hidden[i]) },
      })),
      dispose: () => hidden.forEach((v) => v.dispose()),
    };
  },
};
