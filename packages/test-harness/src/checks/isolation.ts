import * as tf from '@tensorflow/tfjs';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, checkDeterministicFactory, fail, maxDifference, outputTensor, outputValues, withModel } from '../session';
import { listSome } from '../tensors';
import { resolveCase, sizingNote } from './common';

/**
 * Checks that a case starts from a clean model and leaves it clean: adding the case's adapter adds
 * parameters and records the case's own config, and deleting it restores the parameter paths, the
 * module tree, the tensor count and the exact output of the clean model. A suite that reused one
 * model across cases, or a method that registers modules outside its placements or keeps tensors
 * after deletion, fails here.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkIsolation(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'isolation', resolved.testCase, (context) => {
    const { model } = context;
    const parametersBefore = [...model.namedParameters().keys()];
    const modulesBefore = [...model.namedModules()].map(([path]) => path);
    const tensorsBefore = tf.memory().numTensors;
    const base = outputValues(context, 'forward pass of the clean model');
    checkDeterministicFactory(context, base);

    addCaseAdapter(context, 'harness', context.config, { setActive: true });
    const added = model.namedParameters().size - parametersBefore.length;
    tf.dispose(outputTensor(context, 'forward pass with the adapter'));
    attempt(context, 'deleteAdapter("harness")', () => model.deleteAdapter('harness'));

    if (model.adapterNames.length > 0 || model.activeAdapters !== null) {
      throw fail(context, `after deleteAdapter("harness") the model still lists adapters [${model.adapterNames.join(', ')}].`);
    }
    const parametersAfter = [...model.namedParameters().keys()];
    const left = parametersAfter.filter((path) => !parametersBefore.includes(path));
    if (left.length > 0) {
      throw fail(
        context,
        `after deleteAdapter("harness") the model keeps ${left.length} parameter(s) the adapter added: ${listSome(left)}. ` +
          'The method registers modules in the model itself instead of returning them in AdapterBuild.placements, ' +
          'so they survive deletion and leak into the next case.',
      );
    }
    const lost = parametersBefore.filter((path) => !parametersAfter.includes(path));
    if (lost.length > 0) {
      throw fail(context, `deleteAdapter("harness") removed base parameters: ${listSome(lost)}.`);
    }
    const extraModules = [...model.namedModules()].map(([path]) => path).filter((path) => !modulesBefore.includes(path));
    if (extraModules.length > 0) {
      throw fail(context, `after deleteAdapter("harness") the model keeps modules the adapter added: ${listSome(extraModules)}.`);
    }
    const tensorsAfter = tf.memory().numTensors;
    if (tensorsAfter !== tensorsBefore) {
      throw fail(
        context,
        `after deleteAdapter("harness") the model holds ${tensorsAfter - tensorsBefore} tensor(s) more than before addAdapter. ` +
          'The method keeps tensors that deletion does not dispose: keep them in placed modules or release them in AdapterBuild.dispose.',
      );
    }
    const after = outputValues(context, 'forward pass after deleting the adapter');
    const difference = maxDifference(base, after);
    if (difference !== 0) {
      throw fail(
        context,
        `after deleteAdapter("harness") the output differs from the clean model's by ${difference}; the adapter still acts on the model.`,
      );
    }
    return passed('isolation', context.testCase.name, `added ${added} parameter(s); model clean before and after${sizingNote(context)}`);
  });
}
