import { LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { CHECK_NAMES, createTinyBertHarnessModel, createTinyLlamaHarnessModel, describeAdapterMethod, type AdapterCase } from '@peftjs/test-harness';
import { getAdapterPreset, initBackend } from '@peftjs/core-tensor';

import { ConfigUnion, MAMConfig, UniPELTConfig } from '../src';

beforeAll(async () => {
  await initBackend();
});

/**
 * Builds the reference unions, MAM and UniPELT. For the gradient check, `activation` replaces the
 * bottleneck members' relu. Central differences disagree with the exact gradient wherever a step
 * crosses one of relu's kinks, which is a limit of the check rather than of the method.
 */
function unionCases(activation?: string): AdapterCase[] {
  const bottleneck = (preset: string, overrides: Record<string, unknown> = {}) =>
    getAdapterPreset(preset).create(activation === undefined ? overrides : { ...overrides, non_linearity: activation });
  return [
    {
      name: 'prefix tuning + par_bn',
      config: ConfigUnion(PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 16 }), bottleneck('par_bn')),
      canMerge: false,
    },
    {
      name: 'compacter (factor 8) + LoRA',
      config: ConfigUnion(bottleneck('compacter', { reduction_factor: 8 }), LoRAConfig({ r: 4, alpha: 6, init_weights: 'bert' })),
      canMerge: false,
    },
    {
      name: 'seq_bn + LoRA',
      config: ConfigUnion(bottleneck('seq_bn'), LoRAConfig({ r: 4, alpha: 6, init_weights: 'bert' })),
      canMerge: false,
    },
    { name: 'MAM', config: MAMConfig({ adapter: bottleneck('par_bn') }), canMerge: false },
    {
      name: 'UniPELT',
      config: UniPELTConfig({ adapter: bottleneck('seq_bn', { reduction_factor: 16, use_gating: true }) }),
      canMerge: false,
    },
  ];
}

for (const [modelName, createModel] of [
  ['tiny Llama', createTinyLlamaHarnessModel],
  ['tiny BERT', createTinyBertHarnessModel],
] as const) {
  describeAdapterMethod({
    method: 'union',
    modelName,
    createModel: () => createModel(),
    configs: unionCases(),
    checks: CHECK_NAMES.filter((check) => check !== 'gradients'),
  });

  describeAdapterMethod({
    method: 'union',
    modelName: `${modelName}, smooth bottleneck activation`,
    createModel: () => createModel(),
    configs: unionCases('gelu'),
    checks: ['gradients'],
  });
}
