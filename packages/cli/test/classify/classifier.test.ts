import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { CheckpointFormatError, initBackend, ShapeMismatchError } from '@peftjs/core-tensor';
import { LoRAConfig } from '@peftjs/adapters-lora';
import { LlamaForCausalLM, LlamaForSequenceClassification, type LlamaConfigInput } from '@peftjs/models';

import { softmaxCrossEntropy } from '../../src/classify/cross-entropy';
import { evaluateClassifier } from '../../src/classify/evaluate';
import { HEAD_CONFIG_FILE, loadClassifierHead, readHeadLabels, saveClassifierHead } from '../../src/classify/head-files';
import { lastTokenPositions, pooledClassLogits } from '../../src/classify/pooled-logits';
import { copyDecoderWeights } from '../../src/classify/sequence-classifier';
import { LabelSet } from '../../src/data/label-set';

const config: LlamaConfigInput = {
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 40,
  max_position_embeddings: 32,
};

beforeAll(async () => {
  await initBackend();
});

function paddedInputs(): { inputIds: tf.Tensor2D; attentionMask: tf.Tensor2D } {
  return {
    inputIds: tf.tensor2d([[1, 5, 9, 12, 3], [1, 7, 2, 0, 0], [1, 30, 0, 0, 0]], [3, 5], 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]]),
  };
}

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('lastTokenPositions', () => {
  it('finds the last real token of each row', () => {
    const mask = tf.tensor2d([[1, 1, 0], [1, 1, 1], [0, 1, 0]]);
    expect(lastTokenPositions(mask)).toEqual([1, 2, 1]);
    mask.dispose();
  });

  it('rejects an all-padding row', () => {
    const mask = tf.tensor2d([[1, 0], [0, 0]]);
    expect(() => lastTokenPositions(mask)).toThrow('attentionMask row 1 has no token (all zeros); every sequence needs one.');
    mask.dispose();
  });
});

describe('pooledClassLogits', () => {
  it('equals the model forward pass', () => {
    const model = new LlamaForSequenceClassification(config, { numLabels: 3, seed: 4 });
    const { inputIds, attentionMask } = paddedInputs();
    const before = tf.memory().numTensors;
    const reference = model.forward(inputIds, { attentionMask });
    const pooled = pooledClassLogits(model, inputIds, attentionMask);
    expect(pooled.shape).toEqual([3, 3]);
    expect(maxAbsDifference(pooled, reference)).toBeLessThan(1e-6);
    tf.dispose([reference, pooled]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputIds, attentionMask]);
    model.dispose();
  });

  it('gives gradients to a LoRA adapter and the head', () => {
    const model = new LlamaForSequenceClassification(config, { numLabels: 2, seed: 1 });
    model.addAdapter('a', LoRAConfig({ r: 2, alpha: 4, init_weights: 'bert', init_weights_seed: 3 }));
    model.trainAdapter('a');
    model.score.weight.trainable = true;
    const { inputIds, attentionMask } = paddedInputs();
    const labels = tf.tensor1d([0, 1, 1], 'int32');
    const before = tf.memory().numTensors;

    const trainable = model.namedParameters();
    const variables = [...trainable.values()].filter((p) => p.trainable).map((p) => p.variable);
    const { value, grads } = tf.variableGrads(
      () => softmaxCrossEntropy(pooledClassLogits(model, inputIds, attentionMask), labels),
      variables,
    );
    const names = [...trainable.entries()].filter(([, p]) => p.trainable).map(([name]) => name);
    expect(names).toContain('score.weight');
    expect(names.some((name) => name.includes('lora_B'))).toBe(true);
    for (const variable of variables) {
      const norm = tf.tidy(() => tf.norm(grads[variable.name]).dataSync()[0]);
      expect(norm).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([inputIds, attentionMask, labels]);
    model.dispose();
  });
});

describe('softmaxCrossEntropy', () => {
  it('matches the formula', () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const loss = softmaxCrossEntropy(logits, labels).dataSync()[0];
    const row = (values: number[], label: number) => Math.log(values.reduce((s, v) => s + Math.exp(v), 0)) - values[label];
    expect(loss).toBeCloseTo((row([2, 0, -1], 0) + row([0.5, 0.5, 3], 1)) / 2, 5);
    tf.dispose([logits, labels]);
  });

  it('rejects mismatched shapes', () => {
    const logits = tf.zeros([2, 3]);
    const labels = tf.tensor1d([0, 1, 2], 'int32');
    expect(() => softmaxCrossEntropy(logits, labels)).toThrow(ShapeMismatchError);
    tf.dispose([logits, labels]);
  });
});

