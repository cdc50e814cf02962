import { InvalidArgumentError as CommanderArgumentError } from 'commander';

/**
 * Option parsers for commander. Each raises commander's `InvalidArgumentError`, which commander
 * prints as one line naming the option and the bad value.
 */

/** Converts an option value to a number; blank text gives NaN, where `Number('')` would give 0. */
function toNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** Parses a positive integer. */
export function positiveInteger(value: string): number {
  const n = toNumber(value);
  if (!Number.isInteger(n) || n <= 0) throw new CommanderArgumentError(`expected a positive integer, got "${value}".`);
  return n;
}

/** Parses a non-negative integer. */
export function nonNegativeInteger(value: string): number {
  const n = toNumber(value);
  if (!Number.isInteger(n) || n < 0) throw new CommanderArgumentError(`expected a non-negative integer, got "${value}".`);
  return n;
}

/** Parses a positive finite number. */
export function positiveNumber(value: string): number {
  const n = toNumber(value);
  if (!Number.isFinite(n) || n <= 0) throw new CommanderArgumentError(`expected a positive number, got "${value}".`);
  return n;
}

/** Parses a non-negative finite number. */
export function nonNegativeNumber(value: string): number {
  const n = toNumber(value);
  if (!Number.isFinite(n) || n < 0) throw new CommanderArgumentError(`expected a non-negative number, got "${value}".`);
  return n;
}

/** Parses a number in the open interval (0, 1). */
export function fraction(value: string): number {
  const n = toNumber(value);
  if (!(n > 0 && n < 1)) throw new CommanderArgumentError(`expected a number between 0 and 1 (exclusive), got "${value}".`);
  return n;
}

/** Parses a probability in the half-open interval (0, 1]. */
export function probability(value: string): number {
  const n = toNumber(value);
  if (!(n > 0 && n <= 1)) throw new CommanderArgumentError(`expected a number greater than 0 and at most 1, got "${value}".`);
  return n;
}

/** Parses an integer seed (any sign). */
export function integer(value: string): number {
  const n = toNumber(value);
  if (!Number.isInteger(n)) throw new CommanderArgumentError(`expected an integer, got "${value}".`);
  return n;
}
