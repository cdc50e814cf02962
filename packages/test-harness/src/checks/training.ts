import { runTraining } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, attemptAsync, fail, withModel } from '../session';
import { changedPaths, listSome, snapshotModule } from '../tensors';
import { evaluateLoss, resolveCase } from './common';

/**
 * Checks training: with the case's adapter `trained` and a second adapter `bystander` of the same
 * config, `trainAdapter("trained")` makes exactly the adapter's non-frozen parameters trainable, a
 * few AdamW steps lower the loss, every trainable adapter parameter moves, and the base weights,
 * the bystander and the frozen parameters stay bit-identical. Training runs in evaluation mode so
 * the loss is deterministic. A method whose placements include base-model modules fails here.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkTraining(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'training', resolved.testCase, async (context) => {
    const { model, harness } = context;
    const { trainingSteps, learningRate } = context.target.tolerances;
    addCaseAdapter(context, 'trained', context.config);
    addCaseAdapter(context, 'bystander', context.config);

    const adapterPaths = new Set(model.adapterParameters('trained').keys());
    const bystanderPaths = new Set(model.adapterParameters('bystander').keys());
    const frozen = new Set(model.adapterHost.record('trained').build.frozenParameters ?? []);
    const before = snapshotModule(model);
    const lossBefore = evaluateLoss(context, 'loss before training');

    attempt(context, 'trainAdapter("trained")', () => model.trainAdapter('trained'));
    // Dropout would make the loss noisy; the check is about which parameters move, not about dropout.
    model.eval();

    const parameters = model.namedParameters();
    const outside = [...parameters].filter(([path, p]) => p.trainable && !adapterPaths.has(path)).map(([path]) => path);
    if (outside.length > 0) {
      throw fail(
        context,
        `after trainAdapter("trained") ${outside.length} parameter(s) outside the adapter are trainable: ${listSome(outside)}. ` +
          "Training would change base weights: the adapter's placements must contain only its own new modules, never base-model layers.",
      );
    }
    const trainable = [...parameters].filter(([path, p]) => adapterPaths.has(path) && p.trainable && !frozen.has(p)).map(([path]) => path);
    const frozenTrainable = [...parameters].filter(([path, p]) => adapterPaths.has(path) && frozen.has(p) && p.trainable).map(([path]) => path);
    if (frozenTrainable.length > 0) {
      throw fail(context, `trainAdapter unfroze parameters the build lists as frozen: ${listSome(frozenTrainable)}.`);
    }
    if (trainable.length === 0) {
      throw fail(context, 'after trainAdapter("trained") the adapter has no trainable parameter.');
    }

    const result = await attemptAsync(context, `${trainingSteps} training steps`, () =>
      runTraining({
        parameters: model.parameters(),
        steps: trainingSteps,
        schedule: { learningRate },
        nextBatch: () => null,
        loss: () => harness.loss(),
      }),
    );
    const lossAfter = evaluateLoss(context, 'loss after training');
    const after = snapshotModule(model);
    const changed = new Set(changedPaths(before, after));

    const baseChanged = [...changed].filter((path) => !adapterPaths.has(path) && !bystanderPaths.has(path));
    if (baseChanged.length > 0) {
      throw fail(
        context,
        `training adapter "trained" changed ${baseChanged.length} base parameter(s): ${listSome(baseChanged)}. ` +
          'Base weights must stay bit-identical; the method updates or exposes base weights.',
      );
    }
    const bystanderChanged = [...changed].filter((path) => bystanderPaths.has(path));
    if (bystanderChanged.length > 0) {
      throw fail(context, `training adapter "trained" changed the other adapter "bystander": ${listSome(bystanderChanged)}.`);
    }
    const frozenChanged = [...parameters].filter(([path, p]) => frozen.has(p) && changed.has(path)).map(([path]) => path);
    if (frozenChanged.length > 0) {
      throw fail(context, `training changed parameters the build lists as frozen: ${listSome(frozenChanged)}.`);
    }
    const unmoved = trainable.filter((path) => !changed.has(path));
    if (unmoved.length > 0) {
      throw fail(
        context,
        `${unmoved.length} of ${trainable.length} trainable adapter parameter(s) did not change in ${trainingSteps} steps: ${listSome(unmoved)}. ` +
          'Their gradient is zero, so the forward pass does not use them.',
      );
    }
    if (!(lossAfter < lossBefore)) {
      throw fail(
        context,
        `the loss did not decrease: ${lossBefore} before and ${lossAfter} after ${trainingSteps} steps at learning rate ${learningRate} ` +
          `(step losses ${result.losses.map((l) => l.toFixed(5)).join(', ')}).`,
      );
    }
    attempt(context, 'deleting the adapters', () => {
      model.deleteAdapter('trained');
      model.deleteAdapter('bystander');
    });
    return passed(
      'training',
      context.testCase.name,
      `loss ${lossBefore.toFixed(5)} → ${lossAfter.toFixed(5)} in ${trainingSteps} steps; ${trainable.length} parameter(s) moved, base and bystander unchanged`,
    );
  });
}
