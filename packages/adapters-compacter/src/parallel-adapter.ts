import * as tf from '@tensorflow/tfjs';
import type { LayerNorm, RMSNorm, ResidualState } from '@peftjs/core-tensor';

import { BottleneckAdapter, type BottleneckOutputs } from './bottleneck-adapter';

/**
 * A parallel bottleneck adapter (He et al., 2021; AdapterHub's `ParallelAdapter`): it reads the
 * block input `r` instead of the sub-layer output `h`, adds no residual of its own, and its
 * output joins the sub-layer output before the block's residual add. The block output is
 * `LN(h + adapter(r) + r)` in post-LN models and `h + adapter(r) + r` in pre-norm models.
 * `original_ln_before`, `residual_before_ln` and `adapter_residual_before_ln` do not apply.
 */
export class ParallelBottleneckAdapter extends BottleneckAdapter {
  /**
   * Runs the adapter on `x` with `ln_after` but without a residual.
   *
   * @param x Adapter input, the block input.
   * @param _residual Ignored: a parallel adapter has no residual of its own.
   */
  override run(x: tf.Tensor, _residual: tf.Tensor): BottleneckOutputs {
    return tf.tidy(() => {
      const { down, up, output: raw } = this.bottleneck(x);
      const output = this.adapterNormAfter ? this.adapterNormAfter.apply(raw) : raw;
      return { output, down, up };
    });
  }

  /**
   * Returns the block input as both the adapter input and its residual.
   *
   * @param _hidden Sub-layer output, joined later in {@link postForward}.
   * @param residual Block input.
   * @param _layerNorm Unused before the adapter.
   */
  override preForward(_hidden: tf.Tensor, residual: tf.Tensor, _layerNorm: LayerNorm | RMSNorm | null): ResidualState {
    return { hidden: residual, residual };
  }

  /**
   * Adds the sub-layer output `hidden` to the adapter output, then, with `original_ln_after`,
   * the block input `residual` and the block LayerNorm when there is one.
   *
   * @param adapted Output of the last adapter.
   * @param hidden Sub-layer output.
   * @param residual Block input.
   * @param layerNorm The block's LayerNorm, or null.
   */
  override postForward(adapted: tf.Tensor, hidden: tf.Tensor, residual: tf.Tensor, layerNorm: LayerNorm | RMSNorm | null): tf.Tensor {
    return tf.tidy(() => {
      const joined = tf.add(adapted, hidden);
      if (!this.config.original_ln_after) return joined;
      const sum = tf.add(joined, residual);
      return layerNorm ? layerNorm.apply(sum) : sum;
    });
  }
}
