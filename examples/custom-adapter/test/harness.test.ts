import { initBackend } from '@peftjs/core-tensor';
import { createTinyBertHarnessModel, createTinyLlamaHarnessModel, describeAdapterMethod } from '@peftjs/test-harness';

import { LearnedBiasConfig, learnedBiasMethod } from '../src';

beforeAll(async () => {
  await initBackend();
});

for (const createModel of [createTinyLlamaHarnessModel, createTinyBertHarnessModel]) {
  describeAdapterMethod({
    method: learnedBiasMethod,
    createModel,
    configs: [
      { name: 'zeros', config: LearnedBiasConfig(), expectIdentityAtInit: true, nonIdentityConfig: LearnedBiasConfig({ init: 'normal' }) },
      { name: 'output projections', config: LearnedBiasConfig({ matrices: ['o', 'down', 'output'], init: 'normal' }) },
    ],
  });
}
