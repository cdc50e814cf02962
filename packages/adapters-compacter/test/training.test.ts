import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { initBackend, runTraining } from '@peftjs/core-tensor';
import { causalLanguageModelingLoss, loadLlama2cCheckpoint, loadLlama2cTokenizer, stories260KPaths, type LlamaForCausalLM } from '@peftjs/models';

import { CompacterPlusPlusConfig, ParBnConfig } from '../src';
import { snapshotParameters } from './helpers/models';

let model: LlamaForCausalLM;
let batch: tf.Tensor2D;

beforeAll(async () => {
  await initBackend();
  const paths = stories260KPaths();
  model = await loadLlama2cCheckpoint(paths.checkpoint);
  const tokenizer = await loadLlama2cTokenizer(paths.tokenizer, model.config.vocab_size);
  const text = fs.readFileSync(path.join(__dirname, '../../../fixtures/tinystories/tinystories_sample.txt'), 'utf8');
  const stories = text
    .split('<|endoftext|>')
    .map((story) => story.trim())
    .filter((story) => story.length > 0);
  // The first 48 tokens of each sample story, a batch of real text.
  const sequences = stories.map((story) => tokenizer.encode(story, { bos: true }).slice(0, 48));
  batch = tf.tensor2d(sequences, [sequences.length, 48], 'int32');
});

afterAll(() => {
  batch.dispose();
  model.dispose();
});

async function train(steps: number, learningRate: number): Promise<number[]> {
  const result = await runTraining({
    parameters: model.parameters(),
    steps,
    schedule: { learningRate },
    nextBatch: () => batch,
    loss: (inputIds) => causalLanguageModelingLoss(model.forward(inputIds), inputIds),
  });
  return result.losses;
}

function changedParameters(before: Map<string, Float32Array>): string[] {
  const after = snapshotParameters(model);
  return [...before.keys()].filter((name) => !after.get(name)!.every((v, i) => v === before.get(name)![i]));
}

describe('trainAdapter on stories260K (hidden 64)', () => {
  it('Compacter++ updates only its own parameters and lowers the loss', async () => {
    // Factor 16 gives width 4, which phm_dim 4 divides; the default factor 32 would give 2.
    model.addAdapter('trained', CompacterPlusPlusConfig({ reduction_factor: 16 }));
    model.addAdapter('bystander', ParBnConfig({ init_weights: 'bert' }));
    model.trainAdapter('trained');

    const before = snapshotParameters(model);
    const tensors = tf.memory().numTensors;
    const losses = await train(10, 1e-2);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);

    const changed = changedParameters(before);
    expect(changed).toContain('shared_parameters.trained.phm_rule');
    expect(changed.filter((name) => name.endsWith('adapter_up.W_right')).length).toBe(5);
    for (const name of changed) expect(name).toMatch(/(\.adapters\.trained\.|^shared_parameters\.trained\.)/);

    model.deleteAdapter('trained');
    model.deleteAdapter('bystander');
  });

  it('learn_phm false keeps the shared rule fixed while the weights train', async () => {
    model.addAdapter('fixed_rule', CompacterPlusPlusConfig({ reduction_factor: 16, learn_phm: false, phm_init_range: 0.01 }));
    model.trainAdapter('fixed_rule');
    const before = snapshotParameters(model);
    await train(4, 1e-2);
    const changed = changedParameters(before);
    expect(changed).not.toContain('shared_parameters.fixed_rule.phm_rule');
    expect(changed.some((name) => name.endsWith('W_left'))).toBe(true);
    model.deleteAdapter('fixed_rule');
  });
});
