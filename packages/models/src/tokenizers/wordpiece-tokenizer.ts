import { CheckpointFormatError, InvalidArgumentError } from '@peftjs/core-tensor';

import { BasicTokenizer, type BasicTokenizerOptions } from './basic-tokenizer';
import { cleanUpTokenization, joinWordPieces } from './decoding';
import { PairEncodingTokenizer, type SpecialTokenLayout } from './pair-encoder';
import { readTextFile } from './read-text';
import type { DecodeOptions } from './types';
import { parseVocab } from './vocab';
import { MAX_INPUT_CHARS_PER_WORD, wordPieceSplit } from './wordpiece';

/** Options of {@link WordPieceTokenizer}. */
export interface WordPieceTokenizerOptions extends BasicTokenizerOptions {
  /** Unknown token (default `[UNK]`). Must be in the vocabulary. */
  unkToken?: string;
  /** Classification token put first (default `[CLS]`). Must be in the vocabulary. */
  clsToken?: string;
  /** Separator token put after each text (default `[SEP]`). Must be in the vocabulary. */
  sepToken?: string;
  /** Padding token (default `[PAD]`). Padding is unavailable when it is not in the vocabulary. */
  padToken?: string;
  /** Mask token for masked language modelling (default `[MASK]`). */
  maskToken?: string;
  /** Default length limit, in tokens, for truncation and `'max_length'` padding (default 512). */
  modelMaxLength?: number;
  /** Words with more code points than this become the unknown token (default 100). */
  maxInputCharsPerWord?: number;
}

/**
 * BERT's tokenizer: BasicTokenizer word splitting followed by greedy longest-match-first
 * WordPiece, as transformers' `BertTokenizer`. Special tokens written in the text (`[SEP]`,
 * `[MASK]`, …) are kept as single tokens.
 *
 * ```ts
 * const tokenizer = await WordPieceTokenizer.fromVocab('vocab.txt');
 * tokenizer.tokenize('unaffable'); // ['una', '##ffa', '##ble']
 * tokenizer.encode('Hello!', null, { maxLength: 8, padding: 'max_length' });
 * ```
 */
export class WordPieceTokenizer extends PairEncodingTokenizer {
  readonly basicTokenizer: BasicTokenizer;
  readonly modelMaxLength: number;
  readonly maxInputCharsPerWord: number;
  readonly unkToken: string;
  readonly clsToken: string;
  readonly sepToken: string;
  readonly padToken: string;
  readonly maskToken: string;
  readonly padTokenId: number | null;

  private readonly unknownTokenId: number;

  private readonly vocab: ReadonlyMap<string, number>;
  private readonly idsToTokens: ReadonlyMap<number, string>;
  private readonly specialTokens: ReadonlySet<string>;
  private readonly specialTokenPattern: RegExp | null;

  /**
   * @param vocab Token-to-id map, or the tokens in id order.
   * @param options Special tokens, casing and length limits.
   */
  constructor(vocab: ReadonlyMap<string, number> | readonly string[], options: WordPieceTokenizerOptions = {}) {
    super();
    this.vocab = Array.isArray(vocab) ? new Map(vocab.map((token, id) => [token, id])) : (vocab as ReadonlyMap<string, number>);
    this.idsToTokens = new Map([...this.vocab].map(([token, id]) => [id, token]));
    this.basicTokenizer = new BasicTokenizer(options);
    this.modelMaxLength = checkPositiveInteger('modelMaxLength', options.modelMaxLength ?? 512);
    this.maxInputCharsPerWord = checkPositiveInteger('maxInputCharsPerWord', options.maxInputCharsPerWord ?? MAX_INPUT_CHARS_PER_WORD);

    this.unkToken = options.unkToken ?? '[UNK]';
    this.clsToken = options.clsToken ?? '[CLS]';
    this.sepToken = options.sepToken ?? '[SEP]';
    this.padToken = options.padToken ?? '[PAD]';
    this.maskToken = options.maskToken ?? '[MASK]';
    const missing = [this.unkToken, this.clsToken, this.sepToken].filter((token) => !this.vocab.has(token));
    if (missing.length > 0) {
      throw new CheckpointFormatError(
        `The vocabulary has no ${missing.map((t) => `"${t}"`).join(', ')} token. ` +
          'Use a BERT vocab.txt, or name its special tokens with the unkToken, clsToken and sepToken options.',
      );
    }
    this.unknownTokenId = this.vocab.get(this.unkToken)!;
    this.padTokenId = this.vocab.get(this.padToken) ?? null;

    const specials = [this.unkToken, this.sepToken, this.padToken, this.clsToken, this.maskToken];
    this.specialTokens = new Set(specials.filter((token) => this.vocab.has(token)));
    this.specialTokenPattern = buildSplitPattern([...this.specialTokens]);
  }

