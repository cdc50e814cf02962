import { deriveSeed, normal, type Module } from '@peftjs/core-tensor';

import { BertModel } from './bert-model';
import type { BertArchitecture } from './checkpoint-keys';
import type { BertConfigInput } from './config';
import { importNodeModules } from './node-modules';
import { saveHuggingFaceBert } from './save';
import { BertForSequenceClassification } from './sequence-classification';

/**
 * Configuration of the tiny test BERT: hidden size 32, 4 layers of 4 heads, intermediate size 37
 * (deliberately not a multiple of the hidden size, so swapped dimensions fail loudly), 128-token
 * vocabulary, 64 positions, 2 labels.
 */
export const TINY_BERT_CONFIG: Readonly<BertConfigInput> = Object.freeze({
  vocab_size: 128,
  hidden_size: 32,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 37,
  max_position_embeddings: 64,
  type_vocab_size: 2,
  num_labels: 2,
});

/** Applies `overrides` to the tiny config. A given `id2label` also replaces the default `num_labels`. */
function tinyConfig(overrides: Partial<BertConfigInput>): BertConfigInput {
  const labels = overrides.id2label === undefined ? {} : { num_labels: undefined };
  return { ...TINY_BERT_CONFIG, ...labels, ...overrides };
}

/** Spread of the random biases and LayerNorm parameters of the tiny model. */
const PERTURBATION_STD = 0.1;

/**
 * Gives every bias and LayerNorm parameter a random value (LayerNorm weights around 1), so a test
 * notices when one of them is dropped, swapped or loaded into the wrong place. transformers'
 * initialisation would leave them at 0 and 1, where such bugs are invisible.
 */
function perturbBiasesAndNorms(model: Module, seed: number): void {
  for (const [key, parameter] of model.namedParameters()) {
    const isNorm = key.includes('LayerNorm.');
    if (!isNorm && !key.endsWith('.bias')) continue;
    const center = isNorm && key.endsWith('.weight') ? 1 : 0;
    const value = normal(parameter.shape, deriveSeed(seed, `perturb.${key}`), center, PERTURBATION_STD);
    parameter.assign(value);
    value.dispose();
  }
}

/**
 * Builds a tiny, UNTRAINED BERT with deterministic random weights for unit tests: the same seed
 * always gives the same weights. Its outputs mean nothing; use it to test shapes, loading,
 * masking and adapters quickly.
 *
 * @param seed Seed of every weight.
 * @param overrides Config fields that replace those of {@link TINY_BERT_CONFIG}.
 */
export function createTinyRandomBert(seed = 0, overrides: Partial<BertConfigInput> = {}): BertModel {
  const model = new BertModel(tinyConfig(overrides), { seed });
  perturbBiasesAndNorms(model, seed);
  return model;
}

/**
 * Builds a tiny, UNTRAINED {@link BertForSequenceClassification} with deterministic random
 * weights for unit tests (see {@link createTinyRandomBert}).
 *
 * @param seed Seed of every weight.
 * @param overrides Config fields that replace those of {@link TINY_BERT_CONFIG}.
 */
export function createTinyRandomBertForSequenceClassification(
  seed = 0,
  overrides: Partial<BertConfigInput> = {},
): BertForSequenceClassification {
  const model = new BertForSequenceClassification(tinyConfig(overrides), { seed });
  perturbBiasesAndNorms(model, seed);
  return model;
}

/**
 * Saves a tiny, UNTRAINED random BERT as a Hugging Face checkpoint (`config.json` and
 * `model.safetensors`) in a new temporary directory and returns its path (Node). The caller removes
 * the directory when done.
 *
 * @param seed Seed of every weight.
 * @param architecture Model class to save (default `BertModel`).
 * @param overrides Config fields that replace those of {@link TINY_BERT_CONFIG}.
 */
export async function writeTinyRandomBertCheckpoint(
  seed = 0,
  architecture: BertArchitecture = 'BertModel',
  overrides: Partial<BertConfigInput> = {},
): Promise<string> {
  const { fs, os, path } = await importNodeModules();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'peftjs-tiny-bert-'));
  const model =
    architecture === 'BertModel'
      ? createTinyRandomBert(seed, overrides)
      : createTinyRandomBertForSequenceClassification(seed, overrides);
  try {
    await saveHuggingFaceBert(model, directory);
  } finally {
    model.dispose();
  }
  return directory;
}
