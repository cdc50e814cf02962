import * as tf from '@tensorflow/tfjs';

import { CheckpointFormatError, readSafetensors, ShapeMismatchError, type Module } from '@peftjs/core-tensor';

import { formatNames, type CheckpointIndex } from './checkpoint-index';

/** Options of {@link checkCheckpointTensors} and {@link loadCheckpointIntoModule}. */
export interface CheckpointMatchOptions {
  /**
   * Returns true for checkpoint tensors the model deliberately does not load (for example
   * buffers such as `rotary_emb.inv_freq`); they are neither loaded nor reported as unexpected.
   */
  ignore?: (name: string) => boolean;
  /** Description of the checkpoint in messages, e.g. its directory. */
  source: string;
}

const FLOAT_DTYPES = new Set(['F64', 'F32', 'F16', 'BF16', 'F8_E5M2', 'F8_E4M3']);

/**
 * Checks that a checkpoint contains exactly the expected tensors with the expected shapes and a
 * floating-point dtype, before any data is read.
 *
 * @param index The checkpoint's tensors, from `readCheckpointIndex`.
 * @param expected Shape of every tensor the model needs, by name.
 * @param options Tensors to ignore and the checkpoint description.
 * @throws CheckpointFormatError naming missing or unexpected tensors, or a non-float dtype.
 * @throws ShapeMismatchError naming every tensor whose shape differs from the expected one.
 */
export function checkCheckpointTensors(
  index: CheckpointIndex,
  expected: ReadonlyMap<string, readonly number[]>,
  options: CheckpointMatchOptions,
): void {
  const ignore = options.ignore ?? (() => false);
  const missing = [...expected.keys()].filter((name) => !index.tensors.has(name));
  const unexpected = [...index.tensors.keys()].filter((name) => !expected.has(name) && !ignore(name));
  if (missing.length > 0 || unexpected.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing ${formatNames(missing)}`);
    if (unexpected.length > 0) parts.push(`unexpected ${formatNames(unexpected)}`);
    throw new CheckpointFormatError(
      `The checkpoint in ${options.source} does not match the model config: ${parts.join('; ')}. ` +
        'Check that config.json belongs to these weights.',
    );
  }

  const wrongShapes: string[] = [];
  for (const [name, shape] of expected) {
    const info = index.tensors.get(name)!;
    if (!FLOAT_DTYPES.has(info.dtype)) {
      throw new CheckpointFormatError(
        `Tensor "${name}" in ${options.source} has dtype ${info.dtype}; model weights must be floating point.`,
      );
    }
    const same = info.shape.length === shape.length && info.shape.every((d, i) => d === shape[i]);
    if (!same) wrongShapes.push(`"${name}" is [${info.shape.join(', ')}] but the config needs [${shape.join(', ')}]`);
  }
  if (wrongShapes.length > 0) {
    throw new ShapeMismatchError(
      `The checkpoint in ${options.source} has tensors of the wrong shape for its config.json: ` +
        `${wrongShapes.slice(0, 10).join('; ')}${wrongShapes.length > 10 ? ` and ${wrongShapes.length - 10} more` : ''}. ` +
        'Check that config.json belongs to these weights.',
    );
  }
}

/**
 * Copies the expected tensors of a checkpoint into a module's parameters, one safetensors file at
 * a time so that at most one shard's tensors are in memory besides the model.
 *
 * @param module The module whose parameters (by path) receive the values.
 * @param index The checkpoint's tensors, checked with {@link checkCheckpointTensors}.
 * @param expected Names of the tensors to load.
 * @param options Tensors to ignore and the checkpoint description.
 */
export async function loadCheckpointIntoModule(
  module: Module,
  index: CheckpointIndex,
  expected: ReadonlyMap<string, readonly number[]>,
  options: CheckpointMatchOptions,
): Promise<void> {
  checkCheckpointTensors(index, expected, options);
  for (const file of index.files) {
    const { tensors } = await readSafetensors(file);
    try {
      const selected = new Map([...tensors].filter(([name]) => expected.has(name)));
      module.loadParameters(selected);
    } finally {
      tf.dispose([...tensors.values()]);
    }
  }
}
