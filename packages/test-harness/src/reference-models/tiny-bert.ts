import * as tf from '@tensorflow/tfjs';
import { deriveSeed, normal } from '@peftjs/core-tensor';
import { TINY_BERT_CONFIG, createTinyRandomBert } from '@peftjs/models';

import type { HarnessModel } from './harness-model';

/** Token ids of the standard tiny-BERT batch, `[2, 8]`: a sentence pair and a padded single text. */
const TOKEN_IDS = [
  [2, 17, 33, 90, 3, 45, 61, 3],
  [2, 120, 7, 58, 3, 0, 0, 0],
];
const TOKEN_TYPE_IDS = [
  [0, 0, 0, 0, 0, 1, 1, 1],
  [0, 0, 0, 0, 0, 0, 0, 0],
];
const ATTENTION_MASK = [
  [1, 1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 0, 0, 0],
];

/**
 * Creates the tiny, UNTRAINED BERT of `createTinyRandomBert` (hidden size 32, 4 layers of 4
 * heads, intermediate size 37) with a fixed `[2, 8]` batch: a sentence pair with segment ids and a
 * right-padded single text. The output is the last hidden state. The loss is the mean squared
 * error between the pooled `[CLS]` vector and a fixed random target, a regression head that
 * needs no extra parameters.
 *
 * @param seed Seed of the weights and of the regression target (default 0).
 */
export function createTinyBertHarnessModel(seed = 0): HarnessModel {
  const model = createTinyRandomBert(seed);
  const inputIds = tf.tensor2d(TOKEN_IDS, [2, 8], 'int32');
  const tokenTypeIds = tf.tensor2d(TOKEN_TYPE_IDS, [2, 8], 'int32');
  const attentionMask = tf.tensor2d(ATTENTION_MASK, [2, 8], 'int32');
  const target = normal([2, TINY_BERT_CONFIG.hidden_size!], deriveSeed(seed, 'harness.target'), 0, 0.5);

  const run = () => model.forward(inputIds, { attentionMask, tokenTypeIds });
  return {
    name: 'tiny-bert',
    model,
    forward: () => {
      const { lastHiddenState, poolerOutput } = run();
      poolerOutput?.dispose();
      return lastHiddenState;
    },
    loss: () =>
      tf.tidy(() => {
        const { lastHiddenState, poolerOutput } = run();
        lastHiddenState.dispose();
        return tf.mean(tf.square(tf.sub(poolerOutput!, target))) as tf.Scalar;
      }),
    dispose: () => {
      model.dispose();
      tf.dispose([inputIds, tokenTypeIds, attentionMask, target]);
    },
  };
}
