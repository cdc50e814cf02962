import type { AdapterBuildContext, AdapterMethod } from '@peftjs/core-tensor';

import { outputScaleMethod } from '../methods/output-scale-method';
import { parseLinearSiteConfig, type LinearSiteConfig } from '../methods/site-config';

/**
 * BROKEN on purpose: accepts `leave_out` but ignores it, adapting every layer. Its configs with
 * and without `leave_out` build the same adapter.
 */
export const ignoresLeaveOutMethod: AdapterMethod<LinearSiteConfig> = {
  architecture: 'broken_ignores_leave_out',
  supportedCompositions: ['stack'],
  parseConfig: (input) => parseLinearSiteConfig('broken_ignores_leave_out', input),
  build(context: AdapterBuildContext<LinearSiteConfig>) {
    return outputScaleMethod.build({ ...context, config: { ...context.config, architecture: 'test_scale', leave_out: [] } });
  },
};
