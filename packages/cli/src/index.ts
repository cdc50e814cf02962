/**
 * The `peftjs` command-line tool, also usable as a library: `finetuneLanguageModel`,
 * `finetuneClassifier`, `evaluateLanguageModel` and `evaluateClassifierRun` run the same jobs as
 * `peftjs finetune` and `peftjs eval`.
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
export { finetuneClassifier, type ClassifierFinetuneOptions, type ClassifierFinetuneMetrics } from './finetune/classify-job';
export {
  evaluateLanguageModel,
  type LanguageModelEvaluationOptions,
  type LanguageModelEvaluation,
} from './evaluation/lm-evaluation';
export {
  evaluateClassifierRun,
  type ClassifierRunEvaluationOptions,
  type ClassifierRunEvaluation,
} from './evaluation/classifier-evaluation';
export { methodNames, resolveAdapterConfig } from './methods';
export { adapterConfigFromOptions } from './adapter-config-option';
export { resolveAdapterDirectory, type AdapterDirectory } from './adapter-directory';
export { loadLanguageModel, MODEL_DIRECTORY_TOKENIZER, type LoadedLanguageModel } from './model-loading';
export { StagedDirectory } from './output-dir';
export { renderLossCurveSvg, lossCurveSpec, type LossPoint } from './plot/loss-curve';
export { readLabelledSentences, readTextLines, type LabelledSentence } from './data/labelled-sentences';
export { trainHeldOutSplit, seededPermutation, selectDataPart, DATA_PARTS, type DataPart } from './data/split';
export { SequenceBatcher, type TokenBatch } from './data/packed-batches';
export { ClassificationBatcher, classificationBatch, type ClassificationBatch } from './data/classification-batches';
export { encodeClassificationExamples, readClassificationSentences, type ClassificationExample } from './data/classification-data';
export { LabelSet } from './data/label-set';
export { loadSequenceClassifier, copyDecoderWeights, type LoadedSequenceClassifier } from './classify/sequence-classifier';
export { pooledClassLogits, lastTokenPositions } from './classify/pooled-logits';
export { softmaxCrossEntropy } from './classify/cross-entropy';
export { evaluateClassifier, type ClassifierEvaluation } from './classify/evaluate';
export {
  saveClassifierHead,
  loadClassifierHead,
  readHeadLabels,
  HEAD_CONFIG_FILE,
  HEAD_WEIGHTS_FILE,
  type HeadConfig,
} from './classify/head-files';
