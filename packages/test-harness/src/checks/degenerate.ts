import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@peftjs/core-tensor';

import { degenerateConfigsFor, type DegenerateVariant } from '../degenerate-configs';
import type { AdapterCase, HarnessOptions } from '../options';
import { passed, skipped, type CheckReport } from '../report';
import { attempt, fail, withModel, type CheckContext } from '../session';
import { resolveCase } from './common';

function checkVariant(context: CheckContext, variant: DegenerateVariant, index: number): string {
  const { model } = context;
  const name = `degenerate_${index}`;
  const tensorsBefore = tf.memory().numTensors;
  const parametersBefore = model.namedParameters().size;
  const warningsBefore = context.warnings.length;
  let error: unknown = null;
  try {
    model.addAdapter(name, variant.config);
  } catch (raised) {
    error = raised;
  }
  const newWarnings = context.warnings.slice(warningsBefore);
  const label = `degenerate config "${variant.name}" (${variant.reason})`;

  if (error !== null) {
    if (!(error instanceof ConfigError)) {
      const err = error as Error;
      throw fail(context, `${label} raised ${err?.name}: ${err?.message}; expected a ConfigError naming the bad value.`, error);
    }
    if (variant.expect === 'warning') throw fail(context, `${label} raised ConfigError (${error.message}) but the method declares a warning for it.`);
    if (model.adapterNames.length > 0 || model.namedParameters().size !== parametersBefore || tf.memory().numTensors !== tensorsBefore) {
      throw fail(context, `${label} was rejected but left the model changed (adapters [${model.adapterNames.join(', ')}], tensors ${tf.memory().numTensors - tensorsBefore}).`);
    }
    checkMentions(context, label, [error.message], variant);
    return `${variant.name}: rejected (${error.message})`;
  }

  if (variant.expect === 'error') {
    throw fail(context, `${label} was accepted, but the method declares that it raises a ConfigError.`);
  }
  if (newWarnings.length === 0) {
    throw fail(
      context,
      `${label} was accepted without a ConfigError or a warning. Adding it must either raise a ConfigError or warn through ` +
        'AdapterBuild.warnings, naming the computed value and a fix.',
    );
  }
  checkMentions(context, label, newWarnings, variant);
  attempt(context, `deleteAdapter("${name}")`, () => model.deleteAdapter(name));
  return `${variant.name}: warned (${newWarnings.join(' | ')})`;
}

function checkMentions(context: CheckContext, label: string, messages: string[], variant: DegenerateVariant): void {
  const missing = variant.messageIncludes.filter((text) => !messages.some((message) => message.includes(text)));
  if (missing.length > 0) {
    throw fail(context, `${label}: the message does not mention ${missing.map((t) => JSON.stringify(t)).join(', ')}: ${messages.join(' | ')}`);
  }
}

/**
 * Checks that configs which are degenerate for the model are rejected with a `ConfigError` or
 * warned about when the adapter is added, and that a rejected add leaves the model unchanged. The
 * degenerate configs are the kinds and cases the method declares in `degenerateConfigs`, derived
 * from the case's config; a case where none applies is skipped.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkDegenerateConfigs(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  if (resolved.target.degenerateConfigs.length === 0) {
    return skipped('degenerate-configs', resolved.testCase.name, 'the method declares no degenerate configs');
  }
  return withModel(resolved.target, 'degenerate-configs', resolved.testCase, (context) => {
    const variants = degenerateConfigsFor(context.target.degenerateConfigs, context.config, context.model);
    if (variants.length === 0) {
      return skipped('degenerate-configs', context.testCase.name, 'no declared degenerate config applies to this config');
    }
    const outcomes = variants.map((variant, index) => checkVariant(context, variant, index));
    return passed('degenerate-configs', context.testCase.name, outcomes.join('; '));
  });
}
