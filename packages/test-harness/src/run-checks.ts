import { CASE_CHECKS, checkAllCasesRan, checkDistinctCases } from './checks';
import { HarnessCheckError } from './errors';
import { resolveHarnessOptions, type HarnessOptions } from './options';
import type { CheckName, CheckReport } from './report';

/** Runs a check and turns a {@link HarnessCheckError} into a failed report. Other errors propagate. */
async function report(check: CheckName, caseName: string, run: () => Promise<CheckReport> | CheckReport): Promise<CheckReport> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof HarnessCheckError)) throw error;
    return { check, caseName, passed: false, skipped: false, details: error.message };
  }
}

/**
 * Runs every selected check on every case, then the checks over all cases, and returns one report
 * per check and case. Failed checks become reports with `passed: false` instead of throwing, so any
 * test runner can assert on the list (for example that every report passed). Invalid options and
 * harness bugs still throw.
 *
 * @param options Method, cases, model factory and tolerances.
 */
export async function runAdapterChecks(options: HarnessOptions): Promise<CheckReport[]> {
  const target = resolveHarnessOptions(options);
  const reports: CheckReport[] = [];
  for (const testCase of target.cases) {
    for (const check of CASE_CHECKS) {
      if (!target.checks.includes(check.name)) continue;
      reports.push(await report(check.name, testCase.name, () => check.run(options, testCase)));
    }
  }
  if (target.checks.includes('forward-effect')) reports.push(await report('distinct-cases', 'suite', () => checkDistinctCases(options)));
  reports.push(await report('all-cases-ran', 'suite', () => checkAllCasesRan(options)));
  return reports;
}
