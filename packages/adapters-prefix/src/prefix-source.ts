import * as tf from '@tensorflow/tfjs';
import { Dropout, InvalidArgumentError, Module, deriveSeed } from '@peftjs/core-tensor';

/** Sizes of the prefixes one prefix tuning adapter produces. */
export interface PrefixShape {
  /** Prefix positions per layer. */
  readonly prefixLength: number;
  /** Number of attention layers that receive a prefix (the model's layers minus `leave_out`). */
  readonly numLayers: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
}

/** Prefix keys and values of one layer, each `[batch, numKeyValueHeads, prefixLength, headDim]`. */
export interface PrefixKeyValues {
  readonly key: tf.Tensor;
  readonly value: tf.Tensor;
}

/**
 * The model-level module that produces the prefix keys and values of every prefixed layer, placed
 * at `prefix_tunings.<adapter name>` as AdapterHub's `PrefixTuningPool` places its modules.
 *
 * Prefixes follow AdapterHub's layout: a `[prefixLength, numLayers · 2 · heads · headDim]` matrix
 * whose column block `slot` holds the keys and then the values of the slot-th prefixed layer, each
 * split into heads of `headDim`.
 */
export abstract class PrefixSource extends Module {
  readonly dropout: Dropout;

  /**
   * @param shape Prefix sizes.
   * @param dropoutRate Dropout probability on the keys and values in training mode.
   * @param seed Seed of the dropout masks.
   */
  constructor(
    readonly shape: PrefixShape,
    dropoutRate: number,
    seed: number,
  ) {
    super();
    this.dropout = this.registerModule('dropout', new Dropout(dropoutRate, deriveSeed(seed, 'dropout')));
  }

  /** Width of one layer's block: keys plus values, `2 · numKeyValueHeads · headDim`. */
  get layerWidth(): number {
    return 2 * this.shape.numKeyValueHeads * this.shape.headDim;
  }

  /**
   * Returns the prefixes of every layer as AdapterHub's flat vector of
   * `prefixLength · numLayers · 2 · numKeyValueHeads · headDim` values (the row-major flattening of
   * the layout above), which is what a flat prefix learns.
   */
  abstract flatten(): tf.Tensor;

  /** Returns `[prefixLength, layerWidth]`: keys then values of prefix slot `slot`, before dropout. */
  protected abstract layerRows(slot: number): tf.Tensor;

  /**
   * Returns the prefix keys and values of one layer for a batch.
   *
   * @param slot Position of the layer among the prefixed layers (0 for the first one not left out).
   * @param batch Batch size of the attention call.
   */
  keyValues(slot: number, batch: number): PrefixKeyValues {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.shape.numLayers) {
      throw new InvalidArgumentError(`Prefix slot ${slot} is outside the ${this.shape.numLayers} prefixed layers of this adapter.`);
    }
    return tf.tidy(() => {
      const { prefixLength, numKeyValueHeads, headDim } = this.shape;
      const rows = this.layerRows(slot);
      const half = numKeyValueHeads * headDim;
      const toHeads = (part: tf.Tensor) => {
        const heads = part.reshape([prefixLength, numKeyValueHeads, headDim]).transpose([1, 0, 2]).expandDims(0);
        return this.dropout.apply(tf.broadcastTo(heads, [batch, numKeyValueHeads, prefixLength, headDim]));
      };
      return {
        key: toHeads(tf.slice(rows, [0, 0], [prefixLength, half])),
        value: toHeads(tf.slice(rows, [0, half], [prefixLength, half])),
      };
    });
  }
}
