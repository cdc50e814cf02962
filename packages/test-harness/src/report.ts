/** Names of the conformance checks, in the order a suite runs them. */
export const CHECK_NAMES = [
  'isolation',
  'forward-effect',
  'union-members',
  'training',
  'save-load',
  'merge',
  'gradients',
  'adapter-names',
  'leaks',
  'degenerate-configs',
] as const;

/** Name of one conformance check. */
export type CheckName = (typeof CHECK_NAMES)[number] | 'distinct-cases' | 'all-cases-ran';

/** Outcome of one check on one case. */
export interface CheckReport {
  readonly check: CheckName;
  /** Case name, or `suite` for the checks over all cases. */
  readonly caseName: string;
  readonly passed: boolean;
  /** True when the check does not apply to the case (for example `union-members` on a non-union). */
  readonly skipped: boolean;
  /** What was measured, or the failure message when `passed` is false. */
  readonly details: string;
}

/** Builds a passing report. */
export function passed(check: CheckName, caseName: string, details: string): CheckReport {
  return { check, caseName, passed: true, skipped: false, details };
}

/** Builds the report of a check that does not apply to a case. */
export function skipped(check: CheckName, caseName: string, details: string): CheckReport {
  return { check, caseName, passed: true, skipped: true, details };
}
