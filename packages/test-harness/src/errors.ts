import type { CheckName } from './report';

/**
 * A conformance check failed. The message names the check, the case, the model and the cause, so
 * a test runner's output alone tells an adapter author what to fix.
 */
export class HarnessCheckError extends Error {
  /**
   * @param check The check that failed.
   * @param caseName Name of the case it ran, or `suite` for checks over all cases.
   * @param problem What went wrong and how to fix it.
   * @param options `cause`: the error the method or the model raised, if any.
   */
  constructor(
    readonly check: CheckName,
    readonly caseName: string,
    readonly problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(`[${check}] case "${caseName}": ${problem}`, options);
    this.name = 'HarnessCheckError';
  }
}
