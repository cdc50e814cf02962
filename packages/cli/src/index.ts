/**
 * The `peftjs` command-line tool, also usable as a library: `finetuneLanguageModel` runs the same
 * job as `peftjs finetune`.
 *
 * @packageDocumentation
 */
export { createProgram } from './program';
export {
  finetuneLanguageModel,
  type LanguageModelFinetuneOptions,
  type LanguageModelFinetuneMetrics,
  type HeldOutEvaluation,
} from './finetune/lm-job';
export { methodNames, resolveAdapterConfig } from './methods';
export { renderLossCurveSvg, lossCurveSpec, type LossPoint } from './plot/loss-curve';
export { readLabelledSentences, readTextLines, type LabelledSentence } from './data/labelled-sentences';
export { trainHeldOutSplit, seededPermutation } from './data/split';
export { SequenceBatcher, type TokenBatch } from './data/packed-batches';
