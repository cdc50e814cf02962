import * as tf from '@tensorflow/tfjs';

import { AdapterLoadError, InvalidArgumentError } from '../errors';
import { errorCode, loadFs, loadPath } from '../io/node-builtins';
import { readFileBytes } from '../io';
import { writeFileAtomic } from '../io';
import { parseSafetensors, serializeSafetensors } from '../safetensors';
import { shapesEqual } from '../module/module';
import type { AdapterRecord } from './adapter-record';
import type { ImportedConfig } from './method';
import { parseAdapterConfig, registeredAdapterMethods } from './registry';
import type { AdaptationSite, ModelDescription } from '../sites/sites';

/** File name of the adapter configuration (PEFT and AdapterHub use the same name). */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
/** File name of the adapter weights written by peftjs and PEFT. */
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** File name of the adapter weights written by AdapterHub. */
export const ADAPTERHUB_WEIGHTS_FILE = 'adapter.safetensors';

/** The key under which `adapter_config.json` keeps this library's own config. */
export const PEFTJS_CONFIG_KEY = 'peftjs_config';

/** An adapter's files in memory: what `saveAdapter` writes and `loadAdapter` reads. */
export interface AdapterFiles {
  /** Parsed `adapter_config.json`. */
  readonly config: Record<string, unknown>;
  /** Bytes of the safetensors weights file. */
  readonly weights: Uint8Array;
}

/** Returns the in-memory files of a record: PEFT-compatible config fields plus `peftjs_config`. */
export function serializeAdapterRecord(
  record: AdapterRecord,
  context: { sites: readonly AdaptationSite[]; model: ModelDescription },
): AdapterFiles {
  const foreign = record.method.exportConfig?.(record.config, context) ?? {};
  const config = { ...foreign, [PEFTJS_CONFIG_KEY]: record.config };

  const tensors = new Map<string, tf.Tensor>();
  for (const [key, parameter] of record.fileParameters()) tensors.set(key, parameter.value);
  const weights = serializeSafetensors(tensors, { metadata: { format: 'pt' } });
  return { config, weights };
}

/**
 * Writes adapter files into `directory`: `adapter_config.json` and `adapter_model.safetensors`.
 * Each file is written to a temporary name and then renamed. A directory that does not exist yet
 * is assembled under a temporary name and renamed as a whole, so a crash never leaves half an
 * adapter.
 */
export async function writeAdapterFiles(directory: string, files: AdapterFiles): Promise<void> {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new InvalidArgumentError(`saveAdapter: invalid directory ${JSON.stringify(directory)}; pass a directory path.`);
  }
  const fs = await loadFs('saveAdapter');
  const path = await loadPath('saveAdapter');
  const configText = JSON.stringify(files.config, null, 2) + '\n';

  let exists = true;
  try {
    const stats = await fs.stat(directory);
    if (!stats.isDirectory()) {
      throw new InvalidArgumentError(`saveAdapter: ${directory} exists and is not a directory; choose another path.`);
    }
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    exists = false;
  }

  if (exists) {
    await writeFileAtomic(path.join(directory, ADAPTER_WEIGHTS_FILE), files.weights);
    await writeFileAtomic(path.join(directory, ADAPTER_CONFIG_FILE), configText);
    return;
  }

  await fs.mkdir(path.dirname(path.resolve(directory)), { recursive: true });
  const staging = `${directory}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(staging);
  try {
    await writeFileAtomic(path.join(staging, ADAPTER_WEIGHTS_FILE), files.weights);
    await writeFileAtomic(path.join(staging, ADAPTER_CONFIG_FILE), configText);
    await fs.rename(staging, directory);
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Reads `adapter_config.json` and the weights (`adapter_model.safetensors`, or AdapterHub's
 * `adapter.safetensors`) from `directory`.
 */
export async function readAdapterFiles(directory: string): Promise<AdapterFiles> {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new InvalidArgumentError(`loadAdapter: invalid directory ${JSON.stringify(directory)}; pass a directory path.`);
  }
  const path = await loadPath('loadAdapter');
  const fs = await loadFs('loadAdapter');

  let configText: string;
  try {
    configText = await fs.readFile(path.join(directory, ADAPTER_CONFIG_FILE), 'utf8');
  } catch (error) {
    throw new AdapterLoadError(
      `Cannot read ${ADAPTER_CONFIG_FILE} in ${directory} (${errorCode(error) ?? (error as Error).message}); ` +
        'pass a directory written by saveAdapter, PEFT or AdapterHub.',
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (error) {
    throw new AdapterLoadError(`${path.join(directory, ADAPTER_CONFIG_FILE)} is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new AdapterLoadError(`${path.join(directory, ADAPTER_CONFIG_FILE)} must contain a JSON object.`);
  }

  for (const name of [ADAPTER_WEIGHTS_FILE, ADAPTERHUB_WEIGHTS_FILE]) {
    try {
      const weights = await readFileBytes(path.join(directory, name));
      return { config: config as Record<string, unknown>, weights };
    } catch (error) {
      // readFileBytes wraps a missing file in an InvalidArgumentError whose cause has the code.
      if (errorCode(error) !== 'ENOENT' && errorCode((error as Error).cause) !== 'ENOENT') throw error;
    }
  }
  throw new AdapterLoadError(
    `No weights file in ${directory}: expected ${ADAPTER_WEIGHTS_FILE} (peftjs, PEFT) or ${ADAPTERHUB_WEIGHTS_FILE} (AdapterHub).`,
  );
}

