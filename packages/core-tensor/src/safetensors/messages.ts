import { CheckpointFormatError } from '../errors';

const MAX_SHOWN_CHARACTERS = 120;

/** Quotes a tensor or metadata name for an error message, shortening very long names. */
export function quoteName(name: string): string {
  const quoted = JSON.stringify(name);
  return quoted.length <= MAX_SHOWN_CHARACTERS ? quoted : `${quoted.slice(0, MAX_SHOWN_CHARACTERS)}…"`;
}

/** Shows a JSON value from a header in an error message, shortened if long. */
export function showJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length <= MAX_SHOWN_CHARACTERS ? text : `${text.slice(0, MAX_SHOWN_CHARACTERS)}…`;
}

/**
 * Creates the error for a file that breaks the safetensors format. `detail` names the bad value
 * and what was expected; the message adds what the reader can do about it.
 */
export function formatError(detail: string): CheckpointFormatError {
  return new CheckpointFormatError(
    `Invalid safetensors file: ${detail}. The file is truncated or corrupt, or was not written by a ` +
      'safetensors writer; download or export it again.',
  );
}
