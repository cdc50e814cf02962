import { registerAdapterMethod, type AdapterMethod } from '@peftjs/core-tensor';

import { createFakeUnionMethod } from './fake-union';
import { outputBiasMethod } from './output-bias-method';
import { outputScaleMethod } from './output-scale-method';

/** The union method of these tests, registered as `union` like @peftjs/config-union's. */
export const fakeUnionMethod = createFakeUnionMethod('union');

/** Registers the correct test methods (replacing earlier registrations) and returns them. */
export function registerTestMethods(): { scale: AdapterMethod; bias: AdapterMethod; union: AdapterMethod } {
  for (const method of [outputScaleMethod, outputBiasMethod, fakeUnionMethod] as AdapterMethod[]) {
    registerAdapterMethod(method, { replace: true });
  }
  return { scale: outputScaleMethod as AdapterMethod, bias: outputBiasMethod as AdapterMethod, union: fakeUnionMethod as AdapterMethod };
}
