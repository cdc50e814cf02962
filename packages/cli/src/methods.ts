import { ConfigError, getAdapterPreset, listAdapterPresets, parseAdapterConfig, type AdapterConfig } from '@peftjs/core-tensor';
// Importing the adapter packages registers their methods and presets.
import '@peftjs/adapters-lora';
import '@peftjs/adapters-compacter';
import '@peftjs/adapters-prefix';
import '@peftjs/config-union';

/** Names `--method` accepts: every registered adapter preset. */
export function methodNames(): string[] {
  return listAdapterPresets();
}

/** Returns the config for `--method` or, when given, the JSON of `--config`. */
export function resolveAdapterConfig(options: { method: string; config?: string }): AdapterConfig {
  if (options.config !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.config);
    } catch (error) {
      throw new ConfigError(`--config is not valid JSON (${(error as Error).message}); pass e.g. '{"architecture":"lora","r":16}'.`);
    }
    return parseAdapterConfig(parsed);
  }
  return getAdapterPreset(options.method).create();
}
