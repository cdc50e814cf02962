import type { AdapterCase, HarnessOptions } from '../options';
import { ledgerOf } from '../ledger';
import { passed, type CheckReport } from '../report';
import { addCaseAdapter, attempt, fail, maxDifference, outputValues, withModel, type CheckContext } from '../session';
import { perturbAdapter, resolveCase, sizingNote } from './common';

function checkBypassed(context: CheckContext, base: Float32Array): void {
  const { model } = context;
  model.setActiveAdapters(null);
  const inactive = maxDifference(outputValues(context, 'forward pass with no active adapter'), base);
  if (inactive !== 0) {
    throw fail(context, `with no active adapter the output differs from the clean model's by ${inactive}; an inactive adapter must not act.`);
  }
  model.setActiveAdapters('harness');
  const disabled = attempt(context, 'withAdaptersDisabled', () =>
    model.withAdaptersDisabled(() => maxDifference(outputValues(context, 'forward pass with adapters disabled'), base)),
  );
  if (disabled !== 0) {
    throw fail(context, `inside withAdaptersDisabled the output differs from the clean model's by ${disabled}.`);
  }
}

/**
 * Checks the two separate promises about the forward pass. At the default initialisation the
 * output is unchanged when the case declares `expectIdentityAtInit` (and changed when it does
 * not), and a non-identity adapter changes it: the case's `nonIdentityConfig`, or else the case's
 * adapter with seeded noise added to every parameter. It also checks that an inactive or disabled
 * adapter leaves the output exactly as the clean model's, and records the perturbed output for the
 * `distinct-cases` check. An adapter that never reaches the forward pass fails here.
 *
 * @param options Method, cases and model factory.
 * @param testCase The case (or its name).
 */
export async function checkForwardEffect(options: HarnessOptions, testCase: AdapterCase | string): Promise<CheckReport> {
  const resolved = resolveCase(options, testCase);
  return withModel(resolved.target, 'forward-effect', resolved.testCase, (context) => {
    const { model, target } = context;
    const { identity, minEffect } = target.tolerances;
    const base = outputValues(context, 'forward pass of the clean model');

    addCaseAdapter(context, 'harness', context.config, { setActive: true });
    const initChange = maxDifference(outputValues(context, 'forward pass at initialisation'), base);
    if (context.testCase.expectIdentityAtInit) {
      if (!(initChange <= identity)) {
        throw fail(
          context,
          `a new adapter changes the output by ${initChange} (tolerance ${identity}) although the case declares expectIdentityAtInit; ` +
            'the default initialisation must leave the model unchanged.',
        );
      }
    } else if (!(initChange > minEffect)) {
      throw fail(
        context,
        `a new adapter changes the output by only ${initChange} (needed > ${minEffect}) and the case does not declare expectIdentityAtInit. ` +
          'Declare it if the method promises an identity initialisation; otherwise the adapter has no effect on the forward pass.',
      );
    }
    checkBypassed(context, base);

    perturbAdapter(context, 'harness');
    const perturbed = outputValues(context, 'forward pass with perturbed adapter parameters');
    ledgerOf(target).caseOutputs.set(context.testCase.name, perturbed);
    const perturbedChange = maxDifference(perturbed, base);
    attempt(context, 'deleteAdapter("harness")', () => model.deleteAdapter('harness'));

    let effect = `perturbed parameters change it by ${perturbedChange}`;
    if (context.nonIdentityConfig !== undefined) {
      addCaseAdapter(context, 'harness_effect', context.nonIdentityConfig, { setActive: true });
      const change = maxDifference(outputValues(context, 'forward pass with the non-identity config'), base);
      if (!(change > minEffect)) {
        throw fail(
          context,
          `the adapter never changes the model output: with nonIdentityConfig the largest change is ${change} (needed > ${minEffect}). ` +
            'Its forward pass has no effect; check that build() binds handlers to the sites and that their result depends on the parameters.',
        );
      }
      attempt(context, 'deleteAdapter("harness_effect")', () => model.deleteAdapter('harness_effect'));
      effect = `nonIdentityConfig changes it by ${change}; ${effect}`;
    } else if (!(perturbedChange > minEffect)) {
      throw fail(
        context,
        `the adapter never changes the model output: after adding N(0, ${target.tolerances.perturbation}²) noise to every parameter ` +
          `the largest change is ${perturbedChange} (needed > ${minEffect}). Its parameters do not reach the forward pass.`,
      );
    }
    return passed(
      'forward-effect',
      context.testCase.name,
      `change at initialisation ${initChange}; ${effect}${sizingNote(context)}`,
    );
  });
}
