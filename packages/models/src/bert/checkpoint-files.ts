import * as tf from '@tensorflow/tfjs';

import { CheckpointFormatError, InvalidArgumentError, parseSafetensors, readSafetensors } from '@peftjs/core-tensor';

import { CONFIG_FILE, joinFilePath, readCheckpointIndex, readJsonObject } from '../hf';

/** The two files of a Hugging Face BERT checkpoint, for environments without a file system. */
export interface BertCheckpointFiles {
  /** `config.json`, parsed or as text. */
  config: Record<string, unknown> | string;
  /** The bytes of `model.safetensors`. */
  weights: ArrayBuffer | Uint8Array;
}

/** A checkpoint whose config has been read and whose tensors are read on request. */
export interface OpenedBertCheckpoint {
  /** The parsed `config.json`. */
  readonly configJson: unknown;
  /** Description of the checkpoint's origin for messages: its directory, or `the given files`. */
  readonly where: string;
  /** Reads every tensor of the checkpoint; the caller disposes them. */
  readTensors(): Promise<Map<string, tf.Tensor>>;
}

/**
 * Reads `config.json` of a checkpoint directory (Node) or of files given in memory, and prepares
 * to read its weights: `model.safetensors`, or the shards listed by
 * `model.safetensors.index.json` in a directory.
 *
 * @param source Checkpoint directory, or the files themselves.
 */
export async function openBertCheckpoint(source: string | BertCheckpointFiles): Promise<OpenedBertCheckpoint> {
  if (typeof source === 'string') {
    if (source.length === 0) {
      throw new InvalidArgumentError('The checkpoint directory is an empty string. Pass the directory holding config.json and model.safetensors.');
    }
    const configJson = await readJsonObject(joinFilePath(source, CONFIG_FILE), 'config.json');
    return { configJson, where: source, readTensors: () => readShards(source) };
  }
  if (source === null || typeof source !== 'object') {
    throw new InvalidArgumentError(
      `A BERT checkpoint must be a directory path or { config, weights }, got ${JSON.stringify(source)}.`,
    );
  }
  const weights = source.weights;
  if (!(weights instanceof ArrayBuffer) && !(weights instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `The weights of a BERT checkpoint must be the bytes of model.safetensors (ArrayBuffer or Uint8Array), got ${typeof weights}.`,
    );
  }
  const configJson = typeof source.config === 'string' ? parseJson(source.config) : source.config;
  return { configJson, where: 'the given files', readTensors: async () => parseSafetensors(weights).tensors };
}

async function readShards(directory: string): Promise<Map<string, tf.Tensor>> {
  const index = await readCheckpointIndex(directory);
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const file of index.files) {
      const shard = await readSafetensors(file);
      for (const [name, tensor] of shard.tensors) tensors.set(name, tensor);
    }
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
  return tensors;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointFormatError(`${CONFIG_FILE} is not valid JSON: ${(error as Error).message}.`);
  }
}
