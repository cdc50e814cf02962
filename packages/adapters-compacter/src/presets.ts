import { registerAdapterPreset } from '@peftjs/core-tensor';

import {
  CompacterConfig,
  CompacterPlusPlusConfig,
  DoubleSeqBnConfig,
  ParBnConfig,
  SeqBnConfig,
  type PresetOverrides,
} from './preset-configs';

/** The bottleneck presets under AdapterHub's names and its deprecated aliases. */
const PRESETS = [
  {
    name: 'seq_bn',
    aliases: ['pfeiffer'],
    description: 'sequential bottleneck adapter after the feed-forward block: relu, reduction factor 16',
    create: SeqBnConfig,
  },
  {
    name: 'double_seq_bn',
    aliases: ['houlsby'],
    description: 'bottleneck adapters after attention and after the feed-forward block: swish, reduction factor 16',
    create: DoubleSeqBnConfig,
  },
  {
    name: 'par_bn',
    aliases: ['parallel'],
    description: 'parallel bottleneck adapter on the feed-forward block: relu, reduction factor 2, scaling 4',
    create: ParBnConfig,
  },
  {
    name: 'scaled_par_bn',
    aliases: ['scaled_parallel'],
    description: 'par_bn with a learned scalar scaling',
    create: (overrides: PresetOverrides = {}) => ParBnConfig({ scaling: 'learned', ...overrides }),
  },
  {
    name: 'compacter',
    aliases: [],
    description: 'Compacter: PHM bottleneck adapters after attention and feed-forward block, gelu, reduction factor 32',
    create: CompacterConfig,
  },
  {
    name: 'compacter++',
    aliases: [],
    description: 'Compacter++: one PHM bottleneck adapter after the feed-forward block, gelu, reduction factor 32',
    create: CompacterPlusPlusConfig,
  },
];

for (const preset of PRESETS) {
  registerAdapterPreset(
    {
      name: preset.name,
      aliases: preset.aliases,
      description: preset.description,
      create: (overrides = {}) => preset.create(overrides as PresetOverrides),
    },
    { replace: true },
  );
}
