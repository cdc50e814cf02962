import type { z } from 'zod';

import { ConfigError } from '../errors';

/**
 * Validates `input` against a zod schema and returns a deeply frozen config. An invalid input
 * raises a {@link ConfigError} that lists every invalid field with what was expected, so adapter
 * packages report config mistakes the same way.
 *
 * @param schema The method's zod schema.
 * @param input The value to validate (an object literal or parsed JSON).
 * @param label What is being validated, e.g. `LoRA config`, used in the message.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, input: unknown, label: string): Readonly<z.output<S>> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(config)';
      return `${path}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid ${label}: ${issues.join('; ')}.`);
  }
  return deepFreeze(result.data);
}

/** Freezes an object and everything it contains, and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
