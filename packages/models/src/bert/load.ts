import * as tf from '@tensorflow/tfjs';

import type { WarningSink } from '@peftjs/core-tensor';

import { BertModel } from './bert-model';
import { openBertCheckpoint, type BertCheckpointFiles } from './checkpoint-files';
import type { BertArchitecture } from './checkpoint-keys';
import { mapBertCheckpoint } from './checkpoint-map';
import type { BertConfigInput } from './config';
import { parseBertConfigJson } from './config-json';
import { BertForSequenceClassification } from './sequence-classification';

/** Options of {@link loadHuggingFaceBert}. */
export interface LoadBertOptions {
  /** Model class to build (default `BertModel`). */
  architecture?: BertArchitecture;
  /** Build a `BertModel` without a pooler; pooler weights in the file are then skipped (default true). */
  addPoolingLayer?: boolean;
  /**
   * Accept a checkpoint without `classifier.*` tensors when loading `BertForSequenceClassification`
   * and start a new head from `seed` (default false, which raises). Use it to fine-tune a
   * classifier on a pre-trained encoder.
   */
  allowMissingClassifier?: boolean;
  /**
   * Fields that replace those of `config.json`, for example `{ num_labels: 3 }` for a new head,
   * or dropout rates. Giving `num_labels` or `id2label` discards both from the file.
   */
  configOverrides?: Partial<BertConfigInput>;
  /** Seed of any weights the checkpoint does not provide (default 0). */
  seed?: number;
  /** Receives one message naming the skipped tensors and any new head (default `console.warn`). */
  onWarning?: WarningSink;
}

/**
 * Loads a Hugging Face BERT checkpoint: `config.json` and `model.safetensors`.
 *
 * Keys may carry the `bert.` prefix or not, so files saved from `BertModel`,
 * `BertForSequenceClassification` or `BertForPreTraining` all load; TensorFlow-style
 * `LayerNorm.gamma`/`beta` names are accepted. Buffers (`position_ids`), pre-training heads
 * (`cls.*`) and heads the requested class does not have are skipped and named through
 * `onWarning`. A directory may hold `model.safetensors` or shards listed by
 * `model.safetensors.index.json`; `pytorch_model.bin` files are not read.
 *
 * ```ts
 * const bert = await loadHuggingFaceBert('checkpoints/bert-base-uncased');
 * const classifier = await loadHuggingFaceBert('checkpoints/bert-base-uncased', {
 *   architecture: 'BertForSequenceClassification',
 *   allowMissingClassifier: true,
 *   configOverrides: { num_labels: 2 },
 * });
 * ```
 *
 * @param source Checkpoint directory (Node), or `config.json` and `model.safetensors` in memory.
 * @param options Model class, head handling and config overrides.
 * @returns The model, in evaluation mode.
 * @throws ConfigError for an invalid or incomplete config.json.
 * @throws CheckpointFormatError for unexpected, missing or non-float tensors or a broken file.
 * @throws ShapeMismatchError for tensors whose shape does not match config.json.
 */
export async function loadHuggingFaceBert(
  source: string | BertCheckpointFiles,
  options: LoadBertOptions & { architecture: 'BertForSequenceClassification' },
): Promise<BertForSequenceClassification>;
export async function loadHuggingFaceBert(
  source: string | BertCheckpointFiles,
  options?: LoadBertOptions & { architecture?: 'BertModel' },
): Promise<BertModel>;
export async function loadHuggingFaceBert(
  source: string | BertCheckpointFiles,
  options: LoadBertOptions = {},
): Promise<BertModel | BertForSequenceClassification> {
  const architecture = options.architecture ?? 'BertModel';
  const checkpoint = await openBertCheckpoint(source);
  const config = parseBertConfigJson(applyOverrides(checkpoint.configJson, options.configOverrides));
  const tensors = await checkpoint.readTensors();

  const seed = options.seed ?? 0;
  const withPooler = architecture === 'BertForSequenceClassification' || options.addPoolingLayer !== false;
  const model =
    architecture === 'BertModel'
      ? new BertModel(config, { seed, addPoolingLayer: withPooler })
      : new BertForSequenceClassification(config, { seed });
  try {
    const shapes = new Map([...model.namedParameters()].map(([key, parameter]) => [key, parameter.shape]));
    const mapping = mapBertCheckpoint(tensors, config, architecture, shapes, {
      withPooler,
      allowMissingClassifier: options.allowMissingClassifier,
    });
    model.loadParameters(mapping.parameters);
    reportSkipped(checkpoint.where, architecture, mapping.ignored, mapping.missing, options.onWarning);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

function applyOverrides(configJson: unknown, overrides: Partial<BertConfigInput> | undefined): unknown {
  if (overrides === undefined || configJson === null || typeof configJson !== 'object' || Array.isArray(configJson)) {
    return configJson;
  }
  const merged: Record<string, unknown> = { ...(configJson as Record<string, unknown>) };
  if (overrides.num_labels !== undefined || overrides.id2label !== undefined) {
    delete merged.num_labels;
    delete merged.id2label;
    delete merged.label2id;
  }
  return { ...merged, ...overrides };
}

function reportSkipped(
  where: string,
  architecture: BertArchitecture,
  ignored: readonly { key: string; reason: string }[],
  missing: readonly string[],
  onWarning: WarningSink | undefined,
): void {
  const parts: string[] = [];
  if (ignored.length > 0) {
    parts.push(`skipped ${ignored.length} tensors that do not affect the model: ${ignored.map((i) => `${i.key} (${i.reason})`).join(', ')}`);
  }
  if (missing.length > 0) {
    parts.push(`initialised ${missing.join(' and ')} from the seed because the checkpoint has no classifier; train it before use`);
  }
  if (parts.length === 0) return;
  const warn = onWarning ?? ((message: string) => console.warn(`peftjs: ${message}`));
  warn(`Loading ${architecture} from ${where}: ${parts.join('; ')}.`);
}
