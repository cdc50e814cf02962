import { HarnessCheckError } from '../errors';
import { ledgerOf } from '../ledger';
import { resolveHarnessOptions, type HarnessOptions } from '../options';
import { passed, skipped, type CheckReport } from '../report';
import { maxDifference } from '../session';
import { stableStringify } from '../stable-json';

/** Case name used in reports of checks over all cases. */
export const SUITE = 'suite';

/**
 * Checks that every listed case really ran: each case's adapter must have been added at least once
 * and found on the model with the case's own config. Run it after the other checks of the same
 * options object. A suite that silently skipped cases, or tested one case's adapter in place of
 * another's, fails here.
 *
 * @param options The same options object the other checks received.
 */
export function checkAllCasesRan(options: HarnessOptions): CheckReport {
  const target = resolveHarnessOptions(options);
  const ran = ledgerOf(target).ranCases;
  const missing = target.cases.filter((c) => !ran.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new HarnessCheckError(
      'all-cases-ran',
      SUITE,
      `${ran.size} of ${target.cases.length} case(s) ran; never added with its own config: ${missing.join(', ')}.`,
    );
  }
  return passed('all-cases-ran', SUITE, `all ${target.cases.length} case(s) ran`);
}

function differingFields(a: object, b: object): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (key) => stableStringify((a as Record<string, unknown>)[key]) !== stableStringify((b as Record<string, unknown>)[key]),
  );
}

/**
 * Checks that cases with different configs give different outputs once the same seeded noise is
 * added to their parameters (recorded by the forward-effect check). Two cases with equal outputs
 * mean the method ignores a field in which their configs differ, unless a case declares
 * `sameOutputAs` the other.
 *
 * @param options The same options object the forward-effect checks received.
 */
export function checkDistinctCases(options: HarnessOptions): CheckReport {
  const target = resolveHarnessOptions(options);
  const outputs = ledgerOf(target).caseOutputs;
  const cases = target.cases.filter((c) => outputs.has(c.name));
  if (cases.length < 2) return skipped('distinct-cases', SUITE, 'fewer than two cases recorded an output');
  let pairs = 0;
  for (let i = 0; i < cases.length; i++) {
    for (let j = i + 1; j < cases.length; j++) {
      const [a, b] = [cases[i], cases[j]];
      if (a.sameOutputAs === b.name || b.sameOutputAs === a.name) continue;
      pairs += 1;
      if (maxDifference(outputs.get(a.name)!, outputs.get(b.name)!) !== 0) continue;
      const fields = differingFields(target.method.parseConfig(a.config), target.method.parseConfig(b.config));
      throw new HarnessCheckError(
        'distinct-cases',
        SUITE,
        `cases "${a.name}" and "${b.name}" give bit-identical outputs although their configs differ in ${fields.join(', ') || 'nothing'}. ` +
          'The method ignores one of these fields; if the outputs are equal on purpose, set sameOutputAs on one case.',
      );
    }
  }
  return passed('distinct-cases', SUITE, `${pairs} pair(s) of cases give different outputs`);
}
