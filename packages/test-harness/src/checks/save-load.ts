import * as tf from '@tensorflow/tfjs';
import { parseSafetensors, type AdapterFiles, type Parameter } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import {
  addCaseAdapter,
  attempt,
  attemptAsync,
  fail,
  maxDifference,
  openExtraModel,
  outputValues,
  withModel,
  type CheckContext,
} from '../session';
import { stableStringify } from '../stable-json';
import { changedPaths, listSome, snapshot } from '../tensors';
import { fileParameters, perturbAdapter, resolveCase } from './common';

/** Counts distinct variables, since one parameter may appear under two paths. */
function countVariables(parameters: Map<string, Parameter>): number {
  return new Set([...parameters.values()].map((p) => p.variable)).size;
}

function checkHeldTensors(context: CheckContext, tensorsBefore: number): number {
  const parameters = context.model.adapterParameters('saved');
  const held = tf.memory().numTensors - tensorsBefore - countVariables(parameters);
  const allowed = context.testCase.extraTensors ?? 0;
  if (held > allowed) {
    throw fail(
      context,
      `adapter "saved" holds ${held} tensor(s) besides its ${parameters.size} parameter(s) (extraTensors allows ${allowed}). ` +
        'saveAdapter writes only parameters, so a loaded adapter lacks these tensors: make them Parameters of a placed module, ' +
        'or declare constants that depend only on the config and the model in the case\'s extraTensors.',
    );
  }
  return held;
}

/** Checks that `files` contains exactly the adapter's tensors with the adapter's values and a JSON-safe config. */
function checkFiles(context: CheckContext, files: AdapterFiles): AdapterFiles {
  const roundTripped = JSON.parse(JSON.stringify(files.config)) as Record<string, unknown>;
  if (stableStringify(roundTripped) !== stableStringify(files.config)) {
    throw fail(
      context,
      'adapter_config.json does not survive JSON: the exported config holds values JSON cannot represent (undefined, NaN, functions, Maps).',
    );
  }
  const expected = fileParameters(context.model, 'saved');
  const contents = attempt(context, 'parsing the saved safetensors bytes', () => parseSafetensors(files.weights));
  try {
    const keys = [...contents.tensors.keys()];
    const missing = [...expected.keys()].filter((key) => !contents.tensors.has(key));
    const unexpected = keys.filter((key) => !expected.has(key));
    if (missing.length > 0 || unexpected.length > 0) {
      throw fail(
        context,
        `the saved file does not hold exactly the adapter's tensors: missing ${listSome(missing) || 'none'}; unexpected ${listSome(unexpected) || 'none'}.`,
      );
    }
    const wrong = [...expected].filter(([key, p]) => {
      const stored = contents.tensors.get(key)!;
      return stored.size !== p.size || tf.tidy(() => tf.any(tf.notEqual(stored.toFloat(), p.value)).dataSync()[0] === 1);
    });
    if (wrong.length > 0) {
      throw fail(context, `the saved values of ${listSome(wrong.map(([key]) => key))} differ from the adapter's parameters.`);
    }
  } finally {
    for (const tensor of contents.tensors.values()) tensor.dispose();
  }
  return { config: roundTripped, weights: files.weights };
}

/**
 * Checks saving and loading: the case's adapter, with seeded noise on its parameters so the
 * saved values differ from a fresh initialisation, is serialised and loaded into a second fresh
 * model under another name. The file must contain exactly the adapter's tensors (no missing or
 * unexpected keys) and a JSON-safe config. The adapter must own no tensors besides its
 * parameters, because those would not be saved. The loaded copy must give the same output and
 * parameter values.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkSaveLoad(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'save-load', resolved.testCase, async (context) => {
    const { model, target } = context;
    const base = outputValues(context, 'forward pass of the clean model');
    const tensorsBefore = tf.memory().numTensors;
    addCaseAdapter(context, 'saved', context.config, { setActive: true });
    const held = checkHeldTensors(context, tensorsBefore);
    perturbAdapter(context, 'saved');
    const savedValues = snapshot(fileParameters(model, 'saved'));
    const savedOutput = outputValues(context, 'forward pass with the saved adapter');
    const files = checkFiles(context, attempt(context, 'serializeAdapter("saved")', () => model.serializeAdapter('saved')));

    const other = await openExtraModel(context);
    try {
      const otherBase = outputValues({ ...context, harness: other }, 'forward pass of the second clean model');
      if (maxDifference(base, otherBase) !== 0) {
        throw fail(context, 'two models from createModel() give different outputs; seed the factory so that every call builds the same model.');
      }
      const name = await attemptAsync(context, 'loadAdapter into a fresh model', () => other.model.loadAdapter(files, { name: 'loaded' }));
      if (name !== 'loaded') throw fail(context, `loadAdapter returned the name "${name}" instead of "loaded".`);
      const loadedValues = snapshot(fileParameters(other.model, 'loaded'));
      const differentValues = changedPaths(savedValues, loadedValues);
      if (differentValues.length > 0) {
        throw fail(context, `after loading, parameters ${listSome(differentValues)} differ from the saved values.`);
      }
      const loadedOutput = outputValues({ ...context, harness: other }, 'forward pass with the loaded adapter');
      const difference = maxDifference(savedOutput, loadedOutput);
      if (!(difference <= target.tolerances.saveLoad)) {
        throw fail(
          context,
          `the loaded adapter's output differs from the saved adapter's by ${difference} (tolerance ${target.tolerances.saveLoad}) ` +
            'although every saved tensor loaded with its value: the adapter depends on state that is not saved.',
        );
      }
      attempt(context, 'deleteAdapter("loaded")', () => other.model.deleteAdapter('loaded'));
      attempt(context, 'deleteAdapter("saved")', () => model.deleteAdapter('saved'));
      return passed(
        'save-load',
        context.testCase.name,
        `${savedValues.size} tensor(s) saved and loaded; output difference ${difference}` + (held > 0 ? `; ${held} declared extra tensor(s)` : ''),
      );
    } finally {
      other.dispose();
    }
  });
}
