import { InvalidArgumentError } from '@peftjs/core-tensor';
import { meanNegativeLogLikelihood } from '@peftjs/models';

import type { AdapterDirectory } from '../adapter-directory';
import { readLanguageModelSequences, shippedSentimentFiles } from '../data/lm-data';
import { selectDataPart, type DataPart } from '../data/split';
import { loadLanguageModel } from '../model-loading';
import { EVALUATION_BATCH_SIZE } from './batch-size';

/** Settings of {@link evaluateLanguageModel}. */
export interface LanguageModelEvaluationOptions {
  readonly model?: string;
  readonly tokenizer?: string;
  /** The adapter to apply, or undefined to score the model alone. */
  readonly adapter?: AdapterDirectory;
  /** Data files; default: the shipped review sentences. */
  readonly data?: readonly string[];
  readonly part: DataPart;
  readonly heldOutFraction: number;
  readonly seed: number;
  /** Maximum length of a scored sequence, in tokens. */
  readonly sequenceLength: number;
}

/** Result of {@link evaluateLanguageModel}. */
export interface LanguageModelEvaluation {
  readonly task: 'lm';
  readonly model: string;
  readonly adapter: string | null;
  readonly part: DataPart;
  readonly examples: number;
  /** Mean negative log-likelihood in nats per predicted token. */
  readonly loss: number;
  readonly perplexity: number;
}

/**
 * Scores a causal language model, with or without an adapter, on one part of the data: the
 * seeded held-out split of `peftjs finetune` (same files, fraction and seed), its training part,
 * or all of it.
 *
 * @param options Model, adapter, data and split settings.
 */
export async function evaluateLanguageModel(options: LanguageModelEvaluationOptions): Promise<LanguageModelEvaluation> {
  if (options.adapter !== undefined && !options.adapter.hasAdapter) {
    throw new InvalidArgumentError(
      `--adapter ${options.adapter.path} contains only a classification head; pass --task classify, or drop --adapter to score the model alone.`,
    );
  }
  const { model, tokenizer, description } = await loadLanguageModel(options);
  try {
    if (options.adapter !== undefined) await model.loadAdapter(options.adapter.path);
    const sequences = await readLanguageModelSequences(options.data ?? shippedSentimentFiles(), tokenizer);
    const selected = selectDataPart(sequences, options.part, options.heldOutFraction, options.seed);
    const maxLength = Math.min(options.sequenceLength, model.config.max_position_embeddings);
    const loss = await meanNegativeLogLikelihood(model, selected, { batchSize: EVALUATION_BATCH_SIZE, maxLength });
    return {
      task: 'lm',
      model: description,
      adapter: options.adapter?.path ?? null,
      part: options.part,
      examples: selected.length,
      loss,
      perplexity: Math.exp(loss),
    };
  } finally {
    model.dispose();
  }
}
