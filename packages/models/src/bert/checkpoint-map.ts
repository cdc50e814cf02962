import type * as tf from '@tensorflow/tfjs';

import { CheckpointFormatError, shapesEqual, ShapeMismatchError } from '@peftjs/core-tensor';

import { bertCheckpointKeys, harmlessKeyReason, renameLegacyLayerNorm, type BertArchitecture } from './checkpoint-keys';
import type { BertConfig } from './config';

/** A checkpoint key that was not loaded, and why. */
export interface IgnoredKey {
  readonly key: string;
  readonly reason: string;
}

/** Result of {@link mapBertCheckpoint}. */
export interface BertCheckpointMapping {
  /** Checkpoint tensors by model parameter key. They still belong to the caller's map. */
  readonly parameters: Map<string, tf.Tensor>;
  /** Keys that were skipped because they do not affect the model. */
  readonly ignored: IgnoredKey[];
  /** Model keys the checkpoint did not provide (only the classifier, and only when allowed). */
  readonly missing: string[];
}

/** Options of {@link mapBertCheckpoint}. */
export interface MapBertCheckpointOptions {
  /** Whether the encoder has a pooler; pooler weights are skipped when it has none (default true). */
  withPooler?: boolean;
  /**
   * Accept a checkpoint with no `classifier.*` tensors at all, for fine-tuning a classification
   * head on a pre-trained encoder (default false).
   */
  allowMissingClassifier?: boolean;
}

const MAX_LISTED = 12;

function listKeys(keys: readonly string[]): string {
  const listed = keys.slice(0, MAX_LISTED).map((key) => `"${key}"`).join(', ');
  return keys.length > MAX_LISTED ? `${listed} and ${keys.length - MAX_LISTED} more` : listed;
}

/**
 * Matches the tensors of a Hugging Face BERT checkpoint to the parameter keys of a model of
 * `architecture`. Keys may come with or without the `bert.` prefix and with TensorFlow's
 * `gamma`/`beta` LayerNorm names. Buffers and pre-training heads are skipped and reported, and so
 * are a classifier when loading a `BertModel` and a pooler when the model has none.
 *
 * @param tensors Checkpoint tensors by key; not disposed.
 * @param config Configuration of the model being loaded.
 * @param architecture Class of the model being loaded.
 * @param expectedShapes Shape of each model parameter by key.
 * @param options Pooler and classifier handling.
 * @throws CheckpointFormatError naming unexpected, missing, duplicated or non-float tensors.
 * @throws ShapeMismatchError naming every tensor whose shape differs from the model's.
 */
export function mapBertCheckpoint(
  tensors: ReadonlyMap<string, tf.Tensor>,
  config: BertConfig,
  architecture: BertArchitecture,
  expectedShapes: ReadonlyMap<string, readonly number[]>,
  options: MapBertCheckpointOptions = {},
): BertCheckpointMapping {
  const withPooler = options.withPooler ?? true;
  const expected = new Set(bertCheckpointKeys(config, architecture, withPooler));
  const parameters = new Map<string, tf.Tensor>();
  const sources = new Map<string, string>();
  const ignored: IgnoredKey[] = [];
  const unexpected: string[] = [];

  for (const [key, tensor] of tensors) {
    const renamed = renameLegacyLayerNorm(key);
    const target = targetKey(renamed, architecture);
    const reason = harmlessKeyReason(renamed) ?? skippedHeadReason(target, architecture, withPooler);
    if (reason !== null) {
      ignored.push({ key, reason });
      continue;
    }
    if (!expected.has(target)) {
      unexpected.push(key);
      continue;
    }
    const earlier = sources.get(target);
    if (earlier !== undefined) {
      throw new CheckpointFormatError(
        `The checkpoint has both "${earlier}" and "${key}", which name the same parameter "${target}". Keep only one of them.`,
      );
    }
    sources.set(target, key);
    parameters.set(target, tensor);
  }

  if (unexpected.length > 0) {
    throw new CheckpointFormatError(
      `The checkpoint has ${unexpected.length} tensors that a ${architecture} does not have: ${listKeys(unexpected)}. ` +
        'Check that it is a BERT checkpoint and that config.json belongs to it.',
    );
  }

  const missing = [...expected].filter((key) => !parameters.has(key));
  const wholeClassifierMissing = missing.length === 2 && missing.every((key) => key.startsWith('classifier.'));
  if (missing.length > 0 && !(wholeClassifierMissing && options.allowMissingClassifier)) {
    const hint = wholeClassifierMissing
      ? 'This looks like a pre-trained encoder without a classification head: pass allowMissingClassifier: true to start a new head.'
      : 'Use the complete model.safetensors saved with this config.json.';
    throw new CheckpointFormatError(`The checkpoint is missing ${missing.length} tensors of a ${architecture}: ${listKeys(missing)}. ${hint}`);
  }

  checkTensors(parameters, sources, expectedShapes);
  return { parameters, ignored, missing };
}

function targetKey(key: string, architecture: BertArchitecture): string {
  if (key.startsWith('classifier.')) return key;
  const body = key.startsWith('bert.') ? key.slice('bert.'.length) : key;
  return architecture === 'BertModel' ? body : `bert.${body}`;
}

function skippedHeadReason(target: string, architecture: BertArchitecture, withPooler: boolean): string | null {
  if (architecture === 'BertModel' && target.startsWith('classifier.')) return 'task head, not part of BertModel';
  if (!withPooler && target.startsWith('pooler.')) return 'the model was built without a pooler';
  return null;
}

function checkTensors(
  parameters: ReadonlyMap<string, tf.Tensor>,
  sources: ReadonlyMap<string, string>,
  expectedShapes: ReadonlyMap<string, readonly number[]>,
): void {
  const wrongShapes: string[] = [];
  for (const [key, tensor] of parameters) {
    const source = sources.get(key) ?? key;
    if (tensor.dtype !== 'float32') {
      throw new CheckpointFormatError(
        `Checkpoint tensor "${source}" has dtype ${tensor.dtype}; BERT weights must be floating point (F32, F16 or BF16).`,
      );
    }
    const shape = expectedShapes.get(key);
    if (shape !== undefined && !shapesEqual(shape, tensor.shape)) {
      wrongShapes.push(`"${source}" is [${tensor.shape}] but the model expects [${shape}]`);
    }
  }
  if (wrongShapes.length > 0) {
    throw new ShapeMismatchError(
      `${wrongShapes.length} checkpoint tensors do not fit the model: ${wrongShapes.slice(0, MAX_LISTED).join('; ')}` +
        `${wrongShapes.length > MAX_LISTED ? `; and ${wrongShapes.length - MAX_LISTED} more` : ''}. ` +
        'Check that config.json belongs to this checkpoint.',
    );
  }
}
