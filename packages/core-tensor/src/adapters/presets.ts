import { ConfigError, InvalidArgumentError } from '../errors';
import type { AdapterConfig } from './method';

/** A named config factory: `lora`, `ia3`, `seq_bn`, `compacter++`, `mam`, ... */
export interface AdapterPreset {
  /** Name used in config strings and by `peftjs --method`. */
  readonly name: string;
  /** Other names that resolve to the same preset (e.g. `pfeiffer` for `seq_bn`). */
  readonly aliases?: readonly string[];
  /** One line describing the preset, shown in help text. */
  readonly description: string;
  /** Builds the preset's config with `overrides` applied (validated by the method's schema). */
  create(overrides?: Record<string, unknown>): AdapterConfig;
}

const presets = new Map<string, AdapterPreset>();
const aliases = new Map<string, string>();

/**
 * Registers a preset under its name and aliases. Adapter packages register their presets when
 * imported, so config strings and the CLI know every method that is installed. Registering a
 * name twice raises unless `replace` is set.
 */
export function registerAdapterPreset(preset: AdapterPreset, options: { replace?: boolean } = {}): void {
  const names = [preset.name, ...(preset.aliases ?? [])];
  for (const name of names) {
    if (!/^[a-z0-9_+-]+$/.test(name)) {
      throw new InvalidArgumentError(`Invalid preset name "${name}": use lower-case letters, digits, "_", "+" and "-".`);
    }
    const owner = presets.has(name) ? name : aliases.get(name);
    if (owner !== undefined && owner !== preset.name && !options.replace) {
      throw new InvalidArgumentError(`Preset name "${name}" is already used by "${owner}"; pass { replace: true } to replace it.`);
    }
  }
  presets.set(preset.name, preset);
  for (const alias of preset.aliases ?? []) aliases.set(alias, preset.name);
}

/** Returns the preset registered under `name` or one of its aliases, raising a {@link ConfigError} listing the known names. */
export function getAdapterPreset(name: string): AdapterPreset {
  const preset = presets.get(name) ?? presets.get(aliases.get(name) ?? '');
  if (preset === undefined) {
    throw new ConfigError(
      `Unknown adapter preset "${name}". Known presets: ${listAdapterPresets().join(', ') || '(none)'}. ` +
        'Import the package that provides it (for example @peftjs/adapters-lora).',
    );
  }
  return preset;
}

/** Returns the names of all registered presets (not their aliases), in registration order. */
export function listAdapterPresets(): string[] {
  return [...presets.keys()];
}

/** Returns every registered preset. */
export function registeredAdapterPresets(): AdapterPreset[] {
  return [...presets.values()];
}
