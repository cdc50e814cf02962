import { CheckpointFormatError } from '@peftjs/core-tensor';
import { LlamaForSequenceClassification, type Llama2cTokenizer, type LlamaForCausalLM } from '@peftjs/models';
import type * as tf from '@tensorflow/tfjs';

import { loadLanguageModel } from '../model-loading';

/** Path of the classification head inside {@link LlamaForSequenceClassification}. */
export const SCORE_WEIGHT = 'score.weight';

/** A sequence classifier built on a pre-trained language model, and its tokenizer. */
export interface LoadedSequenceClassifier {
  readonly model: LlamaForSequenceClassification;
  readonly tokenizer: Llama2cTokenizer;
  /** Human-readable origin of the decoder weights, for logs and metrics. */
  readonly description: string;
}

/**
 * Copies the decoder weights (every parameter under `model.`) of a causal language model into a
 * sequence classifier with the same config. The language-model head has no counterpart and is
 * skipped, and the classifier's `score` layer keeps its initial values.
 *
 * @param source The pre-trained language model; not modified.
 * @param target A classifier built from `source.config`.
 */
export function copyDecoderWeights(source: LlamaForCausalLM, target: LlamaForSequenceClassification): void {
  const values = new Map<string, tf.Tensor>();
  for (const [path, parameter] of source.namedParameters()) {
    if (path.startsWith('model.')) values.set(path, parameter.value);
  }
  const uncovered = [...target.namedParameters().keys()].filter((path) => path !== SCORE_WEIGHT && !values.has(path));
  if (uncovered.length > 0) {
    throw new CheckpointFormatError(
      `The language model has no weights for ${uncovered.join(', ')} of the classifier; ` +
        'load a Llama checkpoint whose config matches the classifier.',
    );
  }
  target.loadParameters(values);
}

/**
 * Loads the model named by `--model` (default: the shipped stories260K) as a
 * {@link LlamaForSequenceClassification} whose `score` layer is freshly initialised from `seed`,
 * with the tokenizer named by `--tokenizer`.
 *
 * @param options `model` and `tokenizer` paths as for `peftjs finetune`, the number of labels and
 *   the seed of the head's initial weights.
 * @returns A classifier in evaluation mode; the caller owns it and must `dispose()` it.
 */
export async function loadSequenceClassifier(options: {
  model?: string;
  tokenizer?: string;
  numLabels: number;
  seed: number;
}): Promise<LoadedSequenceClassifier> {
  const languageModel = await loadLanguageModel(options);
  try {
    const classifier = new LlamaForSequenceClassification(languageModel.model.config, {
      numLabels: options.numLabels,
      seed: options.seed,
    });
    try {
      copyDecoderWeights(languageModel.model, classifier);
    } catch (error) {
      classifier.dispose();
      throw error;
    }
    return { model: classifier.eval(), tokenizer: languageModel.tokenizer, description: languageModel.description };
  } finally {
    languageModel.model.dispose();
  }
}
