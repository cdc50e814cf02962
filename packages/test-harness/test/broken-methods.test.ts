import * as tf from '@tensorflow/tfjs';
import { initBackend, registerAdapterMethod, type AdapterConfig, type AdapterMethod } from '@peftjs/core-tensor';

import {
  checkAdapterNames,
  checkDegenerateConfigs,
  checkDistinctCases,
  checkForwardEffect,
  checkGradients,
  checkIsolation,
  checkNoLeaks,
  checkSaveLoad,
  checkTraining,
  checkUnionMembers,
  createTinyLlamaHarnessModel,
  runAdapterChecks,
  type AdapterCase,
  type HarnessOptions,
} from '../src';
import { forwardLeakMethod } from './broken-methods/forward-leak';
import { ignoresLeaveOutMethod } from './broken-methods/ignores-leave-out';
import { leakyMethod } from './broken-methods/leaky';
import { nameSeededMethod } from './broken-methods/name-seeded';
import { noEffectMethod } from './broken-methods/no-effect';
import { trainsBaseMethod } from './broken-methods/trains-base';
import { unsavedTensorMethod } from './broken-methods/unsaved-tensor';
import { wrongGradientMethod } from './broken-methods/wrong-gradient';
import { createFakeUnionMethod } from './methods/fake-union';
import { registerTestMethods } from './methods/register';

const brokenUnionMethod = createFakeUnionMethod('broken_union', 1);

beforeAll(async () => {
  await initBackend();
  registerTestMethods();
  const broken = [
    noEffectMethod,
    leakyMethod,
    ignoresLeaveOutMethod,
    trainsBaseMethod,
    unsavedTensorMethod,
    wrongGradientMethod,
    nameSeededMethod,
    forwardLeakMethod,
    brokenUnionMethod,
  ] as AdapterMethod[];
  for (const method of broken) registerAdapterMethod(method, { replace: true });
});

function config(architecture: string, fields: Record<string, unknown> = {}): AdapterConfig {
  return { architecture, ...fields } as AdapterConfig;
}

/** Harness options for one case of `architecture` on the tiny Llama. */
function optionsFor(architecture: string, testCase: Partial<AdapterCase> = {}): HarnessOptions {
  return {
    method: architecture,
    createModel: () => createTinyLlamaHarnessModel(),
    configs: [{ name: 'case', config: config(architecture, { init: 'normal' }), ...testCase }],
  };
}