describe('copyDecoderWeights', () => {
  it('gives the classifier the language model hidden states', () => {
    const languageModel = new LlamaForCausalLM(config, { seed: 11 });
    const classifier = new LlamaForSequenceClassification(config, { numLabels: 2, seed: 12 });
    const { inputIds, attentionMask } = paddedInputs();
    const expected = languageModel.hiddenStates(inputIds, { attentionMask });
    const differentBefore = tf.tidy(() => maxAbsDifference(classifier.model.apply(inputIds, { attentionMask }), expected));
    expect(differentBefore).toBeGreaterThan(1e-3);

    copyDecoderWeights(languageModel, classifier);
    const actual = classifier.model.apply(inputIds, { attentionMask });
    expect(maxAbsDifference(actual, expected)).toBe(0);
    tf.dispose([expected, actual, inputIds, attentionMask]);
    languageModel.dispose();
    classifier.dispose();
  });

  it('rejects a model with another shape', () => {
    const languageModel = new LlamaForCausalLM({ ...config, num_hidden_layers: 1 });
    const classifier = new LlamaForSequenceClassification(config, { numLabels: 2 });
    expect(() => copyDecoderWeights(languageModel, classifier)).toThrow(CheckpointFormatError);
    expect(() => copyDecoderWeights(languageModel, classifier)).toThrow('model.layers.1.self_attn.q_proj.weight');
    languageModel.dispose();
    classifier.dispose();
  });
});

describe('classifier head files', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'peftjs-cli-head-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trip the head and its labels', async () => {
    const saved = new LlamaForSequenceClassification(config, { numLabels: 3, seed: 5 });
    const labels = new LabelSet(['negative', 'neutral', 'positive']);
    await saveClassifierHead(directory, saved, labels);

    const loaded = new LlamaForSequenceClassification(config, { numLabels: 3, seed: 6 });
    expect(maxAbsDifference(loaded.score.weight.value, saved.score.weight.value)).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    const loadedLabels = await loadClassifierHead(directory, loaded);
    expect(tf.memory().numTensors).toBe(before);
    expect(loadedLabels.names).toEqual(labels.names);
    expect(maxAbsDifference(loaded.score.weight.value, saved.score.weight.value)).toBe(0);

    const headConfig = JSON.parse(await readFile(join(directory, HEAD_CONFIG_FILE), 'utf8'));
    expect(headConfig).toEqual({
      head_type: 'classification',
      layer: 'score',
      pooling: 'last_token',
      hidden_size: 16,
      num_labels: 3,
      id2label: { '0': 'negative', '1': 'neutral', '2': 'positive' },
    });
    saved.dispose();
    loaded.dispose();
  });

  it('rejects a head of another size', async () => {
    const saved = new LlamaForSequenceClassification(config, { numLabels: 2, seed: 5 });
    await saveClassifierHead(directory, saved, new LabelSet(['0', '1']));
    const other = new LlamaForSequenceClassification({ ...config, hidden_size: 8, num_attention_heads: 2, num_key_value_heads: 1 }, { numLabels: 2 });
    await expect(loadClassifierHead(directory, other)).rejects.toThrow(ShapeMismatchError);
    saved.dispose();
    other.dispose();
  });

  it('rejects a malformed head config', async () => {
    await writeFile(join(directory, HEAD_CONFIG_FILE), '{"head_type":"tagging"}');
    await expect(readHeadLabels(directory)).rejects.toThrow(CheckpointFormatError);
    await writeFile(join(directory, HEAD_CONFIG_FILE), 'not json');
    await expect(readHeadLabels(directory)).rejects.toThrow('Cannot read the classification head config');
  });
});

describe('evaluateClassifier', () => {
  it('counts argmax predictions that equal the label', async () => {
    const model = new LlamaForSequenceClassification(config, { numLabels: 3, seed: 2 });
    const examples = [
      { ids: [1, 5, 9], label: 0 },
      { ids: [1, 7], label: 1 },
      { ids: [1, 30, 31, 32], label: 2 },
      { ids: [1, 4], label: 0 },
    ];
    const predicted = examples.map((example) =>
      tf.tidy(() => tf.argMax(model.forward(tf.tensor2d([example.ids], [1, example.ids.length], 'int32')), -1).dataSync()[0]),
    );
    const correct = predicted.filter((label, i) => label === examples[i].label).length;

    const before = tf.memory().numTensors;
    const result = await evaluateClassifier(model, examples, { batchSize: 3, maxLength: 8, step: 7 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.correct).toBe(correct);
    expect(result.accuracy).toBeCloseTo(correct / 4, 10);
    expect(result.count).toBe(4);
    expect(result.step).toBe(7);
    expect(result.loss).toBeGreaterThan(0);
    model.dispose();
  });
});
