import { InvalidArgumentError } from '@peftjs/core-tensor';

import { resolvePadding, resolveTruncation, truncatePair, type ResolvedTruncation } from './truncation';
import type { DecodeOptions, EncodeOptions, Encoding, TextInput, TextTokenizer } from './types';

/** Tokens and segment ids of one input after the special tokens were added. */
export interface SpecialTokenLayout {
  tokens: string[];
  tokenTypeIds: number[];
}

/**
 * The encode pipeline shared by every tokenizer here: split each text into tokens, truncate the
 * text or pair, add special tokens, map tokens to ids and pad. Subclasses provide the splitting,
 * the vocabulary and the special-token layout.
 */
export abstract class PairEncodingTokenizer implements TextTokenizer {
  abstract readonly vocabSize: number;
  abstract readonly modelMaxLength: number;
  abstract readonly padTokenId: number | null;

  /** Returns the id of `token`, or the unknown token's id when it is not in the vocabulary. */
  protected abstract idForToken(token: string): number;

  abstract tokenize(text: string): string[];
  abstract tokenToId(token: string): number | undefined;
  abstract idToToken(id: number): string | undefined;
  abstract decode(ids: readonly number[], options?: DecodeOptions): string;

  /**
   * Adds the model's special tokens around one text or a pair.
   *
   * @param first Tokens of the first text.
   * @param second Tokens of the second text, or null.
   */
  protected abstract addSpecialTokens(first: string[], second: string[] | null): SpecialTokenLayout;

  /**
   * Encodes a text, or a text pair, into model inputs.
   *
   * @param text The first (or only) text.
   * @param textPair The second text of a pair, for example the hypothesis of an entailment task.
   * @param options Length limit, truncation, padding and special tokens.
   */
  encode(text: string, textPair: string | null = null, options: EncodeOptions = {}): Encoding {
    const input: TextInput = textPair === null || textPair === undefined ? text : [text, textPair];
    return this.encodeBatch([input], options)[0];
  }

  /**
   * Encodes a batch of texts or text pairs. With `padding: 'longest'` (or `true`) every encoding
   * is padded to the longest one, so the batch stacks into `[batch, length]` tensors.
   *
   * @param inputs Texts, or `[text, textPair]` tuples.
   * @param options Length limit, truncation, padding and special tokens.
   */
  encodeBatch(inputs: readonly TextInput[], options: EncodeOptions = {}): Encoding[] {
    if (!Array.isArray(inputs)) {
      throw new InvalidArgumentError(`encodeBatch expects an array of texts or [text, textPair] tuples, got ${typeof inputs}.`);
    }
    const maxLength = options.maxLength ?? this.modelMaxLength;
    if (!Number.isInteger(maxLength) || maxLength <= 0) {
      throw new InvalidArgumentError(`maxLength must be a positive integer, got ${maxLength}.`);
    }
    const truncation = resolveTruncation(options.truncation, options.maxLength !== undefined);
    const padding = resolvePadding(options.padding);
    const addSpecial = options.addSpecialTokens ?? true;

    const encodings = inputs.map((input, index) => this.encodeUnpadded(input, index, maxLength, truncation, addSpecial));
    if (padding === 'do_not_pad' || encodings.length === 0) return encodings;

    const targetLength = padding === 'max_length' ? maxLength : Math.max(...encodings.map((e) => e.inputIds.length));
    return encodings.map((encoding) => this.pad(encoding, targetLength));
  }

  private encodeUnpadded(
    input: TextInput,
    index: number,
    maxLength: number,
    truncation: ResolvedTruncation,
    addSpecial: boolean,
  ): Encoding {
    const [text, textPair] = splitInput(input, index);
    const firstTokens = this.tokenize(text);
    const secondTokens = textPair === null ? null : this.tokenize(textPair);

    const numSpecial = addSpecial ? this.countSpecialTokens(secondTokens !== null) : 0;
    const { first, second } = truncatePair(firstTokens, secondTokens, numSpecial, maxLength, truncation);

    const layout = addSpecial
      ? this.addSpecialTokens(first, second)
      : { tokens: [...first, ...(second ?? [])], tokenTypeIds: [...first.map(() => 0), ...(second ?? []).map(() => 1)] };
    return {
      inputIds: layout.tokens.map((token) => this.idForToken(token)),
      tokenTypeIds: layout.tokenTypeIds,
      attentionMask: layout.tokens.map(() => 1),
      tokens: layout.tokens,
    };
  }

  private countSpecialTokens(isPair: boolean): number {
    return this.addSpecialTokens([], isPair ? [] : null).tokens.length;
  }

  private pad(encoding: Encoding, length: number): Encoding {
    const missing = length - encoding.inputIds.length;
    if (missing <= 0) return encoding;
    const padId = this.padTokenId;
    if (padId === null) {
      throw new InvalidArgumentError(
        'Padding was requested but the tokenizer has no padding token. Pass padding: false, or load a vocabulary with a [PAD] token.',
      );
    }
    const padToken = this.idToToken(padId) ?? '';
    return {
      inputIds: [...encoding.inputIds, ...new Array<number>(missing).fill(padId)],
      tokenTypeIds: [...encoding.tokenTypeIds, ...new Array<number>(missing).fill(0)],
      attentionMask: [...encoding.attentionMask, ...new Array<number>(missing).fill(0)],
      tokens: [...encoding.tokens, ...new Array<string>(missing).fill(padToken)],
    };
  }
}

function splitInput(input: TextInput, index: number): [string, string | null] {
  if (typeof input === 'string') return [input, null];
  if (Array.isArray(input) && input.length === 2 && typeof input[0] === 'string' && typeof input[1] === 'string') {
    return [input[0], input[1]];
  }
  throw new InvalidArgumentError(
    `Input ${index} must be a string or a [text, textPair] tuple of two strings, got ${JSON.stringify(input)}.`,
  );
}
