import { CheckpointFormatError, readSafetensorsHeader, type SafetensorsDtype } from '@peftjs/core-tensor';

import { fileExists, joinFilePath, readJsonObject, SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE } from './files';

/** File, dtype and shape of one checkpoint tensor. */
export interface CheckpointTensorInfo {
  /** Path of the safetensors file holding the tensor. */
  readonly file: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
}

/** The tensors of a safetensors checkpoint, read from the file headers only. */
export interface CheckpointIndex {
  /** Paths of the safetensors files, in loading order. */
  readonly files: readonly string[];
  /** Every tensor of the checkpoint by name. */
  readonly tensors: ReadonlyMap<string, CheckpointTensorInfo>;
}

/**
 * Lists the tensors of the safetensors checkpoint in a Hugging Face model directory without
 * loading their data: `model.safetensors`, or the shards named by `model.safetensors.index.json`
 * (its `weight_map` maps each tensor name to a shard file in the same directory).
 *
 * @param directory The model directory.
 * @throws CheckpointFormatError when neither file exists, the index is malformed, or a shard does
 *   not hold exactly the tensors the index assigns to it.
 */
export async function readCheckpointIndex(directory: string): Promise<CheckpointIndex> {
  const single = joinFilePath(directory, SAFETENSORS_FILE);
  const indexPath = joinFilePath(directory, SAFETENSORS_INDEX_FILE);
  if (await fileExists(single)) {
    const header = await readSafetensorsHeader(single);
    const tensors = new Map<string, CheckpointTensorInfo>();
    for (const [name, info] of header.tensors) tensors.set(name, { file: single, dtype: info.dtype, shape: info.shape });
    return { files: [single], tensors };
  }
  if (await fileExists(indexPath)) return readShardedIndex(directory, indexPath);
  throw new CheckpointFormatError(
    `No safetensors checkpoint in ${directory}: expected ${SAFETENSORS_FILE} or ${SAFETENSORS_INDEX_FILE}. ` +
      'PyTorch .bin checkpoints are not supported; convert them to safetensors first.',
  );
}

async function readShardedIndex(directory: string, indexPath: string): Promise<CheckpointIndex> {
  const index = await readJsonObject(indexPath, 'safetensors index');
  const weightMap = index.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointFormatError(`${indexPath} has no "weight_map" object mapping tensor names to shard files.`);
  }

  const shardOf = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || !/^[^\\/]+$/.test(shard) || shard === '.' || shard === '..') {
      throw new CheckpointFormatError(
        `${indexPath} maps tensor "${name}" to ${JSON.stringify(shard)}; expected the name of a shard file ` +
          'in the same directory.',
      );
    }
    shardOf.set(name, shard);
  }

  const shardNames = [...new Set(shardOf.values())];
  for (const shard of shardNames) {
    if (!(await fileExists(joinFilePath(directory, shard)))) {
      throw new CheckpointFormatError(`${indexPath} names the shard ${shard}, which is missing from ${directory}.`);
    }
  }
  const tensors = new Map<string, CheckpointTensorInfo>();
  for (const shard of shardNames) {
    const file = joinFilePath(directory, shard);
    const header = await readSafetensorsHeader(file);
    for (const [name, info] of header.tensors) {
      const listed = shardOf.get(name);
      if (listed !== shard) {
        throw new CheckpointFormatError(
          `Shard ${shard} contains the tensor "${name}", which ${indexPath} ` +
            (listed === undefined ? 'does not list' : `assigns to ${listed}`) +
            '. Regenerate the index for these shards.',
        );
      }
      tensors.set(name, { file, dtype: info.dtype, shape: info.shape });
    }
  }
  const absent = [...shardOf.keys()].filter((name) => !tensors.has(name));
  if (absent.length > 0) {
    throw new CheckpointFormatError(
      `${indexPath} lists tensors that their shards do not contain: ${formatNames(absent)}. The shards are incomplete.`,
    );
  }
  return { files: shardNames.map((shard) => joinFilePath(directory, shard)), tensors };
}

/**
 * Formats names for a message, listing at most ten.
 *
 * @param names Tensor names.
 */
export function formatNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((name) => `"${name}"`).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}
