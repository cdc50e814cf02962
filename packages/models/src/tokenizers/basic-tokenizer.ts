import { isChineseChar, isControl, isPunctuation, isWhitespace, splitOnWhitespace, stripAccents } from './unicode';

/** Options of {@link BasicTokenizer}. */
export interface BasicTokenizerOptions {
  /** Lower-case the text and strip accents (default true, as for uncased BERT checkpoints). */
  doLowerCase?: boolean;
  /**
   * Strip accents. Defaults to `doLowerCase`; set false to keep accents on a lower-cased model,
   * or true to strip them on a cased one.
   */
  stripAccents?: boolean;
  /** Put spaces around CJK ideographs so each becomes its own word (default true). */
  tokenizeChineseChars?: boolean;
}

/**
 * BERT's BasicTokenizer: the text clean-up and word splitting that runs before WordPiece.
 *
 * It follows Hugging Face transformers' `BasicTokenizer.tokenize` step by step. It drops NUL,
 * U+FFFD and control characters, turns whitespace into spaces and surrounds CJK ideographs with
 * spaces. It then normalises to NFC and splits on whitespace. Each word is lower-cased and
 * stripped of accents, and every punctuation character becomes a word of its own.
 */
export class BasicTokenizer {
  readonly doLowerCase: boolean;
  readonly stripAccents: boolean;
  readonly tokenizeChineseChars: boolean;

  /**
   * @param options Lower-casing, accent stripping and CJK handling.
   */
  constructor(options: BasicTokenizerOptions = {}) {
    this.doLowerCase = options.doLowerCase ?? true;
    this.stripAccents = options.stripAccents ?? this.doLowerCase;
    this.tokenizeChineseChars = options.tokenizeChineseChars ?? true;
  }

  /**
   * Splits `text` into words and punctuation marks.
   *
   * @param text Any string; invalid characters are dropped rather than rejected.
   */
  tokenize(text: string): string[] {
    let cleaned = cleanText(text);
    if (this.tokenizeChineseChars) cleaned = spaceOutChineseChars(cleaned);
    // transformers normalises to NFC so that precomposed and decomposed spellings of a
    // character map to the same vocabulary entry when accents are kept.
    const words = splitOnWhitespace(cleaned.normalize('NFC'));

    const pieces: string[] = [];
    for (let word of words) {
      if (this.doLowerCase) word = word.toLowerCase();
      if (this.stripAccents) word = stripAccents(word);
      pieces.push(...splitOnPunctuation(word));
    }
    return splitOnWhitespace(pieces.join(' '));
  }
}

/** Drops NUL, U+FFFD and control characters and replaces each whitespace character with a space. */
export function cleanText(text: string): string {
  let output = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    output += isWhitespace(ch) ? ' ' : ch;
  }
  return output;
}

function spaceOutChineseChars(text: string): string {
  let output = '';
  for (const ch of text) {
    output += isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  }
  return output;
}

function splitOnPunctuation(word: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const ch of word) {
    if (isPunctuation(ch)) {
      if (current !== '') pieces.push(current);
      pieces.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
