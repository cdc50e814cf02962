import { registerAdapterPreset } from '@peftjs/core-tensor';

import { MAMConfig, UniPELTConfig } from './mam-unipelt';
import { replaceConfigUnion, type ConfigUnionType } from './union-config';

/** Applies preset overrides to every member that has the field (see {@link replaceConfigUnion}). */
function withOverrides(union: ConfigUnionType, overrides: Record<string, unknown>): ConfigUnionType {
  return Object.keys(overrides).length === 0 ? union : replaceConfigUnion(union, overrides);
}

registerAdapterPreset(
  {
    name: 'mam',
    description: 'Mix-and-Match: prefix tuning (bottleneck 800) plus a parallel bottleneck adapter (par_bn)',
    create: (overrides = {}) => withOverrides(MAMConfig(), overrides),
  },
  { replace: true },
);

registerAdapterPreset(
  {
    name: 'unipelt',
    description: 'UniPELT: gated prefix tuning (length 10), sequential bottleneck (factor 16) and LoRA (r 8, alpha 2)',
    create: (overrides = {}) => withOverrides(UniPELTConfig(), overrides),
  },
  { replace: true },
);
