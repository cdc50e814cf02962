import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';

import { LlamaForSequenceClassification } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** An untrained tiny classifier: random weights, for shape and gradient checks only. */
function tinyClassifier(): LlamaForSequenceClassification {
  return new LlamaForSequenceClassification(
    { hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 2, vocab_size: 32 },
    { numLabels: 3, seed: 3 },
  );
}

describe('LlamaForSequenceClassification', () => {
  it('pools the last real token of each row', () => {
    const model = tinyClassifier();
    const padded = tf.tensor2d([[1, 5, 7, 0], [1, 9, 0, 0]], [2, 4], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]]);
    const batched = model.forward(padded, { attentionMask: mask });

    const first = tf.tensor2d([[1, 5, 7]], [1, 3], 'int32');
    const second = tf.tensor2d([[1, 9]], [1, 2], 'int32');
    const alone = tf.concat([model.forward(first), model.forward(second)], 0);
    expect(tf.max(tf.abs(tf.sub(batched, alone))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([padded, mask, batched, first, second, alone]);
    model.dispose();
  });

  it('has finite gradients for the head and the decoder', () => {
    const model = tinyClassifier();
    const ids = tf.tensor2d([[1, 5, 7, 2]], [1, 4], 'int32');
    const tensors = tf.memory().numTensors;
    const score = model.score.weight.variable;
    const query = model.model.layers.at(0).self_attn.q_proj.weight.variable;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.forward(ids))) as tf.Scalar, [score, query]);
    for (const variable of [score, query]) {
      const grad = grads[variable.name];
      expect(tf.tidy(() => tf.all(tf.isFinite(grad)).dataSync()[0])).toBe(1);
      expect(tf.tidy(() => tf.max(tf.abs(grad)).dataSync()[0])).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(tensors);
    ids.dispose();
    model.dispose();
  });
});
