import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { PaddingStrategy, TruncationStrategy } from './types';

/** A truncation strategy with the boolean shorthands resolved. */
export type ResolvedTruncation = 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';

/** A padding strategy with the boolean shorthands resolved. */
export type ResolvedPadding = 'longest' | 'max_length' | 'do_not_pad';

const TRUNCATIONS: readonly ResolvedTruncation[] = ['longest_first', 'only_first', 'only_second', 'do_not_truncate'];
const PADDINGS: readonly ResolvedPadding[] = ['longest', 'max_length', 'do_not_pad'];

/**
 * Resolves a truncation option. Without an explicit strategy, a given `maxLength` means
 * `'longest_first'`, as in Hugging Face transformers.
 *
 * @param truncation The caller's option.
 * @param maxLengthGiven Whether the caller passed `maxLength`.
 */
export function resolveTruncation(truncation: TruncationStrategy | undefined, maxLengthGiven: boolean): ResolvedTruncation {
  if (truncation === undefined) return maxLengthGiven ? 'longest_first' : 'do_not_truncate';
  if (truncation === true) return 'longest_first';
  if (truncation === false) return 'do_not_truncate';
  if (!TRUNCATIONS.includes(truncation)) {
    throw new InvalidArgumentError(
      `Unknown truncation strategy ${JSON.stringify(truncation)}. Use true, false or one of: ${TRUNCATIONS.join(', ')}.`,
    );
  }
  return truncation;
}

/**
 * Resolves a padding option.
 *
 * @param padding The caller's option (default no padding).
 */
export function resolvePadding(padding: PaddingStrategy | undefined): ResolvedPadding {
  if (padding === undefined || padding === false) return 'do_not_pad';
  if (padding === true) return 'longest';
  if (!PADDINGS.includes(padding)) {
    throw new InvalidArgumentError(
      `Unknown padding strategy ${JSON.stringify(padding)}. Use true, false or one of: ${PADDINGS.join(', ')}.`,
    );
  }
  return padding;
}

/**
 * Shortens a token sequence, or a pair, so that it fits `maxLength` once `numSpecialTokens` are
 * added. Tokens are removed from the end. `'longest_first'` removes one token at a time from the
 * longer sequence, taking from the second one on ties, as transformers' `truncate_sequences` does.
 * Returns new arrays, and raises an {@link InvalidArgumentError} when the strategy cannot reach
 * `maxLength`.
 *
 * @param first Tokens of the first text.
 * @param second Tokens of the second text, or null for a single text.
 * @param numSpecialTokens Number of special tokens the encoding adds around them.
 * @param maxLength Length limit including special tokens.
 * @param strategy Which sequence loses tokens.
 */
export function truncatePair<T>(
  first: readonly T[],
  second: readonly T[] | null,
  numSpecialTokens: number,
  maxLength: number,
  strategy: ResolvedTruncation,
): { first: T[]; second: T[] | null } {
  let a = [...first];
  let b = second === null ? null : [...second];
  const total = a.length + (b?.length ?? 0) + numSpecialTokens;
  const excess = total - maxLength;
  if (strategy === 'do_not_truncate' || excess <= 0) return { first: a, second: b };

  if (numSpecialTokens >= maxLength) {
    throw new InvalidArgumentError(
      `maxLength ${maxLength} leaves no room for text after the ${numSpecialTokens} special tokens. ` +
        `Use a maxLength of at least ${numSpecialTokens + 1}.`,
    );
  }

  if (strategy === 'longest_first') {
    for (let i = 0; i < excess; i++) {
      if (b === null || a.length > b.length) a = a.slice(0, -1);
      else b = b.slice(0, -1);
    }
  } else if (strategy === 'only_first') {
    if (a.length <= excess) throw cannotTruncate('first', a.length, excess, maxLength);
    a = a.slice(0, a.length - excess);
  } else {
    if (b === null || b.length <= excess) throw cannotTruncate('second', b?.length ?? 0, excess, maxLength);
    b = b.slice(0, b.length - excess);
  }
  return { first: a, second: b };
}

function cannotTruncate(sequenceName: string, length: number, excess: number, maxLength: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `Cannot truncate to maxLength ${maxLength} with 'only_${sequenceName}': ${excess} tokens must go but the ${sequenceName} ` +
      `text has ${length}. Use truncation 'longest_first' or a larger maxLength.`,
  );
}
