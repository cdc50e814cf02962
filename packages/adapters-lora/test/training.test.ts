import * as tf from '@tensorflow/tfjs';
import { initBackend, runTraining } from '@peftjs/core-tensor';
import { causalLanguageModelingLoss, type LlamaForCausalLM } from '@peftjs/models';

import { LoRAConfig } from '../src';
import { snapshotParameters, stories260K, tinyStoriesSample } from './helpers/models';

let model: LlamaForCausalLM;
let batch: tf.Tensor2D;

beforeAll(async () => {
  await initBackend();
  const loaded = await stories260K();
  model = loaded.model;
  // The first 48 tokens of each sample story, a batch of real text.
  const sequences = tinyStoriesSample().map((story) => loaded.tokenizer.encode(story, { bos: true }).slice(0, 48));
  batch = tf.tensor2d(sequences, [sequences.length, 48], 'int32');
});

afterAll(() => {
  batch.dispose();
  model.dispose();
});

describe('trainAdapter on stories260K', () => {
  it('updates only the trained adapter and lowers the loss', async () => {
    model.addAdapter('trained', LoRAConfig({ r: 4, alpha: 8, intermediate_lora: true }));
    model.addAdapter('bystander', LoRAConfig({ r: 4, init_weights: 'bert' }));
    model.trainAdapter('trained');

    const before = snapshotParameters(model);
    const tensors = tf.memory().numTensors;
    const result = await runTraining({
      parameters: model.parameters(),
      steps: 8,
      schedule: { learningRate: 1e-2 },
      nextBatch: () => batch,
      loss: (inputIds) => causalLanguageModelingLoss(model.forward(inputIds), inputIds),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.losses[result.losses.length - 1]).toBeLessThan(result.losses[0]);

    const after = snapshotParameters(model);
    const changed = [...before.keys()].filter((name) => !after.get(name)!.every((v, i) => v === before.get(name)![i]));
    expect(changed.length).toBeGreaterThan(0);
    for (const name of changed) expect(name).toMatch(/\.lora_[AB]\.trained\.weight$/);
    // lora_B starts at zero and every lora_B must have moved; lora_A moves once lora_B is non-zero.
    const trainedB = [...before.keys()].filter((name) => /lora_B\.trained/.test(name));
    for (const name of trainedB) expect(changed).toContain(name);

    model.deleteAdapter('trained');
    model.deleteAdapter('bystander');
  });

  it('freezes the base and unfreezes only the named adapter', () => {
    model.addAdapter('x', LoRAConfig());
    model.addAdapter('y', LoRAConfig());
    model.trainAdapter('x');
    const trainable = [...model.namedParameters()].filter(([, p]) => p.trainable).map(([name]) => name);
    expect(trainable.length).toBe(5 * 2 * 2);
    expect(trainable.every((name) => name.includes('.x.'))).toBe(true);
    expect(model.training).toBe(true);
    expect(model.activeAdapters).toBe('x');
    model.deleteAdapter('x');
    model.deleteAdapter('y');
  });
});
