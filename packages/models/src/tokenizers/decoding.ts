import { CONTINUING_SUBWORD_PREFIX } from './wordpiece';

/**
 * Removes the spaces a tokenizer leaves before punctuation and English contractions, with the
 * replacements of transformers' `clean_up_tokenization` (`" ."` → `"."`, `" n't"` → `"n't"`, …).
 *
 * @param text Decoded text with tokens joined by spaces.
 */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/**
 * Joins WordPiece tokens into text: tokens are separated by spaces and each `##` continuation is
 * glued to the token before it. Special tokens stand alone, so a continuation never glues onto
 * `[CLS]`, as in transformers' slow BERT tokenizer.
 *
 * @param tokens Tokens to join.
 * @param specialTokens Tokens decoded on their own.
 */
export function joinWordPieces(tokens: readonly string[], specialTokens: ReadonlySet<string>): string {
  const parts: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length > 0) parts.push(run.join(' ').replaceAll(` ${CONTINUING_SUBWORD_PREFIX}`, '').trim());
    run = [];
  };
  for (const token of tokens) {
    if (specialTokens.has(token)) {
      flush();
      parts.push(token);
    } else {
      run.push(token);
    }
  }
  flush();
  return parts.join(' ');
}
