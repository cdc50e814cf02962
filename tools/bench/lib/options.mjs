// Command-line options shared by the benchmarks.
import { parseArgs } from 'node:util';

/**
 * Parses `--warmup`, `--repetitions` and `--json` plus the script's own options.
 *
 * @param {object} defaults Default `warmup` and `repetitions` counts.
 * @param {object} extraOptions Further `node:util` parseArgs option specs, by name.
 * @returns {{warmup: number, repetitions: number, json: string | undefined, values: object}}
 */
export function parseBenchOptions(defaults, extraOptions = {}) {
  const { values } = parseArgs({
    options: {
      warmup: { type: 'string', default: String(defaults.warmup) },
      repetitions: { type: 'string', default: String(defaults.repetitions) },
      json: { type: 'string' },
      ...extraOptions,
    },
  });
  const warmup = Number(values.warmup);
  const repetitions = Number(values.repetitions);
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new Error(`--warmup must be a non-negative integer, got "${values.warmup}".`);
  }
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new Error(`--repetitions must be a positive integer, got "${values.repetitions}".`);
  }
  return { warmup, repetitions, json: values.json, values };
}

/**
 * Parses a non-negative integer option value.
 *
 * @param {string} name Option name, for the error message.
 * @param {string} text The value as given on the command line.
 */
export function parseCount(name, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}".`);
  return value;
}
