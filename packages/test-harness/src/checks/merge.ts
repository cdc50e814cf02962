import { MergeError } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, fail, maxDifference, outputValues, withModel, type CheckContext } from '../session';
import { changedPaths, listSome, maxSnapshotDifference, snapshotModule } from '../tensors';
import { perturbAdapter, resolveCase } from './common';

function checkMergeRejected(context: CheckContext, unmerged: Float32Array): CheckReport {
  const { model } = context;
  const before = snapshotModule(model);
  let raised: unknown = null;
  try {
    model.mergeAdapter('merged');
  } catch (error) {
    raised = error;
  }
  if (raised === null) {
    throw fail(
      context,
      context.testCase.canMerge === false
        ? 'mergeAdapter succeeded although the case declares canMerge: false.'
        : 'mergeAdapter succeeded although the build has no merge support.',
    );
  }
  if (!(raised instanceof MergeError)) {
    const err = raised as Error;
    throw fail(context, `mergeAdapter raised ${err?.name}: ${err?.message}; expected a MergeError stating that the adapter cannot be merged.`, raised);
  }
  if (!raised.message.includes('"merged"')) {
    throw fail(context, `the MergeError does not name the adapter "merged": ${raised.message}`);
  }
  const changed = changedPaths(before, snapshotModule(model));
  if (changed.length > 0) throw fail(context, `the failed mergeAdapter changed parameters: ${listSome(changed)}.`);
  const after = maxDifference(outputValues(context, 'forward pass after the failed merge'), unmerged);
  if (after !== 0) throw fail(context, `the failed mergeAdapter changed the output by ${after}.`);
  attempt(context, 'deleteAdapter("merged")', () => model.deleteAdapter('merged'));
  return passed('merge', context.testCase.name, `cannot merge: mergeAdapter raised MergeError (${raised.message})`);
}

/**
 * Checks merging on the case's adapter with seeded noise on its parameters (a no-op adapter
 * would merge trivially). For a mergeable adapter, the merged forward pass matches the unmerged
 * one, and unmerging restores the base weights and outputs. While it is merged, adapters cannot
 * be disabled. For an adapter that cannot merge (the case's `canMerge: false`, or no merge support in
 * the build), `mergeAdapter` must raise a `MergeError` naming the adapter and change nothing. A
 * case that declares `canMerge: true` for a build without merge support fails.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkMerge(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'merge', resolved.testCase, (context) => {
    const { model, target } = context;
    const base = outputValues(context, 'forward pass of the clean model');
    const baseWeights = snapshotModule(model);
    addCaseAdapter(context, 'merged', context.config, { setActive: true });
    perturbAdapter(context, 'merged');
    const unmerged = outputValues(context, 'forward pass of the unmerged adapter');

    const supported = model.adapterHost.record('merged').build.merge !== undefined;
    const declared = context.testCase.canMerge;
    if (declared === true && !supported) {
      throw fail(context, 'the case declares canMerge: true but the adapter build has no merge support (AdapterBuild.merge is undefined).');
    }
    if (declared === false || !supported) return checkMergeRejected(context, unmerged);

    attempt(context, 'mergeAdapter("merged")', () => model.mergeAdapter('merged'));
    const merged = outputValues(context, 'forward pass of the merged adapter');
    const mergeDifference = maxDifference(merged, unmerged);
    if (!(mergeDifference <= target.tolerances.merge)) {
      throw fail(
        context,
        `the merged forward pass differs from the unmerged one by ${mergeDifference} (tolerance ${target.tolerances.merge}); ` +
          'merge() does not fold the same update into the base weights that the handlers compute.',
      );
    }
    let disableRaised = false;
    try {
      model.withAdaptersDisabled(() => undefined);
    } catch (error) {
      disableRaised = error instanceof MergeError;
    }
    if (!disableRaised) throw fail(context, 'withAdaptersDisabled did not raise a MergeError while the adapter was merged.');

    attempt(context, 'unmergeAdapter("merged")', () => model.unmergeAdapter('merged'));
    const restored = snapshotModule(model);
    const worst = maxSnapshotDifference(baseWeights, restored);
    if (!(worst.difference <= target.tolerances.unmerge)) {
      throw fail(
        context,
        `after unmerging, base weight ${worst.path} differs from its original value by ${worst.difference} (tolerance ${target.tolerances.unmerge}).`,
      );
    }
    const again = maxDifference(outputValues(context, 'forward pass after unmerging'), unmerged);
    model.setActiveAdapters(null);
    const baseAgain = maxDifference(outputValues(context, 'forward pass without the adapter after unmerging'), base);
    if (!(again <= target.tolerances.merge) || !(baseAgain <= target.tolerances.merge)) {
      throw fail(
        context,
        `after unmerging, the output differs from the unmerged adapter's by ${again} and, with the adapter inactive, from the clean model's by ${baseAgain}.`,
      );
    }
    attempt(context, 'deleteAdapter("merged")', () => model.deleteAdapter('merged'));
    return passed(
      'merge',
      context.testCase.name,
      `merged vs unmerged ${mergeDifference}; unmerged weights within ${worst.difference}; output after unmerge within ${Math.max(again, baseAgain)}`,
    );
  });
}
