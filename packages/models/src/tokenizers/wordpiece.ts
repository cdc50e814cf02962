/** Words longer than this many code points become the unknown token, as in BERT. */
export const MAX_INPUT_CHARS_PER_WORD = 100;

/** Prefix that marks a WordPiece continuing a word. */
export const CONTINUING_SUBWORD_PREFIX = '##';

/**
 * Splits one word into WordPiece tokens by greedy longest-match-first search: take the longest
 * vocabulary entry that starts the word, then the longest `##`-prefixed entry that starts the rest,
 * and so on. A word that cannot be covered this way, or that has more than `maxInputCharsPerWord`
 * code points, becomes `unkToken` as a whole.
 *
 * @param word One word from the basic tokenizer (no whitespace).
 * @param vocab Token-to-id map of the vocabulary.
 * @param unkToken Token returned for words that cannot be split.
 * @param maxInputCharsPerWord Longest word, in code points, that is split (default 100).
 */
export function wordPieceSplit(
  word: string,
  vocab: ReadonlyMap<string, number>,
  unkToken: string,
  maxInputCharsPerWord = MAX_INPUT_CHARS_PER_WORD,
): string[] {
  const chars = [...word];
  if (chars.length > maxInputCharsPerWord) return [unkToken];

  const pieces: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let match: string | null = null;
    while (start < end) {
      const candidate = (start > 0 ? CONTINUING_SUBWORD_PREFIX : '') + chars.slice(start, end).join('');
      if (vocab.has(candidate)) {
        match = candidate;
        break;
      }
      end -= 1;
    }
    if (match === null) return [unkToken];
    pieces.push(match);
    start = end;
  }
  return pieces;
}
