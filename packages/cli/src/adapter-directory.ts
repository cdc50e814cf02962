import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { ADAPTER_CONFIG_FILE, InvalidArgumentError } from '@peftjs/core-tensor';

import { HEAD_CONFIG_FILE } from './classify/head-files';

/** Contents of an adapter directory given to `--adapter`. */
export interface AdapterDirectory {
  /** The directory that contains the files. */
  readonly path: string;
  /** Whether it contains adapter files (`adapter_config.json`). */
  readonly hasAdapter: boolean;
  /** Whether it contains a classification head (`head_config.json`). */
  readonly hasHead: boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function contents(path: string): Promise<AdapterDirectory> {
  return {
    path,
    hasAdapter: await isFile(join(path, ADAPTER_CONFIG_FILE)),
    hasHead: await isFile(join(path, HEAD_CONFIG_FILE)),
  };
}

/**
 * Finds the adapter files named by `--adapter`: the directory itself, or its `adapter/`
 * subdirectory, so the output directory of `peftjs finetune` works as well.
 *
 * @param path The option value.
 * @param option The option name, for error messages.
 * @throws InvalidArgumentError when the path is missing, not a directory, or contains neither
 *   adapter nor head files.
 */
export async function resolveAdapterDirectory(path: string, option = '--adapter'): Promise<AdapterDirectory> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new InvalidArgumentError(`${option} ${path} does not exist; pass the adapter directory that peftjs finetune wrote.`);
  }
  if (!isDirectory) {
    throw new InvalidArgumentError(`${option} ${path} is a file; pass the directory that contains ${ADAPTER_CONFIG_FILE}.`);
  }
  const direct = await contents(path);
  if (direct.hasAdapter || direct.hasHead) return direct;
  const nested = await contents(join(path, 'adapter'));
  if (nested.hasAdapter || nested.hasHead) return nested;
  throw new InvalidArgumentError(
    `${option} ${path} contains neither ${ADAPTER_CONFIG_FILE} nor ${HEAD_CONFIG_FILE}; ` +
      'pass the output directory of peftjs finetune or its adapter/ folder.',
  );
}
