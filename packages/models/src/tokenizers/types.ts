/** Model inputs for one text or text pair, as lists of equal length. */
export interface Encoding {
  /** Token ids, with special tokens and padding. */
  readonly inputIds: number[];
  /** Segment of each token: 0 for the first text and its special tokens, 1 for the second text. */
  readonly tokenTypeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: number[];
  /** The token strings behind `inputIds`, for inspection. */
  readonly tokens: string[];
}

/**
 * Padding strategy, with Hugging Face's names: `true` or `'longest'` pads every sequence of a batch
 * to the longest one, `'max_length'` pads to `maxLength`, and `false` or `'do_not_pad'` leaves
 * lengths as they are.
 */
export type PaddingStrategy = boolean | 'longest' | 'max_length' | 'do_not_pad';

/**
 * Truncation strategy, with Hugging Face's names: `true` or `'longest_first'` removes tokens one at
 * a time from the longer text of a pair, `'only_first'` and `'only_second'` remove them from one
 * text only, and `false` or `'do_not_truncate'` keeps every token.
 */
export type TruncationStrategy = boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';

/** Options of {@link TextTokenizer.encode} and {@link TextTokenizer.encodeBatch}. */
export interface EncodeOptions {
  /**
   * Length limit, in tokens including special tokens, for truncation and for `'max_length'`
   * padding. Defaults to the tokenizer's `modelMaxLength`.
   */
  maxLength?: number;
  /** Padding strategy (default `false`). Padding goes on the right. */
  padding?: PaddingStrategy;
  /**
   * Truncation strategy. Defaults to `'longest_first'` when `maxLength` is given and to no
   * truncation otherwise, as in Hugging Face transformers.
   */
  truncation?: TruncationStrategy;
  /** Add the model's special tokens, `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]` for BERT (default true). */
  addSpecialTokens?: boolean;
}

/** Options of {@link TextTokenizer.decode}. */
export interface DecodeOptions {
  /** Leave out special tokens such as `[CLS]`, `[SEP]` and `[PAD]` (default false). */
  skipSpecialTokens?: boolean;
  /** Remove the spaces the tokenizer puts before punctuation and contractions (default true). */
  cleanUpTokenizationSpaces?: boolean;
}

/** One input of a batch: a text or a text pair. */
export type TextInput = string | readonly [string, string];

/** A tokenizer that turns text into model inputs and ids back into text. */
export interface TextTokenizer {
  /** Number of entries in the vocabulary, including added tokens. */
  readonly vocabSize: number;
  /** Default length limit for truncation and `'max_length'` padding. */
  readonly modelMaxLength: number;
  /** Id used for padding, or null when the vocabulary has no padding token. */
  readonly padTokenId: number | null;

  /** Splits `text` into tokens without special tokens. */
  tokenize(text: string): string[];
  /** Encodes a text, or a text pair, into model inputs. */
  encode(text: string, textPair?: string | null, options?: EncodeOptions): Encoding;
  /** Encodes a batch of texts or text pairs; `padding: 'longest'` gives them one length. */
  encodeBatch(inputs: readonly TextInput[], options?: EncodeOptions): Encoding[];
  /** Turns token ids back into text. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** Returns the id of `token`, or undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined;
  /** Returns the token with id `id`, or undefined when there is none. */
  idToToken(id: number): string | undefined;
}
