import * as tf from '@tensorflow/tfjs';

import { deriveSeed, type Linear, Module } from '@peftjs/core-tensor';

import type { BertConfig } from './config';
import { bertLinear } from './init';

/** `tanh(dense(h[:, 0]))`: the [CLS] summary vector (transformers' `BertPooler`; child `dense`). */
export class BertPooler extends Module {
  readonly dense: Linear;

  /**
   * @param config Validated model configuration.
   * @param path Module path from the model root, e.g. `bert.pooler`.
   * @param seed Model seed.
   */
  constructor(config: BertConfig, path: string, seed: number) {
    super();
    const hidden = config.hidden_size;
    this.dense = this.registerModule('dense', bertLinear(hidden, hidden, deriveSeed(seed, `${path}.dense`), config.initializer_range));
  }

  /**
   * @param hidden Encoder output `[batch, length, hiddenSize]`; not disposed.
   * @returns `[batch, hiddenSize]`.
   */
  apply(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, , width] = hidden.shape as [number, number, number];
      const first = hidden.slice([0, 0, 0], [batch, 1, width]).reshape([batch, width]);
      return tf.tanh(this.dense.apply(first));
    });
  }
}
