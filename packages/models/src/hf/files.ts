import { CheckpointFormatError, InvalidArgumentError, isNode, readFileBytes } from '@peftjs/core-tensor';

/** Name of a Hugging Face model's configuration file. */
export const CONFIG_FILE = 'config.json';
/** Name of a single-file safetensors checkpoint. */
export const SAFETENSORS_FILE = 'model.safetensors';
/** Name of the index of a sharded safetensors checkpoint. */
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';

/**
 * Joins a directory and a file name with `/`, which Node accepts on every platform. Built by hand
 * so that browser bundles of this package need no `node:path`.
 *
 * @param directory Directory path.
 * @param name File name inside it.
 */
export function joinFilePath(directory: string, name: string): string {
  return `${directory.replace(/[\\/]+$/, '')}/${name}`;
}

/**
 * Returns whether a regular file exists at `path` (Node only).
 *
 * @param path File path.
 */
export async function fileExists(path: string): Promise<boolean> {
  const fs = await loadFs();
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Creates a directory and its missing parents (Node only).
 *
 * @param path Directory path.
 */
export async function makeDirectory(path: string): Promise<void> {
  const fs = await loadFs();
  await fs.mkdir(path, { recursive: true });
}

/**
 * Reads a JSON file that must hold an object.
 *
 * @param path File path.
 * @param description What the file is, for error messages, e.g. `model config`.
 * @throws InvalidArgumentError when the file does not exist.
 * @throws CheckpointFormatError when it is not valid JSON or not a JSON object.
 */
export async function readJsonObject(path: string, description: string): Promise<Record<string, unknown>> {
  const bytes = await readFileBytes(path);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new CheckpointFormatError(`The ${description} at ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CheckpointFormatError(
      `The ${description} at ${path} must contain a JSON object, got ${JSON.stringify(value)?.slice(0, 80)}.`,
    );
  }
  return value as Record<string, unknown>;
}

type FsPromises = typeof import('node:fs/promises');

async function loadFs(): Promise<FsPromises> {
  if (!isNode()) {
    throw new InvalidArgumentError(
      'Hugging Face checkpoint directories can only be read and written under Node.js; ' +
        'in a browser, fetch the files and use the byte-based APIs.',
    );
  }
  // The specifier is held in a variable so browser bundlers do not try to resolve the module.
  const specifier = 'node:fs/promises';
  return (await import(specifier)) as FsPromises;
}
