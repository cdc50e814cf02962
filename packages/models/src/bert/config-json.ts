import { ConfigError } from '@peftjs/core-tensor';

import { createBertConfig, REQUIRED_BERT_FIELDS, type BertConfig, type BertConfigInput } from './config';

/** The `config.json` keys that map onto {@link BertConfig} fields of the same name. */
const CONFIG_KEYS: readonly (keyof BertConfig)[] = [
  ...REQUIRED_BERT_FIELDS,
  'hidden_act',
  'hidden_dropout_prob',
  'attention_probs_dropout_prob',
  'max_position_embeddings',
  'type_vocab_size',
  'layer_norm_eps',
  'pad_token_id',
  'initializer_range',
  'num_labels',
  'id2label',
  'classifier_dropout',
];

/**
 * Builds a {@link BertConfig} from a parsed Hugging Face `config.json`. Keys that do not change
 * the computation (`architectures`, `transformers_version`, `label2id`, …) are ignored; variants
 * this implementation does not compute (relative position embeddings, decoder or cross-attention
 * configs, other model types) raise a {@link ConfigError}.
 *
 * @param json The parsed `config.json`.
 */
export function parseBertConfigJson(json: unknown): BertConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`A BERT config.json must contain a JSON object, got ${JSON.stringify(json)?.slice(0, 80)}.`);
  }
  const raw = json as Record<string, unknown>;
  if (raw.model_type !== undefined && raw.model_type !== 'bert') {
    throw new ConfigError(
      `config.json has model_type ${JSON.stringify(raw.model_type)}, but this loader reads "bert" checkpoints only.`,
    );
  }
  const missing = REQUIRED_BERT_FIELDS.filter((field) => raw[field] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `config.json is missing ${missing.map((f) => `"${f}"`).join(', ')}. These fields have no default; ` +
        'use the config.json saved with the checkpoint.',
    );
  }
  if (raw.position_embedding_type !== undefined && raw.position_embedding_type !== 'absolute') {
    throw new ConfigError(
      `config.json has position_embedding_type ${JSON.stringify(raw.position_embedding_type)}; only "absolute" is supported.`,
    );
  }
  for (const flag of ['is_decoder', 'add_cross_attention'] as const) {
    if (raw[flag] === true) {
      throw new ConfigError(`config.json sets ${flag}: true; only encoder-only BERT models are supported.`);
    }
  }

  const input: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    if (raw[key] !== undefined) input[key] = raw[key];
  }
  return createBertConfig(input as unknown as BertConfigInput);
}

/**
 * Returns the Hugging Face `config.json` object of a config, with `model_type`, `architectures`,
 * `label2id` and `position_embedding_type` filled in so transformers loads it unchanged.
 *
 * @param config The config to write.
 * @param architecture Class name transformers should instantiate, e.g. `BertForSequenceClassification`.
 */
export function bertConfigToJson(config: BertConfig, architecture: string): Record<string, unknown> {
  const label2id = Object.fromEntries(Object.entries(config.id2label).map(([id, label]) => [label, Number(id)]));
  return {
    architectures: [architecture],
    model_type: 'bert',
    ...Object.fromEntries(CONFIG_KEYS.map((key) => [key, config[key]])),
    label2id,
    position_embedding_type: 'absolute',
  };
}
