import * as tf from '@tensorflow/tfjs';
import { runTraining } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, attemptAsync, fail, withModel, type CheckContext } from '../session';
import { perturbAdapter, resolveCase } from './common';

/** Runs one step of the lifecycle and fails when the tensor count changes by other than `expected`. */
async function expectTensorChange(context: CheckContext, phase: string, expected: number, action: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await attemptAsync(context, phase, async () => {
    await action();
  });
  const change = tf.memory().numTensors - before;
  if (change !== expected) {
    const what = change > expected ? `leaked ${change - expected}` : `released ${expected - change} more than its own`;
    throw fail(context, `${phase} ${what} tensor(s) (tensor count changed by ${change}, expected ${expected}).`);
  }
}

/**
 * Checks that no tensor leaks across the adapter lifecycle: add, forward, two training steps in
 * training mode, save, load under a second name, forward, merge and unmerge where supported, and
 * delete. Each step must change the tensor count by exactly the parameters it creates or
 * releases, and a leak is reported with the step that caused it.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkNoLeaks(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'leaks', resolved.testCase, async (context) => {
    const { model, harness, testCase: current } = context;
    const forward = () => harness.forward().dispose();
    await expectTensorChange(context, 'the forward pass of the model without adapters', 0, forward);

    const extra = current.extraTensors ?? 0;
    const before = tf.memory().numTensors;
    addCaseAdapter(context, 'lifecycle', context.config, { setActive: true });
    const created = tf.memory().numTensors - before;
    const variables = new Set([...model.adapterParameters('lifecycle').values()].map((p) => p.variable)).size;
    if (created !== variables + extra) {
      throw fail(context, `addAdapter created ${created} tensor(s) for ${variables} parameter(s) and ${extra} declared extra tensor(s); it leaks ${created - variables - extra}.`);
    }
    perturbAdapter(context, 'lifecycle');
    await expectTensorChange(context, 'a forward pass with the adapter', 0, forward);
    await expectTensorChange(context, 'training two steps', 0, async () => {
      model.trainAdapter('lifecycle');
      await runTraining({ parameters: model.parameters(), steps: 2, schedule: { learningRate: 1e-3 }, nextBatch: () => null, loss: () => harness.loss() });
      model.eval();
    });
    let files = null as ReturnType<typeof model.serializeAdapter> | null;
    await expectTensorChange(context, 'serializeAdapter', 0, () => {
      files = model.serializeAdapter('lifecycle');
    });
    await expectTensorChange(context, 'loadAdapter under a second name', created, () => model.loadAdapter(files!, { name: 'lifecycle_copy' }));
    await expectTensorChange(context, 'a forward pass with the loaded adapter', 0, forward);
    if (model.adapterHost.record('lifecycle').build.merge !== undefined && current.canMerge !== false) {
      await expectTensorChange(context, 'mergeAdapter and unmergeAdapter', 0, () => {
        model.mergeAdapter('lifecycle_copy');
        model.unmergeAdapter('lifecycle_copy');
      });
    }
    await expectTensorChange(context, 'deleting both adapters', -2 * created, () => {
      model.deleteAdapter('lifecycle');
      model.deleteAdapter('lifecycle_copy');
    });
    attempt(context, 'a forward pass after deleting', forward);
    return passed('leaks', context.testCase.name, `no leak across add, forward, train, save, load, merge and delete (${variables} parameter(s))`);
  });
}
