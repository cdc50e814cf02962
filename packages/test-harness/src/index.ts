/**
 * Conformance checks for adapter methods. Every method, in this repository or downstream, runs
 * them against tiny reference models. They show that its adapters change the forward pass, train
 * only their own parameters, save and load, merge, and leave the model clean. Use
 * `describeAdapterMethod` in a jest test file, or call the checks (`runAdapterChecks`,
 * `checkTraining`, ...) from any runner.
 *
 * @packageDocumentation
 */
export { describeAdapterMethod } from './describe-adapter-method';
export { runAdapterChecks } from './run-checks';
export {
  CASE_CHECKS,
  checkAdapterNames,
  checkAllCasesRan,
  checkDegenerateConfigs,
  checkDistinctCases,
  checkForwardEffect,
  checkGradients,
  checkIsolation,
  checkMerge,
  checkNoLeaks,
  checkSaveLoad,
  checkTraining,
  checkUnionMembers,
  isUnionConfig,
  type CaseCheck,
} from './checks';
export { HarnessCheckError } from './errors';
export { CHECK_NAMES, type CheckName, type CheckReport } from './report';
export {
  DEFAULT_TOLERANCES,
  resolveHarnessOptions,
  type AdapterCase,
  type HarnessOptions,
  type HarnessTarget,
  type HarnessTolerances,
} from './options';
export { sizeConfigToModel, MIN_BOTTLENECK_WIDTH, type SizedConfig, type SizingModel } from './size-config';
export {
  DEGENERATE_KINDS,
  degenerateConfigsFor,
  degenerateVariant,
  type DegenerateCase,
  type DegenerateKind,
  type DegenerateVariant,
} from './degenerate-configs';
export type { HarnessModel, HarnessModelFactory } from './reference-models/harness-model';
export { createTinyBertHarnessModel } from './reference-models/tiny-bert';
export {
  createTinyLlamaHarnessModel,
  causalLanguageModelHarness,
  TINY_LLAMA_CONFIG,
  type CausalLanguageModel,
} from './reference-models/tiny-llama';
export { loadStories260KHarnessModel } from './reference-models/stories260k';
export { perturbParameters, maxAbsDifference } from './tensors';
