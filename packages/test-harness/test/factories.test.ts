import { InvalidArgumentError, initBackend, type AdapterConfig } from '@peftjs/core-tensor';

import {
  checkAllCasesRan,
  checkForwardEffect,
  checkIsolation,
  checkSaveLoad,
  createTinyBertHarnessModel,
  createTinyLlamaHarnessModel,
  resolveHarnessOptions,
  type HarnessOptions,
} from '../src';
import { outputScaleMethod } from './methods/output-scale-method';
import { registerTestMethods } from './methods/register';

beforeAll(async () => {
  await initBackend();
  registerTestMethods();
});

const scale = (fields: Record<string, unknown> = {}) => ({ architecture: 'test_scale', init: 'normal', ...fields }) as AdapterConfig;

describe('model factories and case bookkeeping', () => {
  it('a factory that reuses one model fails the second check', async () => {
    const shared = createTinyLlamaHarnessModel();
    const options: HarnessOptions = {
      method: 'test_scale',
      createModel: () => shared,
      configs: [
        { name: 'first', config: scale() },
        { name: 'second', config: scale({ matrices: ['k'] }) },
      ],
    };
    try {
      await expect(checkIsolation(options, 'first')).rejects.toThrow(/createModel\(\) returned a model built before the call/);
      await expect(checkIsolation(options, 'second')).rejects.toThrow(
        /\[isolation\] case "second": createModel\(\) returned a model that an earlier check already used/,
      );
    } finally {
      shared.dispose();
    }
  });

  it('a factory whose model already has an adapter fails', async () => {
    const options: HarnessOptions = {
      method: 'test_scale',
      createModel: () => {
        const harness = createTinyBertHarnessModel();
        harness.model.addAdapter('left_over', scale());
        return harness;
      },
      configs: [{ name: 'case', config: scale() }],
    };
    await expect(checkIsolation(options, 'case')).rejects.toThrow(/returned a model that already has adapters \[left_over\]/);
  });

  it('a factory that is not deterministic fails save-load', async () => {
    let seed = 0;
    const options: HarnessOptions = {
      method: 'test_scale',
      createModel: () => createTinyLlamaHarnessModel(seed++),
      configs: [{ name: 'case', config: scale() }],
    };
    await expect(checkSaveLoad(options, 'case')).rejects.toThrow(/two models from createModel\(\) give different outputs; seed the factory/);
  });

  it('all-cases-ran names the cases that never ran', async () => {
    const options: HarnessOptions = {
      method: 'test_scale',
      createModel: () => createTinyLlamaHarnessModel(),
      configs: [
        { name: 'ran', config: scale() },
        { name: 'skipped', config: scale({ matrices: ['o'] }) },
      ],
    };
    expect(() => checkAllCasesRan(options)).toThrow(/0 of 2 case\(s\) ran; never added with its own config: ran, skipped/);
    await checkForwardEffect(options, 'ran');
    expect(() => checkAllCasesRan(options)).toThrow(/\[all-cases-ran\] case "suite": 1 of 2 case\(s\) ran; never added with its own config: skipped\./);
    await checkIsolation(options, 'skipped');
    expect(checkAllCasesRan(options).passed).toBe(true);
  });

  it('options are validated when resolved', () => {
    const createModel = () => createTinyLlamaHarnessModel();
    expect(() => resolveHarnessOptions({ method: 'test_scale', createModel, configs: [] })).toThrow(InvalidArgumentError);
    expect(() =>
      resolveHarnessOptions({ method: 'test_scale', createModel, configs: [{ name: 'lora', config: { architecture: 'lora' } }] }),
    ).toThrow(/Case "lora": config has architecture "lora" but the method under test is "test_scale"/);
    expect(() =>
      resolveHarnessOptions({
        method: 'test_scale',
        createModel,
        configs: [
          { name: 'twice', config: scale() },
          { name: 'twice', config: scale() },
        ],
      }),
    ).toThrow(/Two cases are named "twice"/);
    expect(() =>
      resolveHarnessOptions({ method: { ...outputScaleMethod } as never, createModel, configs: [{ name: 'a', config: scale() }] }),
    ).toThrow(/is not the one registered under that name/);
    expect(() =>
      resolveHarnessOptions({ method: 'test_scale', createModel, configs: [{ name: 'a', config: scale() }], tolerances: { merge: -1 } }),
    ).toThrow(/Tolerance merge must be a finite number ≥ 0, got -1/);
    expect(() =>
      resolveHarnessOptions({ method: 'test_scale', createModel, configs: [{ name: 'a', config: scale() }], checks: ['nonsense' as never] }),
    ).toThrow(/Unknown check "nonsense"/);
  });
});
