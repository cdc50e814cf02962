import { ConfigError, InvalidArgumentError, getAdapterPreset, type AdapterConfig, type AdapterPreset } from '@peftjs/core-tensor';

import { configStringError, parseConfigStringSyntax, type ConfigStringItem } from './config-string-syntax';
import { ConfigUnion, isConfigUnion, unionFieldNames } from './union-config';
import { findUnionProblem } from './union-validation';

/** Field names a preset's configs accept as overrides (every member's fields for a union preset). */
function presetFieldNames(preset: AdapterPreset): string[] {
  const defaults = preset.create();
  if (isConfigUnion(defaults)) return unionFieldNames(defaults);
  return Object.keys(defaults).filter((key) => key !== 'architecture').sort();
}

/** Drops the final period of a schema message so it can end a longer sentence. */
function schemaDetail(error: ConfigError): string {
  return error.message.replace(/\.$/, '');
}

/** Builds the config of one member, pointing at the offending part of `text` on any error. */
function resolveItem(text: string, item: ConfigStringItem): AdapterConfig {
  let preset: AdapterPreset;
  try {
    preset = getAdapterPreset(item.name);
  } catch (error) {
    if (error instanceof ConfigError) throw configStringError(text, item.offset, error.message);
    throw error;
  }

  const known = presetFieldNames(preset);
  const seen = new Set<string>();
  for (const argument of item.arguments) {
    if (!known.includes(argument.key)) {
      throw configStringError(
        text,
        argument.keyOffset,
        `unknown key "${argument.key}" for "${item.name}"; known keys: ${known.join(', ')}.`,
      );
    }
    if (seen.has(argument.key)) {
      throw configStringError(text, argument.keyOffset, `the key "${argument.key}" is given twice for "${item.name}"; keep one.`);
    }
    seen.add(argument.key);
  }

  const overrides = (skip: string | null) =>
    Object.fromEntries(item.arguments.filter((a) => a.key !== skip).map((a) => [a.key, a.value]));
  try {
    return preset.create(overrides(null));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Blame the first override whose removal makes the config valid; when none does, the
    // overrides only fail together and the member's name is pointed at.
    const culprit = item.arguments.find((argument) => createsValid(preset, overrides(argument.key)));
    if (culprit !== undefined) {
      throw configStringError(
        text,
        culprit.valueOffset,
        `invalid value ${JSON.stringify(culprit.value)} for "${culprit.key}" of "${item.name}": ${schemaDetail(error)}.`,
      );
    }
    throw configStringError(text, item.offset, `the overrides of "${item.name}" are invalid: ${schemaDetail(error)}.`);
  }
}

function createsValid(preset: AdapterPreset, overrides: Record<string, unknown>): boolean {
  try {
    preset.create(overrides);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a config string into an adapter config: a registered preset name or alias
 * (`lora`, `pfeiffer`, `compacter++`, `mam`, ...), optionally with overrides in brackets, and
 * several members joined by `|` into a {@link ConfigUnion}. Values are numbers, `true`/`false`,
 * `null`, quoted or bare strings and lists such as `[q,v]`.
 *
 * An unknown name or key, an invalid value, an unclosed bracket or members that cannot form a
 * union raise a `ConfigError` that shows the string with a caret under the problem.
 *
 * @param text The config string, e.g. `lora[r=8,alpha=16]|prefix_tuning`.
 * @example
 * const config = parseConfigString('lora[r=8,alpha=16,attn_matrices=[q,k,v]]|prefix_tuning[prefix_length=20]');
 */
export function parseConfigString(text: string): AdapterConfig {
  if (typeof text !== 'string') {
    throw new InvalidArgumentError(`parseConfigString expects a string such as "lora[r=8]|prefix_tuning", got ${typeof text}.`);
  }
  const items = parseConfigStringSyntax(text);
  const configs = items.map((item) => resolveItem(text, item));
  if (configs.length === 1) return configs[0];

  const problem = findUnionProblem(configs);
  if (problem !== null) throw configStringError(text, items[problem.index].offset, problem.message);
  return ConfigUnion(...configs);
}
