import { ConfigError, PeftError, type AdapterConfig } from '@peftjs/core-tensor';
import * as configUnion from '@peftjs/config-union';

import { resolveAdapterConfig } from './methods';

/** `parseConfigString` of `@peftjs/config-union`: a config string such as `lora[r=8,alpha=16]|seq_bn` to a config. */
type ConfigStringParser = (text: string) => AdapterConfig;

/**
 * Returns `parseConfigString` when the installed `@peftjs/config-union` exports it. It is looked
 * up at run time so that this package also builds against versions of config-union without it.
 */
export function configStringParser(): ConfigStringParser | null {
  const candidate = (configUnion as unknown as Record<string, unknown>).parseConfigString;
  return typeof candidate === 'function' ? (candidate as ConfigStringParser) : null;
}

/**
 * Returns the adapter config that `--method` and `--config` select. A `--config` value that
 * starts with `{` is read as JSON; any other value is a config string such as
 * `lora[r=8,alpha=16]|seq_bn`. Without `--config`, the `--method` preset is used.
 *
 * @param options `method`: a preset name; `config`: the `--config` value, if given.
 * @throws ConfigError naming the value when it is invalid JSON, an invalid config or an invalid
 *   config string.
 */
export function adapterConfigFromOptions(options: { method: string; config?: string }): AdapterConfig {
  const text = options.config;
  if (text === undefined || text.trimStart().startsWith('{')) return resolveAdapterConfig(options);

  const parse = configStringParser();
  if (parse === null) {
    throw new ConfigError(
      `--config ${JSON.stringify(text)} is not JSON (it does not start with "{"), and the installed @peftjs/config-union ` +
        'cannot read config strings (it has no parseConfigString). Pass JSON such as \'{"architecture":"lora","r":16}\'.',
    );
  }
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof PeftError)) throw error;
    throw new ConfigError(`Invalid --config ${JSON.stringify(text)}: ${error.message}`);
  }
}
