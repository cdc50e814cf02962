import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';
import { generate, type LlamaForCausalLM } from '@peftjs/models';

import { PrefixTuningConfig } from '../src';
import { stories260K } from './helpers/models';

let model: LlamaForCausalLM;

beforeAll(async () => {
  await initBackend();
  model = await stories260K();
});

afterAll(() => {
  model.dispose();
});

/** "Once upon a time" in the stories260K tokenizer, with BOS. */
const PROMPT = [1, 403, 407, 261, 378];

function fullForwardArgmax(ids: number[]): number[] {
  return tf.tidy(() => Array.from(model.forward(tf.tensor2d(ids, [1, ids.length], 'int32')).argMax(-1).dataSync()));
}

describe('generation with prefix tuning on stories260K', () => {
  it.each([
    ['default config', PrefixTuningConfig()],
    ['short prefix', PrefixTuningConfig({ prefix_length: 8, bottleneck_size: 64, init_weights_seed: 5 })],
  ])('cached greedy steps equal the full forward pass (%s)', async (_label, config) => {
    model.addAdapter('p', config, { setActive: true });
    try {
      const { tokens } = await generate(model, PROMPT, { maxNewTokens: 40, temperature: 0, stopTokens: [] });
      const sequence = [...PROMPT, ...tokens];
      // Position i of the full pass predicts token i + 1, so the generated tokens are the
      // argmax from the last prompt position onwards.
      const predicted = fullForwardArgmax(sequence).slice(PROMPT.length - 1, -1);
      expect(tokens).toHaveLength(40);
      expect(tokens).toEqual(predicted);

      const plain = await model.withAdaptersDisabled(() => generate(model, PROMPT, { maxNewTokens: 40, temperature: 0, stopTokens: [] }));
      expect(plain.tokens).not.toEqual(tokens);
    } finally {
      model.deleteAdapter('p');
    }
  });

  it('cached logits match the full forward pass at every step', () => {
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 6, flat: true, init_weights_seed: 6 }), { setActive: true });
    const cache = model.createCache();
    try {
      const sequence = [...PROMPT, 290, 301, 275, 377];
      const full = tf.tidy(() => model.forward(tf.tensor2d(sequence, [1, sequence.length], 'int32')));
      let start = 0;
      for (const length of [PROMPT.length, PROMPT.length + 1, PROMPT.length + 2, PROMPT.length + 3, PROMPT.length + 4]) {
        const diff = tf.tidy(() => {
          const step = model.forward(tf.tensor2d(sequence.slice(start, length), [1, length - start], 'int32'), { cache });
          const expected = tf.slice(full, [0, start, 0], [1, length - start, -1]);
          return tf.max(tf.abs(tf.sub(step, expected))).dataSync()[0];
        });
        expect(diff).toBeLessThan(1e-4);
        start = length;
      }
      full.dispose();
    } finally {
      cache.dispose();
      model.deleteAdapter('p');
    }
  });
});
