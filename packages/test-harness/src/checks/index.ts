import type { AdapterCase, HarnessOptions } from '../options';
import type { CheckReport } from '../report';
import { checkAdapterNames } from './adapter-names';
import { checkDegenerateConfigs } from './degenerate';
import { checkForwardEffect } from './forward-effect';
import { checkGradients } from './gradients';
import { checkIsolation } from './isolation';
import { checkNoLeaks } from './leaks';
import { checkMerge } from './merge';
import { checkSaveLoad } from './save-load';
import { checkTraining } from './training';
import { checkUnionMembers } from './union-members';

export { checkAdapterNames, checkDegenerateConfigs, checkForwardEffect, checkGradients, checkIsolation, checkNoLeaks, checkMerge };
export { checkSaveLoad, checkTraining, checkUnionMembers };
export { isUnionConfig } from './union-members';
export { checkAllCasesRan, checkDistinctCases } from './suite';

/** A per-case check function. */
export type CaseCheck = (options: HarnessOptions, testCase: AdapterCase | string) => Promise<CheckReport>;

/** Every per-case check with its name and the title of its test. */
export const CASE_CHECKS = [
  { name: 'isolation', title: 'starts and ends on a clean model', run: checkIsolation },
  { name: 'forward-effect', title: 'is identity at init where promised and changes the output otherwise', run: checkForwardEffect },
  { name: 'union-members', title: 'changes the output through every union member', run: checkUnionMembers },
  { name: 'training', title: 'trains only its own parameters and lowers the loss', run: checkTraining },
  { name: 'save-load', title: 'saves and loads into a fresh model with the same output', run: checkSaveLoad },
  { name: 'merge', title: 'merges and unmerges, or raises MergeError', run: checkMerge },
  { name: 'gradients', title: 'has gradients that match finite differences', run: checkGradients },
  { name: 'adapter-names', title: 'does not depend on its name and keeps overlapping names apart', run: checkAdapterNames },
  { name: 'leaks', title: 'leaks no tensor across its lifecycle', run: checkNoLeaks },
  { name: 'degenerate-configs', title: 'rejects or warns about degenerate configs', run: checkDegenerateConfigs },
] as const satisfies readonly { name: string; title: string; run: CaseCheck }[];
