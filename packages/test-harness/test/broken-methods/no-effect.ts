import * as tf from '@tensorflow/tfjs';
import type { AdapterBuildContext, AdapterMethod } from '@peftjs/core-tensor';

import { outputBiasMethod } from '../methods/output-bias-method';
import { parseLinearSiteConfig, type LinearSiteConfig } from '../methods/site-config';

/**
 * BROKEN on purpose: builds the same parameters as `test_bias` but its handler contributes zeros,
 * so the adapter never affects the output.
 */
export const noEffectMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_no_effect',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_no_effect', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const build = outputBiasMethod.build({ ...context, config: { ...context.config, architecture: 'test_bias' } });
    return {
      ...build,
      bindings: build.bindings.map(({ site }) => ({
        site,
        handler: { compositionMode: 'add' as const, delta: (_input: tf.Tensor, output: tf.Tensor) => tf.zerosLike(output) },
      })),
    } as typeof build;
  },
};
