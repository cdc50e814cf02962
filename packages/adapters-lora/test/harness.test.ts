import { initBackend } from '@peftjs/core-tensor';
import {
  createTinyBertHarnessModel,
  createTinyLlamaHarnessModel,
  describeAdapterMethod,
  loadStories260KHarnessModel,
  type AdapterCase,
} from '@peftjs/test-harness';

import { IA3Config, LoRAConfig, loraMethod } from '../src';

beforeAll(async () => {
  await initBackend();
});

// alpha differs from r in most cases: with alpha = r the scaling is 1 and a scaling bug is invisible.
const cases: AdapterCase[] = [
  {
    name: 'default',
    config: LoRAConfig(),
    expectIdentityAtInit: true,
    nonIdentityConfig: LoRAConfig({ init_weights: 'bert' }),
    canMerge: true,
  },
  {
    name: 'alpha differs from r',
    config: LoRAConfig({ r: 4, alpha: 12, attn_matrices: ['q', 'k', 'v', 'o'] }),
    expectIdentityAtInit: true,
    nonIdentityConfig: LoRAConfig({ r: 4, alpha: 12, attn_matrices: ['q', 'k', 'v', 'o'], init_weights: 'bert' }),
    canMerge: true,
  },
  {
    name: 'rsLoRA',
    config: LoRAConfig({ r: 4, alpha: 6, use_rslora: true }),
    expectIdentityAtInit: true,
    nonIdentityConfig: LoRAConfig({ r: 4, alpha: 6, use_rslora: true, init_weights: 'bert' }),
    canMerge: true,
  },
  {
    name: 'intermediate and output',
    config: LoRAConfig({ r: 2, alpha: 5, selfattn_lora: false, intermediate_lora: true, output_lora: true }),
    expectIdentityAtInit: true,
    nonIdentityConfig: LoRAConfig({ r: 2, alpha: 5, selfattn_lora: false, intermediate_lora: true, output_lora: true, init_weights: 'bert' }),
    canMerge: true,
  },
  {
    name: 'leave_out',
    config: LoRAConfig({ r: 4, alpha: 16, leave_out: [0, 2] }),
    expectIdentityAtInit: true,
    nonIdentityConfig: LoRAConfig({ r: 4, alpha: 16, leave_out: [0, 2], init_weights: 'bert' }),
    canMerge: true,
  },
  {
    // A gated update depends on the input, so it cannot be merged; B = 0 still makes it a no-op.
    name: 'gated',
    config: LoRAConfig({ r: 4, alpha: 2, use_gating: true }),
    expectIdentityAtInit: true,
    nonIdentityConfig: LoRAConfig({ r: 4, alpha: 2, use_gating: true, init_weights: 'bert' }),
    canMerge: false,
  },
  {
    name: 'IA3',
    config: IA3Config(),
    expectIdentityAtInit: true,
    nonIdentityConfig: IA3Config({ init_weights: 'bert' }),
    canMerge: true,
  },
];

for (const createModel of [createTinyLlamaHarnessModel, createTinyBertHarnessModel]) {
  describeAdapterMethod({
    method: loraMethod,
    configs: cases,
    createModel: () => createModel(),
    modelName: createModel === createTinyLlamaHarnessModel ? 'tiny Llama' : 'tiny BERT',
    degenerateConfigs: ['rank-exceeds-dimension'],
  });
}

// The trained stories260K model, for one case: realistic activations at a few seconds' cost.
describeAdapterMethod({
  method: loraMethod,
  configs: cases.filter((testCase) => testCase.name === 'alpha differs from r'),
  createModel: loadStories260KHarnessModel,
  modelName: 'stories260K',
  degenerateConfigs: ['rank-exceeds-dimension'],
});
