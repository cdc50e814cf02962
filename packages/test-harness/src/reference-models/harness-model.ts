import type * as tf from '@tensorflow/tfjs';
import type { AdaptableModel } from '@peftjs/core-tensor';

/**
 * A model prepared for the conformance checks: the model itself, a fixed input batch, the output
 * the checks compare and a scalar loss on that batch.
 */
export interface HarnessModel<M extends AdaptableModel = AdaptableModel> {
  /** Short label used in check messages, e.g. `tiny-bert`. */
  readonly name: string;
  readonly model: M;
  /**
   * Runs the model on the standard batch and returns the output the checks compare (logits,
   * hidden states). The caller owns and disposes it.
   */
  forward(): tf.Tensor;
  /**
   * Returns a scalar loss of the standard batch that training lowers. It runs inside gradient
   * tapes, so it must build the loss from the model's forward pass every time.
   */
  loss(): tf.Scalar;
  /** Disposes the model and the batch tensors. */
  dispose(): void;
}

/** Creates a new, clean model for one check. Every call must return a new model. */
export type HarnessModelFactory = () => HarnessModel | Promise<HarnessModel>;
