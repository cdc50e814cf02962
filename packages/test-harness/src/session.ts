import * as tf from '@tensorflow/tfjs';
import { AdaptableModel, InvalidArgumentError, type AdapterConfig, type AddAdapterOptions } from '@peftjs/core-tensor';

import { HarnessCheckError } from './errors';
import { ledgerOf } from './ledger';
import type { AdapterCase, HarnessTarget } from './options';
import type { HarnessModel, HarnessModelFactory } from './reference-models/harness-model';
import type { CheckName } from './report';
import { sizeConfigToModel } from './size-config';
import { stableStringify } from './stable-json';

/** Everything a check needs while it works on one fresh model. */
export interface CheckContext {
  readonly target: HarnessTarget;
  readonly testCase: AdapterCase;
  readonly check: CheckName;
  readonly harness: HarnessModel;
  readonly model: AdaptableModel;
  /** The case's config, sized to this model when the target sizes configs. */
  readonly config: AdapterConfig;
  /** The case's non-identity config, sized the same way, if the case has one. */
  readonly nonIdentityConfig: AdapterConfig | undefined;
  /** Sentences naming each change sizing made to the config, for the report. */
  readonly sizing: readonly string[];
  /** Warnings the adapter host emitted since the model was opened. */
  readonly warnings: string[];
}

/** Models each factory has returned, so a factory that hands out one model twice is caught. */
const modelsByFactory = new WeakMap<HarnessModelFactory, WeakSet<object>>();

/** Builds the error of a failed check. */
export function fail(context: Pick<CheckContext, 'check' | 'testCase'>, problem: string, cause?: unknown): HarnessCheckError {
  return new HarnessCheckError(context.check, context.testCase.name, problem, { cause });
}

/**
 * Runs `action` and turns anything it throws into a {@link HarnessCheckError} that names the step.
 *
 * @param context The running check.
 * @param step What `action` does, e.g. `addAdapter("harness")`.
 * @param action The step.
 */
export function attempt<T>(context: Pick<CheckContext, 'check' | 'testCase'>, step: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof HarnessCheckError) throw error;
    const err = error as Error;
    throw fail(context, `${step} raised ${err?.name ?? 'an error'}: ${err?.message ?? String(error)}`, error);
  }
}

/** Async form of {@link attempt}. */
export async function attemptAsync<T>(
  context: Pick<CheckContext, 'check' | 'testCase'>,
  step: string,
  action: () => Promise<T>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof HarnessCheckError) throw error;
    const err = error as Error;
    throw fail(context, `${step} raised ${err?.name ?? 'an error'}: ${err?.message ?? String(error)}`, error);
  }
}

function checkHarnessModel(value: unknown): asserts value is HarnessModel {
  const candidate = value as Partial<HarnessModel> | null;
  const problems: string[] = [];
  if (typeof candidate !== 'object' || candidate === null) problems.push(`got ${String(value)}`);
  else {
    if (!(candidate.model instanceof AdaptableModel)) problems.push('`model` is not an AdaptableModel');
    for (const name of ['forward', 'loss', 'dispose'] as const) {
      if (typeof candidate[name] !== 'function') problems.push(`\`${name}\` is not a function`);
    }
  }
  if (problems.length > 0) {
    throw new InvalidArgumentError(
      `createModel() must return a HarnessModel { name, model, forward, loss, dispose }: ${problems.join('; ')}. ` +
        'See createTinyBertHarnessModel for an example.',
    );
  }
}

async function openModel(target: HarnessTarget, context: Pick<CheckContext, 'check' | 'testCase'>): Promise<HarnessModel> {
  const harness = await target.createModel();
  checkHarnessModel(harness);
  let seen = modelsByFactory.get(target.createModel);
  if (seen === undefined) {
    seen = new WeakSet();
    modelsByFactory.set(target.createModel, seen);
  }
  if (seen.has(harness.model)) {
    throw fail(
      context,
      'createModel() returned a model that an earlier check already used. Every check needs a fresh model, ' +
        'because an adapter or state left over from another case would be tested in place of this one; build a new model on every call.',
    );
  }
  seen.add(harness.model);

  const names = harness.model.adapterNames;
  if (names.length > 0 || harness.model.activeAdapters !== null) {
    throw fail(
      context,
      `createModel() returned a model that already has adapters [${names.join(', ')}]; every case needs a clean model without adapters.`,
    );
  }
  return harness;
}

/**
 * Opens a fresh model, runs `body` on it and disposes it. After disposal the number of tensors must
 * be what it was before the model was created, or the check fails naming the leaked count.
 *
 * @param target The resolved harness target.
 * @param check The running check.
 * @param testCase The case it runs.
 * @param body The check's work on the model.
 */
