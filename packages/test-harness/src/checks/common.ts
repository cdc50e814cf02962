import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, deriveSeed, type AdaptableModel, type Parameter } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions, HarnessTarget } from '../options';
import { resolveHarnessOptions } from '../options';
import { attempt, type CheckContext } from '../session';
import { perturbParameters } from '../tensors';

/** Base seed of the noise checks add to adapter parameters. */
export const PERTURBATION_SEED = 20240611;

/** Resolves options and finds a case by name or object. */
export function resolveCase(options: HarnessOptions, testCase: AdapterCase | string): { target: HarnessTarget; testCase: AdapterCase } {
  const target = resolveHarnessOptions(options);
  const name = typeof testCase === 'string' ? testCase : testCase?.name;
  const found = target.cases.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new InvalidArgumentError(
      `No case named ${JSON.stringify(name)} in the harness options; cases: ${target.cases.map((c) => c.name).join(', ')}.`,
    );
  }
  return { target, testCase: found };
}

/** Returns an adapter's parameters keyed by file key (without the adapter name). */
export function fileParameters(model: AdaptableModel, name: string): Map<string, Parameter> {
  return model.adapterHost.record(name).fileParameters();
}

/**
 * Adds seeded noise to every parameter of adapter `name`; the same adapter under any name on any
 * model from the factory receives the same noise for the same `label`.
 */
export function perturbAdapter(context: CheckContext, name: string, label = 'perturbation'): void {
  const parameters = fileParameters(context.model, name);
  attempt(context, `perturbing the parameters of adapter "${name}"`, () =>
    perturbParameters(parameters, deriveSeed(PERTURBATION_SEED, label), context.target.tolerances.perturbation),
  );
}

/** Computes the loss of the standard batch without recording gradients. */
export function evaluateLoss(context: CheckContext, step: string): number {
  return attempt(context, step, () => tf.tidy(() => context.harness.loss().dataSync()[0]));
}

/** The sentence a report adds when sizing changed the case's config. */
export function sizingNote(context: CheckContext): string {
  return context.sizing.length === 0 ? '' : `; config sized to ${context.harness.name}: ${context.sizing.join('; ')}`;
}
