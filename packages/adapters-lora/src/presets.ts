import { registerAdapterPreset } from '@peftjs/core-tensor';

import { IA3Config, LoRAConfig, type LoRAConfigInput } from './config';

registerAdapterPreset(
  {
    name: 'lora',
    description: 'LoRA with AdapterHub defaults: r 8, alpha 8, on the query and value projections',
    create: (overrides = {}) => LoRAConfig(overrides as LoRAConfigInput),
  },
  { replace: true },
);

registerAdapterPreset(
  {
    name: 'ia3',
    description: '(IA)³: learned output scaling of the key, value and feed-forward input projections',
    create: (overrides = {}) => IA3Config(overrides as LoRAConfigInput),
  },
  { replace: true },
);
