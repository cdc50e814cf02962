import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import type { Parameter } from '../module/parameter';
import type { AdamW } from './adamw';

/** Result of one optimizer step. */
export interface TrainStepResult {
  /** Loss before the update. */
  readonly loss: number;
  /** Global L2 norm of the gradients before clipping. */
  readonly gradNorm: number;
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** Rescale gradients so their global L2 norm is at most this value (default: no clipping). */
  readonly maxGradNorm?: number;
}

/**
 * Runs one optimizer step: computes `lossFn()` and its gradients with respect to the trainable
 * parameters among `parameters` only (frozen ones cost no weight-gradient work), clips them by
 * global norm, and applies them. All intermediate tensors are released.
 *
 * @param parameters Candidate parameters; those with `trainable` unset are skipped.
 * @param lossFn Returns a scalar loss; it runs inside a gradient tape.
 * @param optimizer The optimizer that applies the update.
 */
export function trainStep(
  parameters: readonly Parameter[],
  lossFn: () => tf.Scalar,
  optimizer: AdamW,
  options: TrainStepOptions = {},
): TrainStepResult {
  const trainable = parameters.filter((p) => p.trainable);
  if (trainable.length === 0) {
    throw new InvalidArgumentError(
      'No trainable parameters: call trainAdapter(name) or set `trainable` on the parameters to train.',
    );
  }
  const { maxGradNorm } = options;
  if (maxGradNorm !== undefined && !(maxGradNorm > 0)) {
    throw new InvalidArgumentError(`maxGradNorm must be positive, got ${maxGradNorm}.`);
  }

  const { value, grads } = tf.variableGrads(lossFn, trainable.map((p) => p.variable));
  try {
    const loss = value.dataSync()[0];
    const gradList = Object.values(grads);
    // One scope per gradient, so only one squared gradient exists at a time.
    const squaredNorms = gradList.map((g) => tf.tidy(() => tf.sum(tf.square(g))));
    const gradNorm = tf.tidy(() => tf.sqrt(tf.addN(squaredNorms)).dataSync()[0]);
    tf.dispose(squaredNorms);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      throw new InvalidArgumentError(
        `Training produced a non-finite loss (${loss}) or gradient norm (${gradNorm}); lower the learning rate or check the inputs.`,
      );
    }

    if (maxGradNorm !== undefined && gradNorm > maxGradNorm) {
      const scale = maxGradNorm / (gradNorm + 1e-6);
      const clipped: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, scale);
      try {
        optimizer.applyGradients(clipped, trainable);
      } finally {
        tf.dispose(clipped);
      }
    } else {
      optimizer.applyGradients(grads, trainable);
    }
    return { loss, gradNorm };
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}
