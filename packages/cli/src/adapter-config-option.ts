import { ConfigError, PeftError, type AdapterConfig } from '@peftjs/core-tensor';
import { parseConfigString } from '@peftjs/config-union';

import { resolveAdapterConfig } from './methods';

/**
 * Returns the adapter config that `--method` and `--config` select. A `--config` value that
 * starts with `{` is read as JSON; any other value is a config string such as
 * `lora[r=8,alpha=16]|seq_bn` (see `parseConfigString` of `@peftjs/config-union`). Without
 * `--config`, the `--method` preset is used.
 *
 * @param options `method`: a preset name; `config`: the `--config` value, if given.
 * @throws ConfigError naming the value when it is invalid JSON, an invalid config or an invalid
 *   config string.
 */
export function adapterConfigFromOptions(options: { method: string; config?: string }): AdapterConfig {
  const text = options.config;
  if (text === undefined || text.trimStart().startsWith('{')) return resolveAdapterConfig(options);
  try {
    return parseConfigString(text);
  } catch (error) {
    if (!(error instanceof PeftError)) throw error;
    // Errors of the command line are one line. The first line of a config-string error names the
    // column, and the lines after it only draw a caret under that column.
    throw new ConfigError(`Invalid --config ${JSON.stringify(text)}: ${error.message.split('\n')[0]}`);
  }
}
