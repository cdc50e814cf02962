import { ConfigError, getActivation } from '@peftjs/core-tensor';

/**
 * Shape, regularisation and label settings of a BERT model. Field names and meanings are those of
 * Hugging Face `BertConfig` (`config.json`), so a parsed `config.json` maps onto it field by field.
 */
export interface BertConfig {
  readonly vocab_size: number;
  /** Width of the residual stream; a multiple of `num_attention_heads`. */
  readonly hidden_size: number;
  readonly num_hidden_layers: number;
  readonly num_attention_heads: number;
  /** Width of the feed-forward block (`intermediate.dense` output). */
  readonly intermediate_size: number;
  /** Feed-forward activation by Hugging Face name (`gelu` is the exact erf form). */
  readonly hidden_act: string;
  /** Dropout on embeddings and on every sub-layer output, in [0, 1). */
  readonly hidden_dropout_prob: number;
  /** Dropout on attention probabilities, in [0, 1). */
  readonly attention_probs_dropout_prob: number;
  /** Number of learned positions, so the longest input in tokens. */
  readonly max_position_embeddings: number;
  /** Number of segment (token type) embeddings, 2 for sentence pairs. */
  readonly type_vocab_size: number;
  /** Epsilon of every LayerNorm. */
  readonly layer_norm_eps: number;
  readonly pad_token_id: number;
  /** Standard deviation of the normal initialisation of new weights. */
  readonly initializer_range: number;
  /** Number of classes of a sequence classification head. */
  readonly num_labels: number;
  /** Class names by class index (keys are decimal strings, as in `config.json`). */
  readonly id2label: Readonly<Record<string, string>>;
  /** Dropout before the classification head; null uses `hidden_dropout_prob`. */
  readonly classifier_dropout: number | null;
}

/** The fields of {@link BertConfig} that have no default and must always be given. */
export const REQUIRED_BERT_FIELDS = [
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
] as const;

/** Fields a caller must give to {@link createBertConfig}; the others default as in Hugging Face. */
export type BertConfigInput = Pick<BertConfig, (typeof REQUIRED_BERT_FIELDS)[number]> & Partial<BertConfig>;

/**
 * Builds a validated {@link BertConfig}, filling omitted fields with the defaults of Hugging Face
 * transformers' `BertConfig`: `hidden_act` "gelu", dropouts 0.1, `max_position_embeddings` 512,
 * `type_vocab_size` 2, `layer_norm_eps` 1e-12, `pad_token_id` 0, `initializer_range` 0.02,
 * `classifier_dropout` null, and 2 labels `LABEL_0`, `LABEL_1`. When only one of `num_labels` and
 * `id2label` is given, the other follows from it.
 *
 * @param input The dimension fields, plus any fields to override.
 * @returns A frozen config that passed {@link validateBertConfig}.
 */
export function createBertConfig(input: BertConfigInput): BertConfig {
  const { numLabels, id2label } = resolveLabels(input.num_labels, input.id2label);
  const config: BertConfig = {
    vocab_size: input.vocab_size,
    hidden_size: input.hidden_size,
    num_hidden_layers: input.num_hidden_layers,
    num_attention_heads: input.num_attention_heads,
    intermediate_size: input.intermediate_size,
    hidden_act: input.hidden_act ?? 'gelu',
    hidden_dropout_prob: input.hidden_dropout_prob ?? 0.1,
    attention_probs_dropout_prob: input.attention_probs_dropout_prob ?? 0.1,
    max_position_embeddings: input.max_position_embeddings ?? 512,
    type_vocab_size: input.type_vocab_size ?? 2,
    layer_norm_eps: input.layer_norm_eps ?? 1e-12,
    pad_token_id: input.pad_token_id ?? 0,
    initializer_range: input.initializer_range ?? 0.02,
    num_labels: numLabels,
    id2label: Object.freeze({ ...id2label }),
    classifier_dropout: input.classifier_dropout ?? null,
  };
  validateBertConfig(config);
  return Object.freeze(config);
}