  /**
   * Creates a tokenizer from the contents of a `vocab.txt`.
   *
   * @param text One token a line; the id is the line number from 0.
   * @param options Special tokens, casing and length limits.
   */
  static fromVocabText(text: string, options: WordPieceTokenizerOptions = {}): WordPieceTokenizer {
    return new WordPieceTokenizer(parseVocab(text), options);
  }

  /**
   * Creates a tokenizer from a `vocab.txt` path (Node) or its contents. A string containing a
   * newline is taken as the contents; any other string is read as a path.
   *
   * @param source Path to `vocab.txt`, or its contents.
   * @param options Special tokens, casing and length limits.
   */
  static async fromVocab(source: string, options: WordPieceTokenizerOptions = {}): Promise<WordPieceTokenizer> {
    if (typeof source !== 'string') {
      throw new InvalidArgumentError(`fromVocab expects a path or the text of a vocab.txt, got ${typeof source}.`);
    }
    const text = source.includes('\n') ? source : await readTextFile(source);
    return WordPieceTokenizer.fromVocabText(text, options);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  /**
   * Splits `text` into WordPiece tokens, without adding `[CLS]` or `[SEP]`.
   *
   * @param text Any string.
   */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(`Text to tokenize must be a string, got ${typeof text}.`);
    }
    const sections = this.specialTokenPattern === null ? [text] : text.split(this.specialTokenPattern);
    const tokens: string[] = [];
    for (const section of sections) {
      if (this.specialTokens.has(section)) {
        tokens.push(section);
        continue;
      }
      for (const word of this.basicTokenizer.tokenize(section)) {
        tokens.push(...wordPieceSplit(word, this.vocab, this.unkToken, this.maxInputCharsPerWord));
      }
    }
    return tokens;
  }

  protected idForToken(token: string): number {
    return this.vocab.get(token) ?? this.unknownTokenId;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idsToTokens.get(id);
  }

  /**
   * Turns ids back into text: `##` continuations are joined to the previous token and the other
   * tokens are separated by spaces.
   *
   * @param ids Token ids; each must be in the vocabulary.
   * @param options Whether to drop special tokens and clean up spaces before punctuation.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (!Array.isArray(ids)) {
      throw new InvalidArgumentError(`decode expects an array of token ids, got ${typeof ids}.`);
    }
    let tokens = ids.map((id, position) => {
      const token = this.idsToTokens.get(id);
      if (token === undefined) {
        throw new InvalidArgumentError(
          `Token id ${id} at position ${position} is not in the vocabulary of ${this.vocabSize} tokens.`,
        );
      }
      return token;
    });
    if (options.skipSpecialTokens) tokens = tokens.filter((token) => !this.specialTokens.has(token));
    const text = joinWordPieces(tokens, this.specialTokens);
    return (options.cleanUpTokenizationSpaces ?? true) ? cleanUpTokenization(text) : text;
  }

  protected addSpecialTokens(first: string[], second: string[] | null): SpecialTokenLayout {
    const tokens = [this.clsToken, ...first, this.sepToken];
    const tokenTypeIds = tokens.map(() => 0);
    if (second !== null) {
      tokens.push(...second, this.sepToken);
      tokenTypeIds.push(...second.map(() => 1), 1);
    }
    return { tokens, tokenTypeIds };
  }
}

function checkPositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`WordPieceTokenizer ${name} must be a positive integer, got ${value}.`);
  }
  return value;
}

/** Builds a pattern that splits text around the special tokens and keeps them, longest first. */
function buildSplitPattern(tokens: string[]): RegExp | null {
  if (tokens.length === 0) return null;
  const escaped = [...tokens].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(${escaped.join('|')})`);
}
