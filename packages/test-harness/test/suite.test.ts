import { initBackend } from '@peftjs/core-tensor';

import { createTinyBertHarnessModel, createTinyLlamaHarnessModel, describeAdapterMethod } from '../src';
import { registerTestMethods } from './methods/register';

beforeAll(async () => {
  await initBackend();
});

// Correct methods must pass every check on both tiny models; the broken ones are in broken-methods.test.ts.
const methods = registerTestMethods();

for (const [modelName, createModel] of [
  ['tiny Llama', createTinyLlamaHarnessModel],
  ['tiny BERT', createTinyBertHarnessModel],
] as const) {
  describeAdapterMethod({
    method: methods.scale,
    modelName,
    createModel: () => createModel(),
    configs: [
      {
        name: 'identity init',
        config: { architecture: 'test_scale' } as never,
        expectIdentityAtInit: true,
        nonIdentityConfig: { architecture: 'test_scale', init: 'normal' } as never,
        canMerge: true,
      },
      { name: 'normal init on k and o', config: { architecture: 'test_scale', init: 'normal', matrices: ['k', 'o'] } as never },
      { name: 'leave_out', config: { architecture: 'test_scale', init: 'normal', matrices: ['k', 'o'], leave_out: [1] } as never },
    ],
    degenerateConfigs: [
      { name: 'unknown matrix', config: (config) => ({ ...config, matrices: ['gate'] }) as never, expect: 'error', messageIncludes: ['gate'] },
    ],
  });

  describeAdapterMethod({
    method: 'test_bias',
    modelName,
    createModel: () => createModel(),
    configs: [
      {
        name: 'identity init',
        config: { architecture: 'test_bias' } as never,
        expectIdentityAtInit: true,
        nonIdentityConfig: { architecture: 'test_bias', init: 'normal' } as never,
        canMerge: false,
      },
    ],
    degenerateConfigs: [
      {
        name: 'a single layer left',
        config: (config, model) => ({ ...config, leave_out: [...Array(model.describe().numLayers - 1).keys()] }) as never,
        expect: 'warning',
        messageIncludes: ['leave_out'],
      },
    ],
  });

  describeAdapterMethod({
    method: methods.union,
    modelName,
    createModel: () => createModel(),
    configs: [
      {
        name: 'scale and bias',
        config: {
          architecture: 'union',
          configs: [
            { architecture: 'test_scale', init: 'normal', matrices: ['q'] },
            { architecture: 'test_bias', init: 'normal', matrices: ['v'] },
          ],
        } as never,
      },
    ],
  });
}
