import { registerAdapterPreset } from '@peftjs/core-tensor';

import { PrefixTuningConfig, type PrefixTuningConfigInput } from './config';

registerAdapterPreset(
  {
    name: 'prefix_tuning',
    description: 'Prefix tuning with AdapterHub defaults: 30 prefix positions per layer, reparametrised through a 512-wide MLP',
    create: (overrides = {}) => PrefixTuningConfig(overrides as PrefixTuningConfigInput),
  },
  { replace: true },
);

registerAdapterPreset(
  {
    name: 'prefix_tuning_flat',
    description: 'Prefix tuning with 30 prefix positions per layer learned directly, without the reparametrisation MLP',
    create: (overrides = {}) => PrefixTuningConfig({ flat: true, ...(overrides as PrefixTuningConfigInput) }),
  },
  { replace: true },
);
