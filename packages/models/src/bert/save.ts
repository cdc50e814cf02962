import type * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError, serializeSafetensors } from '@peftjs/core-tensor';

import { writeHuggingFaceCheckpoint } from '../hf';
import { BertModel } from './bert-model';
import { bertCheckpointKeys, type BertArchitecture } from './checkpoint-keys';
import { bertConfigToJson } from './config-json';
import { BertForSequenceClassification } from './sequence-classification';

/** The files of a Hugging Face BERT checkpoint in memory. */
export interface SerializedBertCheckpoint {
  /** Text of `config.json`. */
  config: string;
  /** Bytes of `model.safetensors`. */
  weights: Uint8Array;
}

function architectureOf(model: BertModel | BertForSequenceClassification): BertArchitecture {
  if (model instanceof BertForSequenceClassification) return 'BertForSequenceClassification';
  if (model instanceof BertModel) return 'BertModel';
  throw new InvalidArgumentError(
    `saveHuggingFaceBert expects a BertModel or BertForSequenceClassification, got ${String((model as object)?.constructor?.name ?? model)}.`,
  );
}

/** Returns the `config.json` object and the base weights of a model, by transformers key. */
function checkpointContents(model: BertModel | BertForSequenceClassification): { config: Record<string, unknown>; tensors: Map<string, tf.Tensor> } {
  const architecture = architectureOf(model);
  const withPooler = model instanceof BertModel ? model.pooler !== null : true;
  const parameters = model.namedParameters();
  const tensors = new Map<string, tf.Tensor>();
  for (const key of bertCheckpointKeys(model.config, architecture, withPooler)) {
    const parameter = parameters.get(key);
    if (parameter === undefined) {
      throw new InvalidArgumentError(`The model has no parameter "${key}"; was it disposed or modified?`);
    }
    tensors.set(key, parameter.value);
  }
  return { config: bertConfigToJson(model.config, architecture), tensors };
}

/**
 * Serialises a BERT model as Hugging Face checkpoint files in memory: `config.json` and
 * `model.safetensors` (float32, metadata `format: pt`) with transformers' key names. Only base
 * weights are written, so adapter parameters are left out (save them with `saveAdapter`). A merged
 * adapter is saved as part of the weights it was merged into.
 *
 * @param model The model to serialise.
 */
export function serializeHuggingFaceBert(model: BertModel | BertForSequenceClassification): SerializedBertCheckpoint {
  const { config, tensors } = checkpointContents(model);
  return {
    config: `${JSON.stringify(config, null, 2)}\n`,
    weights: serializeSafetensors(tensors, { metadata: { format: 'pt' } }),
  };
}

/**
 * Saves a BERT model as a Hugging Face checkpoint directory (Node): `config.json` and
 * `model.safetensors` as {@link serializeHuggingFaceBert} describes them, each written to a
 * temporary file and renamed, so an interrupted save never leaves a partial file. The directory is
 * created if needed. transformers' `from_pretrained` and {@link loadHuggingFaceBert} read the
 * result.
 *
 * @param model The model to save.
 * @param directory Destination directory.
 */
export async function saveHuggingFaceBert(model: BertModel | BertForSequenceClassification, directory: string): Promise<void> {
  const { config, tensors } = checkpointContents(model);
  await writeHuggingFaceCheckpoint(directory, config, tensors);
}
