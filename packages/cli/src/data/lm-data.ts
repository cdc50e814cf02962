import { join } from 'node:path';

import { readLabelledSentences, readTextLines } from './labelled-sentences';
import type { TokenEncoder } from './token-encoder';

/** Returns the paths of the review sentences shipped with this package (UCI Sentiment Labelled Sentences, CC BY 4.0). */
export function shippedSentimentFiles(): string[] {
  // This module sits two folders below the package root as src/data and as dist/data.
  const assets = join(__dirname, '..', '..', 'assets', 'sentiment');
  return [join(assets, 'amazon_cells_labelled.txt'), join(assets, 'imdb_labelled.txt')];
}

/**
 * Reads the texts of language-modelling data files. A file whose every line contains a tab is read
 * as `text<TAB>label`, and only the text is kept. Any other file gives one text per non-blank line.
 */
export async function readLanguageModelTexts(paths: readonly string[]): Promise<string[]> {
  const texts: string[] = [];
  for (const path of paths) {
    const lines = await readTextLines(path);
    if (lines.every((line) => line.includes('\t'))) {
      texts.push(...(await readLabelledSentences(path)).map((s) => s.text));
    } else {
      texts.push(...lines);
    }
  }
  return texts;
}

/**
 * Reads language-modelling data files (see {@link readLanguageModelTexts}) and encodes every text
 * as BOS + text token ids.
 *
 * @param paths Data files.
 * @param tokenizer The model's tokenizer.
 */
export async function readLanguageModelSequences(
  paths: readonly string[],
  tokenizer: TokenEncoder,
): Promise<number[][]> {
  const texts = await readLanguageModelTexts(paths);
  return texts.map((text) => tokenizer.encode(text, { bos: true }));
}