/**
 * Recognises the config of an adapter file: this library's `peftjs_config` first, then every
 * registered method's importer (PEFT, AdapterHub).
 */
export function importAdapterConfig(
  file: Record<string, unknown>,
  context: { sites: readonly AdaptationSite[]; model: ModelDescription },
): ImportedConfig {
  if (PEFTJS_CONFIG_KEY in file) return { config: parseAdapterConfig(file[PEFTJS_CONFIG_KEY]) };
  for (const method of registeredAdapterMethods()) {
    const imported = method.importConfig?.(file, context);
    if (imported) return imported;
  }
  throw new AdapterLoadError(
    `${ADAPTER_CONFIG_FILE} is not recognised: it has no "${PEFTJS_CONFIG_KEY}" and no registered method reads it ` +
      `(keys: ${Object.keys(file).join(', ')}). Import the adapter package for its method (for example @peftjs/adapters-lora).`,
  );
}

/**
 * Copies the weights in `files` into a prepared record. Every expected tensor must be present with
 * the right shape and no unexpected tensor may remain; otherwise an {@link AdapterLoadError} lists
 * all problems and nothing is assigned.
 */
export function fillRecordFromFile(record: AdapterRecord, weights: Uint8Array, imported: ImportedConfig): void {
  const contents = parseSafetensors(weights);
  try {
    const mapped = new Map<string, tf.Tensor>();
    for (const [key, tensor] of contents.tensors) {
      const canonical = imported.mapKey ? imported.mapKey(key) : key;
      if (canonical === null) continue;
      mapped.set(canonical, tensor);
    }

    const expected = record.fileParameters();
    const missing = [...expected.keys()].filter((key) => !mapped.has(key));
    const unexpected = [...mapped.keys()].filter((key) => !expected.has(key));
    const wrongShape = [...expected]
      .filter(([key, p]) => mapped.has(key) && !shapesEqual(mapped.get(key)!.shape, p.shape))
      .map(([key, p]) => `${key} has shape [${mapped.get(key)!.shape}] but the model needs [${p.shape}]`);

    const problems = [
      listProblem('missing tensors', missing),
      listProblem('unexpected tensors', unexpected),
      listProblem('shape mismatches', wrongShape),
    ].filter((p) => p !== '');
    if (problems.length > 0) {
      throw new AdapterLoadError(
        `Adapter file does not match the model for adapter "${record.name}" (${record.config.architecture}): ${problems.join('; ')}. ` +
          'Check that the adapter was trained for this model and config.',
      );
    }
    for (const [key, parameter] of expected) tf.tidy(() => parameter.assign(mapped.get(key)!.toFloat()));
  } finally {
    for (const tensor of contents.tensors.values()) tensor.dispose();
  }
}

function listProblem(label: string, items: string[]): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, 20).join(', ');
  return `${items.length} ${label} (${shown}${items.length > 20 ? ', …' : ''})`;
}
