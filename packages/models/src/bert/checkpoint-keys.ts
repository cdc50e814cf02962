import type { BertConfig } from './config';

/** The model classes a BERT checkpoint can be loaded as, by transformers' class names. */
export type BertArchitecture = 'BertModel' | 'BertForSequenceClassification';

const LAYER_LINEARS = ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'];

/**
 * Lists the parameter keys of a BERT encoder in transformers' `state_dict` order, without a
 * prefix: `embeddings.*`, then `encoder.layer.{i}.*` for every layer, then `pooler.dense.*`.
 *
 * @param config Model configuration (only `num_hidden_layers` is read).
 * @param withPooler Include `pooler.dense.weight` and `pooler.dense.bias`.
 */
export function bertEncoderKeys(config: BertConfig, withPooler: boolean): string[] {
  const keys = [
    'embeddings.word_embeddings.weight',
    'embeddings.position_embeddings.weight',
    'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight',
    'embeddings.LayerNorm.bias',
  ];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const layer = `encoder.layer.${i}`;
    const modules = [
      ...LAYER_LINEARS,
      'attention.output.LayerNorm',
      'intermediate.dense',
      'output.dense',
      'output.LayerNorm',
    ];
    for (const module of modules) keys.push(`${layer}.${module}.weight`, `${layer}.${module}.bias`);
  }
  if (withPooler) keys.push('pooler.dense.weight', 'pooler.dense.bias');
  return keys;
}

/**
 * Lists the parameter keys a checkpoint of `architecture` contains, as transformers saves them:
 * unprefixed for `BertModel`, under `bert.` plus `classifier.weight` and `classifier.bias` for
 * `BertForSequenceClassification`.
 *
 * @param config Model configuration.
 * @param architecture Model class.
 * @param withPooler Whether the encoder has a pooler (always true for sequence classification).
 */
export function bertCheckpointKeys(config: BertConfig, architecture: BertArchitecture, withPooler = true): string[] {
  if (architecture === 'BertModel') return bertEncoderKeys(config, withPooler);
  return [...bertEncoderKeys(config, true).map((key) => `bert.${key}`), 'classifier.weight', 'classifier.bias'];
}

/**
 * Renames the LayerNorm parameters of checkpoints converted from TensorFlow (`LayerNorm.gamma`,
 * `LayerNorm.beta`) to PyTorch's `weight` and `bias`, as transformers does when loading.
 *
 * @param key A checkpoint key.
 */
export function renameLegacyLayerNorm(key: string): string {
  if (key.endsWith('.gamma')) return `${key.slice(0, -'.gamma'.length)}.weight`;
  if (key.endsWith('.beta')) return `${key.slice(0, -'.beta'.length)}.bias`;
  return key;
}

/**
 * Returns why a checkpoint key can be skipped without changing the model, or null when it
 * cannot. Skippable keys are the `embeddings.position_ids` and `embeddings.token_type_ids`
 * buffers, which hold no weights, and the pre-training heads under `cls.` (masked-LM and
 * next-sentence prediction).
 *
 * @param key A checkpoint key, after {@link renameLegacyLayerNorm}.
 */
export function harmlessKeyReason(key: string): string | null {
  if (key.endsWith('embeddings.position_ids') || key.endsWith('embeddings.token_type_ids')) return 'buffer, not a weight';
  if (key.startsWith('cls.')) return 'pre-training head';
  return null;
}
