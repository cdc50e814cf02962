import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

/**
 * Keys and values of the tokens a Llama model has already processed, one entry per layer, plus
 * the padding mask of those tokens. Passing the cache to `forward` appends the new tokens, so the
 * next call only feeds the tokens that follow.
 *
 * The cache owns its tensors: they survive the `tf.tidy` scopes of the forward pass and are freed
 * by {@link dispose}. Keys are stored after the rotary embedding, with shape
 * `[batch, numKeyValueHeads, length, headDim]`. Prefixes added by attention-site adapters are not
 * stored, because the adapters add them again on every call.
 */
export class LlamaKVCache {
  private readonly keys: (tf.Tensor | null)[];
  private readonly values: (tf.Tensor | null)[];
  private padding: tf.Tensor | null = null;
  /** Entries replaced during the current forward call, kept until it commits or rolls back. */
  private replaced: { layer: number; key: tf.Tensor | null; value: tf.Tensor | null }[] = [];
  private cachedLength = 0;
  private batch: number | null = null;
  private disposed = false;

  /**
   * @param numLayers Number of decoder layers of the model that will use the cache.
   */
  constructor(readonly numLayers: number) {
    if (!Number.isInteger(numLayers) || numLayers <= 0) {
      throw new InvalidArgumentError(`LlamaKVCache numLayers must be a positive integer, got ${numLayers}.`);
    }
    this.keys = new Array<tf.Tensor | null>(numLayers).fill(null);
    this.values = new Array<tf.Tensor | null>(numLayers).fill(null);
  }

  /** Number of tokens stored, which is also the position of the next token fed. */
  get length(): number {
    return this.cachedLength;
  }

  /** Batch size of the stored tokens, or null while the cache is empty. */
  get batchSize(): number | null {
    return this.batch;
  }

  /** Whether {@link dispose} has been called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Padding mask of the stored tokens, `[batch, length]` with 1 for real tokens and 0 for padding,
   * or null when no stored token is padding. The tensor belongs to the cache.
   */
  get paddingMask(): tf.Tensor | null {
    return this.padding;
  }

  /**
   * Raises unless `batch` new tokens can be appended: the cache must not be disposed and must
   * hold the same batch size.
   *
   * @param batch Batch size of the next forward call.
   */
  checkUsable(batch: number): void {
    if (this.disposed) {
      throw new InvalidArgumentError('This LlamaKVCache has been disposed; create a new one with model.createCache().');
    }
    if (this.batch !== null && this.batch !== batch) {
      throw new InvalidArgumentError(
        `The KV cache contains a batch of ${this.batch} sequences but the input has ${batch}; ` +
          'use one cache per batch, created with model.createCache().',
      );
    }
  }

  /**
   * Appends one layer's new keys and values and returns the full keys and values (stored tokens
   * followed by the new ones). The returned tensors belong to the cache.
   *
   * @param layer Index of the decoder layer.
   * @param key New keys after rotary, `[batch, numKeyValueHeads, newLength, headDim]`; not disposed.
   * @param value New values, same shape as `key`; not disposed.
   */
  append(layer: number, key: tf.Tensor, value: tf.Tensor): { key: tf.Tensor; value: tf.Tensor } {
    this.checkUsable(key.shape[0]!);
    const oldKey = this.keys[layer];
    const oldValue = this.values[layer];
    if (oldKey === undefined || oldValue === undefined) {
      throw new InvalidArgumentError(`Layer ${layer} is outside this cache of ${this.numLayers} layers.`);
    }
    const fullKey = tf.keep(oldKey === null ? tf.clone(key) : tf.concat([oldKey, key], 2));
    const fullValue = tf.keep(oldValue === null ? tf.clone(value) : tf.concat([oldValue, value], 2));
    this.replaced.push({ layer, key: oldKey, value: oldValue });
    this.keys[layer] = fullKey;
    this.values[layer] = fullValue;
    return { key: fullKey, value: fullValue };
  }

  /**
   * Commits a forward call: records that `newLength` tokens were appended to every layer, with
   * their padding mask, and frees the entries the appends replaced. Called by the model once per
   * forward call, after every layer appended.
   *
   * @param batch Batch size of the forward call.
   * @param newLength Number of tokens appended.
   * @param newPadding `[batch, newLength]` mask of the new tokens (1 keep, 0 padding), or null if
   *   none is padding; not disposed.
   */
  advance(batch: number, newLength: number, newPadding: tf.Tensor | null): void {
    const pastLength = this.cachedLength;
    if (newPadding !== null || this.padding !== null) {
      const previous = this.padding;
      this.padding = tf.keep(
        tf.tidy(() => {
          const past = previous ?? tf.ones([batch, pastLength]);
          const current = newPadding ?? tf.ones([batch, newLength]);
          return tf.concat([past, current.toFloat()], 1);
        }),
      );
      previous?.dispose();
    }
    this.cachedLength = pastLength + newLength;
    this.batch = batch;
    this.freeReplaced();
  }

  /**
   * Undoes the appends of a forward call that failed before {@link advance}, so the cache contains
   * exactly the tokens it had before the call.
   */
  rollback(): void {
    for (const entry of this.replaced.reverse()) {
      this.keys[entry.layer]?.dispose();
      this.values[entry.layer]?.dispose();
      this.keys[entry.layer] = entry.key;
      this.values[entry.layer] = entry.value;
    }
    this.replaced = [];
  }

  /** Frees every tensor the cache holds. The cache cannot be used afterwards. */
  dispose(): void {
    this.freeReplaced();
    for (const list of [this.keys, this.values]) {
      for (let i = 0; i < list.length; i++) {
        list[i]?.dispose();
        list[i] = null;
      }
    }
    this.padding?.dispose();
    this.padding = null;
    this.disposed = true;
  }

  private freeReplaced(): void {
    for (const entry of this.replaced) {
      entry.key?.dispose();
      entry.value?.dispose();
    }
    this.replaced = [];
  }
}
