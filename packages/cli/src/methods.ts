import { ConfigError, parseAdapterConfig, type AdapterConfig } from '@peftjs/core-tensor';
import { IA3Config, LoRAConfig } from '@peftjs/adapters-lora';

/**
 * Adapter presets the `--method` option accepts, each with AdapterHub's defaults for that method.
 * `--config` overrides them with a JSON config for full control.
 */
export const METHOD_PRESETS: Readonly<Record<string, () => AdapterConfig>> = Object.freeze({
  lora: () => LoRAConfig(),
  ia3: () => IA3Config(),
});

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
  const preset = METHOD_PRESETS[options.method];
  if (preset === undefined) {
    throw new ConfigError(`Unknown method "${options.method}". Use one of: ${Object.keys(METHOD_PRESETS).join(', ')}.`);
  }
  return preset();
}
