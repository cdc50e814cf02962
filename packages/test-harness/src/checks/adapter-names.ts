import * as tf from '@tensorflow/tfjs';
import { parseSafetensors } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, fail, maxDifference, openExtraModel, outputValues, withModel, type CheckContext } from '../session';
import { changedPaths, listSome, snapshot, type ParameterSnapshot } from '../tensors';
import { fileParameters, perturbAdapter, resolveCase } from './common';

/** Names that contain one another, as PEFT's `default` and user names built from it. */
const OVERLAPPING_NAMES = ['default', 'default2', 'other_default'] as const;

function sameKeys(a: ParameterSnapshot, b: ParameterSnapshot): boolean {
  return a.size === b.size && [...a.keys()].every((key) => b.has(key));
}

/** Same config and seed under two names on two models must give identical parameters and outputs. */
async function checkNameIndependence(context: CheckContext): Promise<string> {
  const config = context.nonIdentityConfig ?? context.config;
  const isCaseConfig = config === context.config;
  const add = (target: CheckContext, name: string) => {
    if (isCaseConfig) addCaseAdapter(target, name, config, { setActive: true });
    else attempt(target, `addAdapter("${name}")`, () => target.model.addAdapter(name, config, { setActive: true }));
  };
  add(context, 'first_name');
  const firstValues = snapshot(fileParameters(context.model, 'first_name'));
  const firstOutput = outputValues(context, 'forward pass with adapter "first_name"');
  attempt(context, 'deleteAdapter("first_name")', () => context.model.deleteAdapter('first_name'));

  const other = await openExtraModel(context);
  try {
    const otherContext = { ...context, harness: other, model: other.model };
    add(otherContext, 'another_name');
    const secondValues = snapshot(fileParameters(other.model, 'another_name'));
    const secondOutput = outputValues(otherContext, 'forward pass with adapter "another_name"');
    const changed = changedPaths(firstValues, secondValues);
    if (!sameKeys(firstValues, secondValues) || changed.length > 0) {
      throw fail(
        context,
        `the same config and seed give different parameters under the names "first_name" and "another_name" (${listSome(changed) || 'different keys'}). ` +
          'Derive initial values from the config seed and the site path, never from the adapter name.',
      );
    }
    const difference = maxDifference(firstOutput, secondOutput);
    if (difference !== 0) {
      throw fail(context, `the same config and seed give outputs differing by ${difference} under the names "first_name" and "another_name".`);
    }
    attempt(context, 'deleteAdapter("another_name")', () => other.model.deleteAdapter('another_name'));
  } finally {
    other.dispose();
  }
  return 'same parameters and output under two names';
}

/** `default`, `default2` and `other_default` on one model: save and delete touch only the named one. */
function checkOverlappingNames(context: CheckContext): string {
  const { model } = context;
  const values = new Map<string, ParameterSnapshot>();
  const outputs = new Map<string, Float32Array>();
  for (const name of OVERLAPPING_NAMES) {
    addCaseAdapter(context, name, context.config);
    perturbAdapter(context, name, `names.${name}`);
  }
  for (const name of OVERLAPPING_NAMES) {
    values.set(name, snapshot(model.adapterParameters(name)));
    model.setActiveAdapters(name);
    outputs.set(name, outputValues(context, `forward pass with adapter "${name}"`));
  }

  const files = attempt(context, 'serializeAdapter("default")', () => model.serializeAdapter('default'));
  const expected = fileParameters(model, 'default');
  const contents = attempt(context, 'parsing the saved safetensors bytes', () => parseSafetensors(files.weights));
  try {
    const keys = [...contents.tensors.keys()];
    const unexpected = keys.filter((key) => !expected.has(key));
    const missing = [...expected.keys()].filter((key) => !contents.tensors.has(key));
    if (unexpected.length > 0 || missing.length > 0 || keys.length !== expected.size) {
      throw fail(
        context,
        `saving "default" next to "default2" and "other_default" wrote ${keys.length} tensor(s) for ${expected.size} parameter(s): ` +
          `unexpected ${listSome(unexpected) || 'none'}; missing ${listSome(missing) || 'none'}. Select an adapter's tensors by its exact name, not by substring.`,
      );
    }
    const foreign = [...expected].filter(([key, p]) =>
      tf.tidy(() => tf.any(tf.notEqual(contents.tensors.get(key)!.toFloat(), p.value)).dataSync()[0] === 1),
    );
    if (foreign.length > 0) {
      throw fail(context, `saving "default" wrote values that are not those of "default" for ${listSome(foreign.map(([key]) => key))}.`);
    }
  } finally {
    for (const tensor of contents.tensors.values()) tensor.dispose();
  }

  attempt(context, 'deleteAdapter("default")', () => model.deleteAdapter('default'));
  const remaining = model.adapterNames;
  if (remaining.length !== 2 || !remaining.includes('default2') || !remaining.includes('other_default')) {
    throw fail(context, `after deleteAdapter("default") the model lists adapters [${remaining.join(', ')}] instead of [default2, other_default].`);
  }
  for (const name of ['default2', 'other_default']) {
    const after = snapshot(model.adapterParameters(name));
    const before = values.get(name)!;
    const changed = changedPaths(before, after);
    if (!sameKeys(before, after) || changed.length > 0) {
      throw fail(
        context,
        `deleting "default" changed adapter "${name}" (${listSome(changed) || 'its parameter paths'}); deletion must match the exact name.`,
      );
    }
    model.setActiveAdapters(name);
    const difference = maxDifference(outputValues(context, `forward pass with adapter "${name}" after deleting "default"`), outputs.get(name)!);
    if (difference !== 0) {
      throw fail(context, `after deleting "default", adapter "${name}" gives an output that differs by ${difference} from before.`);
    }
  }
  attempt(context, 'deleting the remaining adapters', () => {
    model.deleteAdapter('default2');
    model.deleteAdapter('other_default');
  });
  return 'default, default2 and other_default save and delete independently';
}

/**
 * Checks adapter names. The same config and seed under two different names on two fresh models
 * must give bit-identical parameters and outputs (initial values must not depend on the name).
 * With `default`, `default2` and `other_default` on one model, saving `default` must write exactly
 * its own tensors with its own values, and deleting it must leave the other two unchanged.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkAdapterNames(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'adapter-names', resolved.testCase, async (context) => {
    const independence = await checkNameIndependence(context);
    const overlapping = checkOverlappingNames(context);
    return passed('adapter-names', context.testCase.name, `${independence}; ${overlapping}`);
  });
}
