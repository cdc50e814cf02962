import * as tf from '@tensorflow/tfjs';
import type { AdapterBuildContext, AdapterMethod } from '@peftjs/core-tensor';

import { outputBiasMethod } from '../methods/output-bias-method';
import { parseLinearSiteConfig, type LinearSiteConfig } from '../methods/site-config';

/**
 * BROKEN on purpose: `test_bias` whose handler keeps a tensor alive (`tf.keep`) on every call, so
 * each forward pass leaks one tensor per adapted layer.
 */
export const forwardLeakMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_forward_leak',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_forward_leak', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const build = outputBiasMethod.build({ ...context, config: { ...context.config, architecture: 'test_bias' } });
    return {
      ...build,
      bindings: build.bindings.map((binding) => {
        const inner = binding.handler as { delta(input: tf.Tensor, output: tf.Tensor): tf.Tensor };
        return {
          site: binding.site,
          handler: {
            compositionMode: 'add' as const,
            delta: (input: tf.Tensor, output: tf.Tensor) => tf.add(inner.delta(input, output), tf.keep(tf.zerosLike(output))),
          },
        };
      }),
    } as typeof build;
  },
};
