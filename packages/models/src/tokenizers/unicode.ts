/**
 * Character classes of BERT's BasicTokenizer (Hugging Face transformers
 * `models/bert/tokenization_bert.py`, after google-research/bert `tokenization.py`). Each function
 * takes one code point as a string, as `for (const ch of text)` yields it.
 */

const UNICODE_WHITESPACE = /^\p{Zs}$/u;
const UNICODE_OTHER = /^\p{C}$/u;
const UNICODE_PUNCTUATION = /^\p{P}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

/**
 * The characters Python's `str.isspace()` accepts (Unicode 15). BERT's `whitespace_tokenize`
 * splits with `str.split()`, which uses this set, so U+2028 and U+2029 separate words although
 * `isWhitespace` does not turn them into spaces.
 */
const PYTHON_SPACE_RUN = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Returns whether `ch` is whitespace to BERT: space, tab, newline, carriage return or category Zs. */
export function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || UNICODE_WHITESPACE.test(ch);
}

/**
 * Returns whether `ch` is a control character to BERT: any category C* (Cc, Cf, Cn, Co, Cs) except tab,
 * newline and carriage return, which count as whitespace.
 */
export function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return UNICODE_OTHER.test(ch);
}

/**
 * Returns whether `ch` is punctuation to BERT: category P*, or any non-alphanumeric printable ASCII
 * character (so `$`, `+`, `^` and `` ` `` split words although Unicode files them as symbols).
 */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return UNICODE_PUNCTUATION.test(ch);
}

/**
 * Returns whether the code point is a CJK Unified Ideograph (blocks 4E00–9FFF, Extensions A–E and the
 * compatibility ideographs). Hangul, Hiragana and Katakana are not included, as in BERT, so they
 * are split like any other script.
 */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Splits on runs of Python whitespace and drops empty pieces, like Python's `text.strip().split()`. */
export function splitOnWhitespace(text: string): string[] {
  return text.split(PYTHON_SPACE_RUN).filter((piece) => piece.length > 0);
}

/** Removes accents: NFD decomposition, then every nonspacing mark (category Mn) is dropped. */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARK, '');
}
