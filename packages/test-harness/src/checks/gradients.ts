import * as tf from '@tensorflow/tfjs';
import { deriveSeed, type Parameter } from '@peftjs/core-tensor';

import type { AdapterCase, HarnessOptions } from '../options';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, fail, withModel, type CheckContext } from '../session';
import { evaluateLoss, perturbAdapter, resolveCase, PERTURBATION_SEED } from './common';

/** One compared coordinate. */
interface Comparison {
  readonly path: string;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

/** Picks up to `count` parameters spread evenly over the list. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}

/** Picks the coordinate of the largest gradient, then seeded random ones. */
function coordinates(gradient: Float32Array, count: number, seed: number): number[] {
  let largest = 0;
  for (let i = 1; i < gradient.length; i++) if (Math.abs(gradient[i]) > Math.abs(gradient[largest])) largest = i;
  const chosen = [largest];
  let state = seed >>> 0 || 1;
  while (chosen.length < Math.min(count, gradient.length)) {
    // xorshift32: enough to spread the picks, and reproducible.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const index = state % gradient.length;
    if (!chosen.includes(index)) chosen.push(index);
  }
  return chosen;
}

/** Central difference of the loss along one coordinate, using the float32 steps actually taken. */
function centralDifference(context: CheckContext, parameter: Parameter, index: number, step: number): number {
  const original = Float32Array.from(parameter.value.dataSync() as Float32Array);
  const value = original[index];
  const plus = Math.fround(value + step);
  const minus = Math.fround(value - step);
  const lossAt = (coordinate: number): number => {
    const values = Float32Array.from(original);
    values[index] = coordinate;
    tf.tidy(() => parameter.assign(tf.tensor(values, parameter.shape)));
    return evaluateLoss(context, 'loss during the finite-difference check');
  };
  try {
    return (lossAt(plus) - lossAt(minus)) / (plus - minus);
  } finally {
    tf.tidy(() => parameter.assign(tf.tensor(original, parameter.shape)));
  }
}

/**
 * Checks the adapter's gradients against central finite differences of the loss. The adapter gets
 * seeded noise on its parameters, so no gradient vanishes by construction (LoRA's `A` at `B = 0`).
 * For parameters spread over the adapter, the coordinate with the largest gradient and seeded
 * random ones must agree within `gradientFloor · G + gradientRelative · max(|analytic|, |numeric|)`,
 * where `G` is the largest compared gradient. float32 limits the precision, so the default step is
 * a large 3e-2. A wrong custom gradient or
 * a parameter cut off from the tape fails here.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkGradients(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'gradients', resolved.testCase, (context) => {
    const { model, harness, target } = context;
    const tolerances = target.tolerances;
    addCaseAdapter(context, 'graded', context.config, { setActive: true });
    perturbAdapter(context, 'graded');
    attempt(context, 'trainAdapter("graded")', () => model.trainAdapter('graded'));
    model.eval();

    const frozen = new Set(model.adapterHost.record('graded').build.frozenParameters ?? []);
    const named = [...model.adapterParameters('graded')].filter(([, p]) => p.trainable && !frozen.has(p));
    if (named.length === 0) throw fail(context, 'the adapter has no trainable parameter to check.');
    const selected = spread(named, tolerances.gradientParameters);

    const analytic = attempt(context, 'computing gradients', () => {
      const { value, grads } = tf.variableGrads(() => harness.loss(), selected.map(([, p]) => p.variable));
      value.dispose();
      const result = new Map<string, Float32Array>();
      for (const [path, p] of selected) result.set(path, Float32Array.from(grads[p.variable.name].dataSync() as Float32Array));
      tf.dispose(grads);
      return result;
    });

    const comparisons: Comparison[] = [];
    for (const [path, parameter] of selected) {
      const gradient = analytic.get(path)!;
      for (const index of coordinates(gradient, tolerances.gradientCoordinates, deriveSeed(PERTURBATION_SEED, path))) {
        const numeric = centralDifference(context, parameter, index, tolerances.gradientStep);
        comparisons.push({ path, index, analytic: gradient[index], numeric });
      }
    }
    const largest = Math.max(...comparisons.map((c) => Math.max(Math.abs(c.analytic), Math.abs(c.numeric))));
    if (!(largest > tolerances.gradientMinimum)) {
      throw fail(
        context,
        `every compared gradient is below ${tolerances.gradientMinimum} (largest ${largest}): the loss does not depend on the adapter's parameters.`,
      );
    }
    const floor = tolerances.gradientFloor * largest;
    const bound = (c: Comparison) => floor + tolerances.gradientRelative * Math.max(Math.abs(c.analytic), Math.abs(c.numeric));
    const wrong = comparisons.filter((c) => !(Math.abs(c.analytic - c.numeric) <= bound(c)));
    if (wrong.length > 0) {
      const shown = wrong
        .slice(0, 4)
        .map((c) => `${c.path}[${c.index}]: analytic ${c.analytic.toExponential(4)}, finite difference ${c.numeric.toExponential(4)}`)
        .join('; ');
      throw fail(
        context,
        `${wrong.length} of ${comparisons.length} gradient coordinate(s) disagree with central finite differences (step ${tolerances.gradientStep}): ${shown}. ` +
          'A custom gradient of the method is wrong, or a parameter is used outside the gradient tape.',
      );
    }
    const worst = Math.max(...comparisons.map((c) => Math.abs(c.analytic - c.numeric)));
    attempt(context, 'deleteAdapter("graded")', () => model.deleteAdapter('graded'));
    return passed(
      'gradients',
      context.testCase.name,
      `${comparisons.length} coordinate(s) of ${selected.length} parameter(s) agree; largest difference ${worst.toExponential(3)}, largest gradient ${largest.toExponential(3)}`,
    );
  });
}
