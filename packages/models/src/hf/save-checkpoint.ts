import type * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError, writeFileAtomic, writeSafetensors } from '@peftjs/core-tensor';

import { CONFIG_FILE, joinFilePath, makeDirectory, SAFETENSORS_FILE } from './files';

/**
 * Writes a Hugging Face model directory: `model.safetensors` with the given tensors (float32,
 * metadata `format: pt`, which transformers requires) and `config.json` (Node only). The
 * directory is created if needed, and each file is written to a temporary file and renamed, so
 * a crash never leaves a partial file.
 *
 * @param directory Destination directory.
 * @param config The `config.json` object.
 * @param tensors Tensors by Hugging Face name; read, not disposed.
 */
export async function writeHuggingFaceCheckpoint(
  directory: string,
  config: Record<string, unknown>,
  tensors: ReadonlyMap<string, tf.Tensor>,
): Promise<void> {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new InvalidArgumentError(`The checkpoint directory must be a non-empty path, got ${JSON.stringify(directory)}.`);
  }
  await makeDirectory(directory);
  await writeSafetensors(joinFilePath(directory, SAFETENSORS_FILE), new Map(tensors), { metadata: { format: 'pt' } });
  await writeFileAtomic(joinFilePath(directory, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}
