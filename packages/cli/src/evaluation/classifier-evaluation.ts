import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { AdapterDirectory } from '../adapter-directory';
import { evaluateClassifier } from '../classify/evaluate';
import { loadClassifierHead, readHeadLabels } from '../classify/head-files';
import { loadSequenceClassifier } from '../classify/sequence-classifier';
import { encodeClassificationExamples, readClassificationSentences } from '../data/classification-data';
import { shippedSentimentFiles } from '../data/lm-data';
import { selectDataPart, type DataPart } from '../data/split';
import { EVALUATION_BATCH_SIZE } from './batch-size';

/** Settings of {@link evaluateClassifierRun}. */
export interface ClassifierRunEvaluationOptions {
  readonly model?: string;
  readonly tokenizer?: string;
  /** The adapter directory of a classification run, which must contain the head. */
  readonly adapter: AdapterDirectory;
  /** `text<TAB>label` files; default: the shipped review sentences. */
  readonly data?: readonly string[];
  readonly part: DataPart;
  readonly heldOutFraction: number;
  readonly seed: number;
  /** Maximum length of a scored sequence, in tokens. */
  readonly sequenceLength: number;
}

/** Result of {@link evaluateClassifierRun}. */
export interface ClassifierRunEvaluation {
  readonly task: 'classify';
  readonly model: string;
  readonly adapter: string;
  readonly part: DataPart;
  readonly examples: number;
  readonly correct: number;
  /** Share of correctly classified examples, in [0, 1]. */
  readonly accuracy: number;
  /** Mean softmax cross-entropy in nats per example. */
  readonly loss: number;
}

/**
 * Scores the classifier saved by `peftjs finetune --task classify` (its head, and its adapter when
 * there is one) on one part of the data, chosen as in {@link evaluateLanguageModel}.
 *
 * @param options Model, adapter directory, data and split settings.
 */
export async function evaluateClassifierRun(options: ClassifierRunEvaluationOptions): Promise<ClassifierRunEvaluation> {
  if (!options.adapter.hasHead) {
    throw new InvalidArgumentError(
      `--adapter ${options.adapter.path} has no classification head (head_config.json); ` +
        'pass the output of peftjs finetune --task classify, or use --task lm.',
    );
  }
  const labels = await readHeadLabels(options.adapter.path);
  const { model, tokenizer, description } = await loadSequenceClassifier({ ...options, numLabels: labels.size, seed: 0 });
  try {
    if (options.adapter.hasAdapter) await model.loadAdapter(options.adapter.path);
    await loadClassifierHead(options.adapter.path, model);
    const sentences = await readClassificationSentences(options.data ?? shippedSentimentFiles());
    const selected = selectDataPart(sentences, options.part, options.heldOutFraction, options.seed);
    const examples = encodeClassificationExamples(selected, tokenizer, labels);
    const maxLength = Math.min(options.sequenceLength, model.config.max_position_embeddings);
    const result = await evaluateClassifier(model, examples, { batchSize: EVALUATION_BATCH_SIZE, maxLength });
    return {
      task: 'classify',
      model: description,
      adapter: options.adapter.path,
      part: options.part,
      examples: result.count,
      correct: result.correct,
      accuracy: result.accuracy,
      loss: result.loss,
    };
  } finally {
    model.dispose();
  }
}
