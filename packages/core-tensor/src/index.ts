export * from './errors';
export { Parameter } from './module/parameter';
export { Module, ModuleList, shapesEqual } from './module/module';
export * from './init/initializers';
export { deriveSeed } from './init/seed';
export { Linear, type LinearOptions, type LinearForwardHook } from './layers/linear';
export { linear } from './layers/linear-function';
export { LayerNorm, RMSNorm } from './layers/layer-norm';
export { Embedding } from './layers/embedding';
export { Dropout } from './layers/dropout';
export * from './layers/activations';
export * from './sites/sites';
export { AdaptableModel } from './adapters/adaptable-model';
export { initBackend, activeBackend, isNode, type BackendName } from './backend';
export { ModuleDict } from './module/module-dict';
export * from './adapters/composition';
export type * from './adapters/method';
export {
  registerAdapterMethod,
  unregisterAdapterMethod,
  getAdapterMethod,
  listAdapterMethods,
  registeredAdapterMethods,
  parseAdapterConfig,
} from './adapters/registry';
export { AdapterHost, DEFAULT_ADAPTER_SEED, allFinite, type AddAdapterOptions, type WarningSink } from './adapters/host';
export { AdapterRecord, PEFT_KEY_PREFIX, joinPath } from './adapters/adapter-record';
export type { LoadAdapterOptions } from './adapters/adaptable-model';
export {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  ADAPTERHUB_WEIGHTS_FILE,
  PEFTJS_CONFIG_KEY,
  readAdapterFiles,
  writeAdapterFiles,
  type AdapterFiles,
} from './adapters/adapter-files';
export { formatAdapterSummary, type AdapterSummary, type AdapterSummaryRow } from './adapters/summary';
export { learningRateAt, type LearningRateSchedule, type ScheduleKind } from './training/schedule';
export { AdamW, type AdamWOptions } from './training/adamw';
export { trainStep, type TrainStepOptions, type TrainStepResult } from './training/train-step';
export * from './safetensors';
export * from './io';
export { runTraining, type TrainingOptions, type TrainingResult, type StepReport } from './training/train-loop';
export {
  registerAdapterPreset,
  getAdapterPreset,
  listAdapterPresets,
  registeredAdapterPresets,
  type AdapterPreset,
} from './adapters/presets';
export { parseWithSchema, deepFreeze } from './adapters/config-schema';
export {
  recordGateScores,
  reportGateScore,
  isRecordingGateScores,
  groupGateScores,
  type GateScore,
  type GateScoreRecording,
  type GateScoreSource,
} from './adapters/gate-scores';
