import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { LabelSet } from './label-set';
import { readLabelledSentences, type LabelledSentence } from './labelled-sentences';
import type { TokenEncoder } from './token-encoder';

/** One encoded classification example. */
export interface ClassificationExample {
  /** Token ids (BOS + text), not yet cut to a maximum length. */
  readonly ids: readonly number[];
  /** Index of the label in the task's {@link LabelSet}. */
  readonly label: number;
}

/**
 * Reads every `text<TAB>label` file, in order. Unlike language-modelling data, each line must
 * have a label, so a line without a tab raises an `InvalidArgumentError` naming file and line.
 *
 * @param paths Data files.
 */
export async function readClassificationSentences(paths: readonly string[]): Promise<LabelledSentence[]> {
  if (paths.length === 0) throw new InvalidArgumentError('No data file given; pass at least one text<TAB>label file to --data.');
  const sentences: LabelledSentence[] = [];
  for (const path of paths) sentences.push(...(await readLabelledSentences(path)));
  return sentences;
}

/**
 * Encodes sentences as BOS + text token ids with their label index.
 *
 * @param sentences Labelled sentences.
 * @param tokenizer The model's tokenizer.
 * @param labels The task's labels; a sentence with another label raises.
 */
export function encodeClassificationExamples(
  sentences: readonly LabelledSentence[],
  tokenizer: TokenEncoder,
  labels: LabelSet,
): ClassificationExample[] {
  return sentences.map((sentence) => ({
    ids: tokenizer.encode(sentence.text, { bos: true }),
    label: labels.indexOf(sentence.label, sentence.source),
  }));
}