describe('broken methods fail the check for their mistake', () => {
  it('an adapter that never affects the output fails forward-effect', async () => {
    const options = optionsFor('broken_no_effect', {
      config: config('broken_no_effect'),
      expectIdentityAtInit: true,
      nonIdentityConfig: config('broken_no_effect', { init: 'normal' }),
    });
    await expect(checkForwardEffect(options, 'case')).rejects.toThrow(
      /\[forward-effect\] case "case": the adapter never changes the model output: with nonIdentityConfig the largest change is 0/,
    );
  });

  it('an adapter without effect fails forward-effect also without a non-identity config', async () => {
    const options = optionsFor('broken_no_effect', { config: config('broken_no_effect'), expectIdentityAtInit: true });
    await expect(checkForwardEffect(options, 'case')).rejects.toThrow(/never changes the model output: after adding N\(0, 0.05²\) noise/);
  });

  it('an adapter registered outside its placements fails isolation', async () => {
    await expect(checkIsolation(optionsFor('broken_leaky'), 'case')).rejects.toThrow(
      /\[isolation\] case "case": after deleteAdapter\("harness"\) the model keeps 10 parameter\(s\) the adapter added: model\.layers\.0\.self_attn\.q_proj\.leaky_harness\.weight.*registers modules in the model itself/,
    );
  });

  it('a method that ignores leave_out fails distinct-cases', async () => {
    const options: HarnessOptions = {
      method: 'broken_ignores_leave_out',
      createModel: () => createTinyLlamaHarnessModel(),
      configs: [
        { name: 'all layers', config: config('broken_ignores_leave_out', { init: 'normal' }) },
        { name: 'leave_out', config: config('broken_ignores_leave_out', { init: 'normal', leave_out: [0, 3] }) },
      ],
    };
    await checkForwardEffect(options, 'all layers');
    await checkForwardEffect(options, 'leave_out');
    expect(() => checkDistinctCases(options)).toThrow(
      /\[distinct-cases\] case "suite": cases "all layers" and "leave_out" give bit-identical outputs although their configs differ in leave_out/,
    );
  });

  it('a union that ignores a member fails union-members', async () => {
    const options = optionsFor('broken_union', {
      config: config('broken_union', {
        configs: [config('test_scale', { init: 'normal', matrices: ['q'] }), config('test_bias', { init: 'normal', matrices: ['v'] })],
      }),
    });
    await expect(checkUnionMembers(options, 'case')).rejects.toThrow(
      /\[union-members\] case "case": member 1 \(test_bias\) of the union does not change the output: removing it changes the output by only 0/,
    );
  });

  it('a method that trains base weights fails training', async () => {
    await expect(checkTraining(optionsFor('broken_trains_base'), 'case')).rejects.toThrow(
      /\[training\] case "case": after trainAdapter\("trained"\) 20 parameter\(s\) outside the adapter are trainable: model\.layers\.0\.self_attn\.q_proj\.weight/,
    );
  });

  it('a method that saves without a tensor fails save-load', async () => {
    await expect(checkSaveLoad(optionsFor('broken_unsaved_tensor'), 'case')).rejects.toThrow(
      /\[save-load\] case "case": adapter "saved" holds 10 tensor\(s\) besides its 10 parameter\(s\).*saveAdapter writes only parameters/,
    );
  });

  it('a wrong custom gradient fails gradients', async () => {
    await expect(checkGradients(optionsFor('broken_wrong_gradient'), 'case')).rejects.toThrow(
      /\[gradients\] case "case": \d+ of \d+ gradient coordinate\(s\) disagree with central finite differences/,
    );
  });

  it('a name-seeded initialisation fails adapter-names', async () => {
    await expect(checkAdapterNames(optionsFor('broken_name_seeded'), 'case')).rejects.toThrow(
      /\[adapter-names\] case "case": the same config and seed give different parameters under the names "first_name" and "another_name"/,
    );
  });

  it('a forward pass that keeps tensors fails leaks', async () => {
    await expect(checkNoLeaks(optionsFor('broken_forward_leak'), 'case')).rejects.toThrow(
      /\[leaks\] case "case": a forward pass with the adapter leaked 10 tensor\(s\)/,
    );
  });

  it('a degenerate config accepted silently fails degenerate-configs', async () => {
    const options: HarnessOptions = {
      ...optionsFor('test_scale'),
      degenerateConfigs: [{ name: 'layer 0 left out', config: (c) => ({ ...c, leave_out: [0] }) as AdapterConfig }],
    };
    await expect(checkDegenerateConfigs(options, 'case')).rejects.toThrow(
      /degenerate config "layer 0 left out" \(declared degenerate case "layer 0 left out"\) was accepted without a ConfigError or a warning/,
    );
  });

  it('runAdapterChecks reports failures instead of throwing', async () => {
    const reports = await runAdapterChecks({ ...optionsFor('broken_no_effect'), checks: ['isolation', 'forward-effect'] });
    const byCheck = new Map(reports.map((r) => [r.check, r]));
    expect(byCheck.get('isolation')!.passed).toBe(true);
    expect(byCheck.get('forward-effect')!.passed).toBe(false);
    expect(byCheck.get('forward-effect')!.details).toMatch(/changes the output by only 0 .*does not declare expectIdentityAtInit/);
    expect(byCheck.get('all-cases-ran')!.passed).toBe(true);
  });

  it('failed checks leave no tensor behind', async () => {
    const tensors = tf.memory().numTensors;
    await expect(checkTraining(optionsFor('broken_trains_base'), 'case')).rejects.toThrow();
    await expect(checkIsolation(optionsFor('broken_leaky'), 'case')).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
