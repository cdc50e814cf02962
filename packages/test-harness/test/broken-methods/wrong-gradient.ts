import * as tf from '@tensorflow/tfjs';
import type { AdapterBuildContext, AdapterMethod } from '@peftjs/core-tensor';

import { outputBiasMethod } from '../methods/output-bias-method';
import { parseLinearSiteConfig, type LinearSiteConfig } from '../methods/site-config';

/** Identity in the forward pass, but its custom gradient is three times too large. */
const tripledGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, 3)] };
});

/**
 * BROKEN on purpose: `test_bias` whose contribution passes through a custom gradient that is
 * three times the true one, as a hand-written backward pass with a scaling mistake would be.
 */
export const wrongGradientMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_wrong_gradient',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_wrong_gradient', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    const build = outputBiasMethod.build({ ...context, config: { ...context.config, architecture: 'test_bias' } });
    return {
      ...build,
      bindings: build.bindings.map((binding) => {
        const inner = binding.handler as { delta(input: tf.Tensor, output: tf.Tensor): tf.Tensor };
        return {
          site: binding.site,
          handler: { compositionMode: 'add' as const, delta: (input: tf.Tensor, output: tf.Tensor) => tripledGradient(inner.delta(input, output)) as tf.Tensor },
        };
      }),
    } as typeof build;
  },
};
