import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {
  CheckpointFormatError,
  readSafetensors,
  ShapeMismatchError,
  writeFileAtomic,
  writeSafetensors,
} from '@peftjs/core-tensor';
import type { LlamaForSequenceClassification } from '@peftjs/models';

import { LabelSet } from '../data/label-set';
import { SCORE_WEIGHT } from './sequence-classifier';

/** File that describes a saved classification head. */
export const HEAD_CONFIG_FILE = 'head_config.json';
/** File that contains the head's weights (`score.weight`). */
export const HEAD_WEIGHTS_FILE = 'head.safetensors';

/**
 * Contents of `head_config.json`. The head is trained alongside the adapter (PEFT's
 * `modules_to_save`), so it is saved next to the adapter files, as AdapterHub saves prediction
 * heads next to an adapter.
 */
export interface HeadConfig {
  readonly head_type: 'classification';
  /** Module path of the head in the model. */
  readonly layer: 'score';
  /** Hidden state the head reads: that of the last real token of each sequence. */
  readonly pooling: 'last_token';
  readonly hidden_size: number;
  readonly num_labels: number;
  /** Class name of every row of `score.weight`, keyed by the row index as a string (Hugging Face style). */
  readonly id2label: Record<string, string>;
}

/**
 * Writes the classifier's `score` layer and its labels into `directory` (which must exist), each
 * file through a temporary file and a rename.
 *
 * @param directory Destination directory.
 * @param model The classifier whose head is saved.
 * @param labels The class name of each row of the head.
 */
export async function saveClassifierHead(directory: string, model: LlamaForSequenceClassification, labels: LabelSet): Promise<void> {
  const config: HeadConfig = {
    head_type: 'classification',
    layer: 'score',
    pooling: 'last_token',
    hidden_size: model.config.hidden_size,
    num_labels: labels.size,
    id2label: Object.fromEntries(labels.names.map((name, index) => [String(index), name])),
  };
  await writeSafetensors(join(directory, HEAD_WEIGHTS_FILE), new Map([[SCORE_WEIGHT, model.score.weight.value]]), {
    metadata: { format: 'pt' },
  });
  await writeFileAtomic(join(directory, HEAD_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}

/**
 * Reads the labels of a head saved by {@link saveClassifierHead}.
 *
 * @param directory Directory that contains `head_config.json`.
 * @throws CheckpointFormatError when the file is missing or malformed.
 */
export async function readHeadLabels(directory: string): Promise<LabelSet> {
  const path = join(directory, HEAD_CONFIG_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`Cannot read the classification head config ${path}: ${(error as Error).message}.`);
  }
  const config = parsed as Partial<HeadConfig> | null;
  const numLabels = config?.num_labels;
  const id2label = config?.id2label;
  if (config?.head_type !== 'classification' || !Number.isInteger(numLabels) || typeof id2label !== 'object' || id2label === null) {
    throw new CheckpointFormatError(
      `${path} is not a classification head config: expected head_type "classification", an integer num_labels and an id2label object. ` +
        'Save the head again with peftjs finetune --task classify.',
    );
  }
  const names = Array.from({ length: numLabels! }, (_, index) => id2label[String(index)]);
  try {
    return new LabelSet(names);
  } catch (error) {
    throw new CheckpointFormatError(`${path} has invalid labels: ${(error as Error).message}`);
  }
}

/**
 * Loads a head saved by {@link saveClassifierHead} into the classifier's `score` layer and returns
 * its labels.
 *
 * @param directory Directory with `head_config.json` and `head.safetensors`.
 * @param model A classifier with as many labels and the same hidden size as the saved head.
 * @throws CheckpointFormatError when a file is missing or lacks `score.weight`.
 * @throws ShapeMismatchError when the saved weight does not fit the classifier.
 */
export async function loadClassifierHead(directory: string, model: LlamaForSequenceClassification): Promise<LabelSet> {
  const labels = await readHeadLabels(directory);
  const path = join(directory, HEAD_WEIGHTS_FILE);
  const { tensors } = await readSafetensors(path);
  try {
    const weight = tensors.get(SCORE_WEIGHT);
    if (weight === undefined) {
      throw new CheckpointFormatError(`${path} has no "${SCORE_WEIGHT}" tensor (found: ${[...tensors.keys()].join(', ') || 'none'}).`);
    }
    const expected = model.score.weight.shape;
    if (weight.shape.length !== 2 || weight.shape[0] !== expected[0] || weight.shape[1] !== expected[1]) {
      throw new ShapeMismatchError(
        `${path}: "${SCORE_WEIGHT}" has shape [${weight.shape}] but the classifier needs [${expected}] ` +
          `(${labels.size} labels × hidden size); use the model the head was trained with.`,
      );
    }
    if (weight.dtype !== 'float32') {
      throw new CheckpointFormatError(`${path}: "${SCORE_WEIGHT}" has dtype ${weight.dtype}; expected a float tensor.`);
    }
    model.score.weight.assign(weight);
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return labels;
}
