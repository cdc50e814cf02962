import { InvalidArgumentError } from '@peftjs/core-tensor';

import { CASE_CHECKS, checkAllCasesRan, checkDistinctCases, isUnionConfig } from './checks';
import { resolveHarnessOptions, type HarnessOptions } from './options';

/** The jest globals the suite uses. */
interface RunnerGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<unknown> | unknown, timeout?: number): void;
}

/** Time limit of one generated test in milliseconds; checks on stories260K take a few seconds. */
const TEST_TIMEOUT_MS = 120_000;

function runnerGlobals(): RunnerGlobals {
  const globals = globalThis as unknown as Partial<RunnerGlobals>;
  if (typeof globals.describe !== 'function' || typeof globals.it !== 'function') {
    throw new InvalidArgumentError(
      'describeAdapterMethod must be called in a test file run by jest (it needs the describe and it globals). ' +
        'With another runner, call runAdapterChecks or the check functions and assert on their reports.',
    );
  }
  return globals as RunnerGlobals;
}

/**
 * Declares a jest suite that runs the conformance checks on every case of an adapter method. It
 * has one `describe` per case with one test per check. A test then compares the cases' outputs
 * (`distinct-cases`), and a final test asserts that every listed case really ran. Options are
 * validated when the suite is declared, so a typo fails before any test runs.
 *
 * @param options Method, cases, model factory, tolerances and the checks to run.
 *
 * @example
 * describeAdapterMethod({
 *   method: 'lora',
 *   createModel: () => createTinyLlamaHarnessModel(),
 *   configs: [{ name: 'default', config: LoRAConfig(), expectIdentityAtInit: true, nonIdentityConfig: LoRAConfig({ init_weights: 'bert' }) }],
 * });
 */
export function describeAdapterMethod(options: HarnessOptions): void {
  const { describe, it } = runnerGlobals();
  const target = resolveHarnessOptions(options);
  describe(`${target.method.architecture} on ${target.modelName}`, () => {
    for (const testCase of target.cases) {
      describe(testCase.name, () => {
        for (const check of CASE_CHECKS) {
          if (!target.checks.includes(check.name)) continue;
          if (check.name === 'union-members' && !isUnionConfig(testCase.config)) continue;
          if (check.name === 'degenerate-configs' && target.degenerateConfigs.length === 0) continue;
          it(
            check.title,
            async () => {
              await check.run(options, testCase);
            },
            TEST_TIMEOUT_MS,
          );
        }
      });
    }
    if (target.checks.includes('forward-effect') && target.cases.length > 1) {
      it('gives different outputs for different configs', () => {
        checkDistinctCases(options);
      });
    }
    it(`ran all ${target.cases.length} listed case(s)`, () => {
      checkAllCasesRan(options);
    });
  });
}