export async function withModel<T>(
  target: HarnessTarget,
  check: CheckName,
  testCase: AdapterCase,
  body: (context: CheckContext) => Promise<T> | T,
): Promise<T> {
  const tensorsBefore = tf.memory().numTensors;
  const harness = await openModel(target, { check, testCase });
  const warnings: string[] = [];
  harness.model.adapterHost.warn = (message) => warnings.push(message);

  let result: T;
  try {
    // A first forward pass lets the model create any tensors it keeps between calls.
    tf.dispose(harness.forward());
    const sized = target.sizeConfigs ? sizeConfigToModel(testCase.config, harness.model) : { config: testCase.config, changes: [] };
    const nonIdentity =
      testCase.nonIdentityConfig === undefined
        ? undefined
        : target.sizeConfigs
          ? sizeConfigToModel(testCase.nonIdentityConfig, harness.model).config
          : testCase.nonIdentityConfig;
    result = await body({
      target,
      testCase,
      check,
      harness,
      model: harness.model,
      config: sized.config,
      nonIdentityConfig: nonIdentity,
      sizing: sized.changes,
      warnings,
    });
  } catch (error) {
    try {
      harness.dispose();
    } catch {
      // The check's own error is more useful than a failure to clean up after it.
    }
    throw error;
  }
  harness.dispose();
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked < 0) {
    throw fail(
      { check, testCase },
      `disposing the model released ${-leaked} tensor(s) more than the check created: createModel() returned a model built ` +
        'before the call. Build a new model on every call, so that no case sees another case\'s model.',
    );
  }
  if (leaked > 0) {
    throw fail(
      { check, testCase },
      `${leaked} tensor(s) remained after the check deleted its adapters and disposed the model. ` +
        'The method keeps tensors that neither deleteAdapter nor model.dispose() releases: hold them in placed modules or free them in AdapterBuild.dispose.',
    );
  }
  return result;
}

/**
 * Adds an adapter for the running case and checks that the model now contains it with exactly the
 * config given, so a case can never silently test another case's adapter. Records the case as run
 * when `config` is the case's own config.
 *
 * @param context The running check.
 * @param name Adapter name.
 * @param config Config to add.
 * @param options `setActive` as for `addAdapter`.
 */
export function addCaseAdapter(context: CheckContext, name: string, config: AdapterConfig, options: AddAdapterOptions = {}): void {
  const { model, target } = context;
  const parametersBefore = model.namedParameters().size;
  attempt(context, `addAdapter("${name}")`, () => model.addAdapter(name, config, options));
  if (!model.adapterNames.includes(name)) {
    throw fail(context, `addAdapter("${name}") returned but the model lists adapters [${model.adapterNames.join(', ')}] without it.`);
  }
  const expected = stableStringify(attempt(context, 'parseConfig', () => target.method.parseConfig(config)));
  const actual = stableStringify(model.adapterConfig(name));
  if (expected !== actual) {
    throw fail(context, `adapter "${name}" on the model has config ${actual}, not the config the case added (${expected}).`);
  }
  const added = model.namedParameters().size - parametersBefore;
  if (added <= 0) {
    throw fail(context, `addAdapter("${name}") added no parameters to the model; an adapter must register its parameters through AdapterBuild.placements.`);
  }
  if (config === context.config) ledgerOf(target).ranCases.add(context.testCase.name);
}

/** Runs the standard forward pass and returns a copy of the output values. */
export function outputValues(context: CheckContext, step: string): Float32Array {
  const output = attempt(context, step, () => context.harness.forward());
  try {
    return Float32Array.from(output.dataSync() as Float32Array);
  } finally {
    output.dispose();
  }
}

/** Runs the standard forward pass and returns the output tensor; the caller disposes it. */
export function outputTensor(context: CheckContext, step: string): tf.Tensor {
  return attempt(context, step, () => context.harness.forward());
}

/** Returns the largest absolute difference of two value arrays (infinite when lengths differ). */
export function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i] - b[i]);
    if (!(difference <= worst)) worst = difference;
  }
  return worst;
}

/**
 * Checks that a second model from the factory gives the same output as the first one the ledger
 * saw, because checks that compare two models assume the factory is deterministic.
 */
export function checkDeterministicFactory(context: CheckContext, base: Float32Array): void {
  const ledger = ledgerOf(context.target);
  if (ledger.baseOutput === null) {
    ledger.baseOutput = base;
    return;
  }
  const difference = maxDifference(ledger.baseOutput, base);
  if (difference !== 0) {
    throw fail(
      context,
      `two models from createModel() give different outputs (largest difference ${difference}); seed the factory so that every call builds the same model.`,
    );
  }
}

/**
 * Opens one more fresh model for a check that compares two models (save and load, adapter
 * names). Warnings go to the check's list. The caller disposes it.
 *
 * @param context The running check.
 */
export async function openExtraModel(context: CheckContext): Promise<HarnessModel> {
  const harness = await openModel(context.target, context);
  harness.model.adapterHost.warn = (message) => context.warnings.push(message);
  tf.dispose(harness.forward());
  return harness;
}
