import * as tf from '@tensorflow/tfjs';
import {
  Linear,
  deriveSeed,
  isRecordingGateScores,
  normal,
  reportGateScore,
  type AttentionAdapterHandler,
  type AttentionSite,
  type AttentionState,
} from '@peftjs/core-tensor';

import type { PrefixSource } from './prefix-source';

/** Options of a {@link PrefixTuningLayer}. */
export interface PrefixTuningLayerOptions {
  /** Adapter name, reported with gate scores. */
  readonly adapterName: string;
  /** Learn a gate for this layer. */
  readonly useGating: boolean;
  /** One gate value for keys and values (true) or one each (false). */
  readonly sharedGating: boolean;
  /** Seed of the gate's initialisation. */
  readonly seed: number;
}

/**
 * Prefix tuning at one attention site: puts the adapter's prefix keys and values for this layer in
 * front of the layer's keys and values, and opens the mask for them.
 *
 * Keys arrive after the rotary embedding (Llama) and after the KV cache is appended, so prefix
 * keys carry no position and are added again on every call, also during cached generation. With
 * gating, `g = mean_t sigmoid(gate(h_t))` over the attention input `h` scales the prefix keys (by
 * `g[0]`) and values (by the last output of `g`), as AdapterHub's `PrefixTuningLayer` does. The
 * gate is placed at `<attention>.prefix_gates.<adapter name>`.
 */
export class PrefixTuningLayer implements AttentionAdapterHandler {
  readonly gate: Linear | null;

  /**
   * @param site The attention site.
   * @param source The adapter's model-level prefix module.
   * @param slot Position of this layer among the prefixed layers.
   * @param options Adapter name and gating settings.
   */
  constructor(
    readonly site: AttentionSite,
    readonly source: PrefixSource,
    readonly slot: number,
    private readonly options: PrefixTuningLayerOptions,
  ) {
    this.gate = null;
    if (options.useGating) {
      const outputs = options.sharedGating ? 1 : 2;
      this.gate = new Linear(site.hiddenSize, outputs, { seed: deriveSeed(options.seed, 'gate') });
      // AdapterHub draws the gate weight from normal(0, 0.02), so a new gate starts near 0.5.
      this.gate.weight.assignOwned(normal([outputs, site.hiddenSize], deriveSeed(options.seed, 'gate_weight'), 0, 0.02));
    }
  }

  extend(state: AttentionState): AttentionState {
    const batch = state.key.shape[0];
    const prefixLength = this.source.shape.prefixLength;
    const [key, value] = tf.tidy(() => {
      let prefix = this.source.keyValues(this.slot, batch);
      if (this.gate !== null) prefix = this.applyGate(prefix.key, prefix.value, state.hiddenStates);
      return [tf.concat([prefix.key, state.key], 2), tf.concat([prefix.value, state.value], 2)];
    });
    // The additive mask gets `prefixLength` zero (open) columns in front; a null mask stays null
    // because every query may see the prefix anyway.
    const mask =
      state.mask === null
        ? null
        : tf.tidy(() => {
            const stateMask = state.mask!;
            const open = tf.zeros([...stateMask.shape.slice(0, -1), prefixLength], stateMask.dtype);
            return tf.concat([open, stateMask], -1);
          });
    return { key, value, mask, hiddenStates: state.hiddenStates };
  }

  private applyGate(key: tf.Tensor, value: tf.Tensor, hiddenStates: tf.Tensor): { key: tf.Tensor; value: tf.Tensor } {
    return tf.tidy(() => {
      // NOTE: the mean runs over every query position of the call, as in AdapterHub. On a causal
      // model each position's gate therefore depends on later tokens, and a cached generation
      // step (one new token) gets a different gate than the full-sequence forward pass.
      const gates = tf.mean(tf.sigmoid(this.gate!.applyBase(hiddenStates)), 1);
      if (isRecordingGateScores()) {
        reportGateScore(this.site, { adapter: this.options.adapterName, method: 'prefix_tuning' }, gates);
      }
      const outputs = gates.shape[1]!;
      const keyGate = tf.slice(gates, [0, 0], [-1, 1]).reshape([-1, 1, 1, 1]);
      const valueGate = tf.slice(gates, [0, outputs - 1], [-1, 1]).reshape([-1, 1, 1, 1]);
      return { key: tf.mul(key, keyGate), value: tf.mul(value, valueGate) };
    });
  }
}