function resolveLabels(
  numLabels: number | undefined,
  id2label: Readonly<Record<string, string>> | undefined,
): { numLabels: number; id2label: Record<string, string> } {
  if (id2label === undefined) {
    const count = numLabels ?? 2;
    if (!Number.isInteger(count) || count <= 0) {
      throw new ConfigError(`BertConfig.num_labels must be a positive integer, got ${JSON.stringify(numLabels)}.`);
    }
    return { numLabels: count, id2label: Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), `LABEL_${i}`])) };
  }
  if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) {
    throw new ConfigError(
      `BertConfig.id2label must map class indices to names, like {"0": "negative", "1": "positive"}; got ${JSON.stringify(id2label)}.`,
    );
  }
  const count = Object.keys(id2label).length;
  if (numLabels !== undefined && numLabels !== count) {
    throw new ConfigError(
      `BertConfig.num_labels is ${numLabels} but id2label names ${count} classes. Make them agree, or give only one of them.`,
    );
  }
  return { numLabels: count, id2label: { ...id2label } };
}

function requirePositiveInteger(config: BertConfig, field: keyof BertConfig): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`BertConfig.${field} must be a positive integer, got ${JSON.stringify(value)}.`);
  }
}

function requireProbability(config: BertConfig, field: keyof BertConfig): void {
  const value = config[field];
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ConfigError(`BertConfig.${field} must be a probability in [0, 1), got ${JSON.stringify(value)}.`);
  }
}

function requirePositiveNumber(config: BertConfig, field: keyof BertConfig): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`BertConfig.${field} must be a positive finite number, got ${JSON.stringify(value)}.`);
  }
}

/**
 * Checks every field of a config and raises a {@link ConfigError} naming the first invalid field.
 *
 * @param config The config to check.
 */
export function validateBertConfig(config: BertConfig): void {
  const integerFields = [
    ...REQUIRED_BERT_FIELDS,
    'max_position_embeddings',
    'type_vocab_size',
    'num_labels',
  ] as const;
  for (const field of integerFields) requirePositiveInteger(config, field);
  requireProbability(config, 'hidden_dropout_prob');
  requireProbability(config, 'attention_probs_dropout_prob');
  if (config.classifier_dropout !== null) requireProbability(config, 'classifier_dropout');
  requirePositiveNumber(config, 'layer_norm_eps');
  requirePositiveNumber(config, 'initializer_range');

  if (typeof config.hidden_act !== 'string') {
    throw new ConfigError(`BertConfig.hidden_act must be an activation name such as "gelu", got ${JSON.stringify(config.hidden_act)}.`);
  }
  try {
    getActivation(config.hidden_act);
  } catch (error) {
    throw new ConfigError(`BertConfig.hidden_act is invalid: ${(error as Error).message}`);
  }

  const pad = config.pad_token_id;
  if (!Number.isInteger(pad) || pad < 0 || pad >= config.vocab_size) {
    throw new ConfigError(
      `BertConfig.pad_token_id must be an integer in [0, vocab_size = ${config.vocab_size}), got ${JSON.stringify(pad)}.`,
    );
  }
  if (config.hidden_size % config.num_attention_heads !== 0) {
    throw new ConfigError(
      `BertConfig.num_attention_heads ${config.num_attention_heads} must divide hidden_size ${config.hidden_size}; ` +
        'choose a head count that is a divisor of the hidden size.',
    );
  }
  for (let i = 0; i < config.num_labels; i++) {
    if (typeof config.id2label[String(i)] !== 'string') {
      throw new ConfigError(
        `BertConfig.id2label has no name for class ${i}; it must name every class from 0 to num_labels - 1 = ${config.num_labels - 1}.`,
      );
    }
  }
}

/** Size of one attention head, `hidden_size / num_attention_heads`. */
export function bertHeadDim(config: BertConfig): number {
  return config.hidden_size / config.num_attention_heads;
}
