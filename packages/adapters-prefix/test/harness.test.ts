import { initBackend } from '@peftjs/core-tensor';
import { createTinyBertHarnessModel, createTinyLlamaHarnessModel, describeAdapterMethod } from '@peftjs/test-harness';

import { PrefixTuningConfig } from '../src';

beforeAll(async () => {
  await initBackend();
});

for (const [modelName, createModel] of [
  ['tiny Llama', createTinyLlamaHarnessModel],
  ['tiny BERT', createTinyBertHarnessModel],
] as const) {
  describeAdapterMethod({
    method: 'prefix_tuning',
    modelName,
    createModel: () => createModel(),
    configs: [
      { name: 'reparametrised', config: PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 16 }), canMerge: false },
      { name: 'flat', config: PrefixTuningConfig({ prefix_length: 3, flat: true }), canMerge: false },
      { name: 'gated with leave_out', config: PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8, use_gating: true, shared_gating: false, leave_out: [1] }), canMerge: false },
    ],
  });
}
