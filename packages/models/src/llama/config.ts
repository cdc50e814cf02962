import { ConfigError } from '@peftjs/core-tensor';

/**
 * Shape and numeric settings of a Llama model. Field names and meanings are those of Hugging Face
 * `LlamaConfig` (`config.json`), so a parsed `config.json` maps onto it field by field.
 */
export interface LlamaConfig {
  /** Width of the residual stream. */
  readonly hidden_size: number;
  /** Width of the SwiGLU feed-forward block (rows of `gate_proj` and `up_proj`). */
  readonly intermediate_size: number;
  readonly num_hidden_layers: number;
  /** Number of query heads; must divide `hidden_size`. */
  readonly num_attention_heads: number;
  /** Number of key/value heads (grouped-query attention); must divide `num_attention_heads`. */
  readonly num_key_value_heads: number;
  readonly vocab_size: number;
  /** Maximum sequence length in tokens that the model accepts (prompt plus generated tokens). */
  readonly max_position_embeddings: number;
  /** Epsilon of every RMSNorm. */
  readonly rms_norm_eps: number;
  /** Base of the rotary position embedding frequencies. */
  readonly rope_theta: number;
  /** Whether the output classifier reuses the token embedding matrix (no `lm_head.weight`). */
  readonly tie_word_embeddings: boolean;
  readonly bos_token_id: number;
  readonly eos_token_id: number;
}

/** The fields of {@link LlamaConfig} that have no default and must always be given. */
export const REQUIRED_LLAMA_FIELDS = [
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'vocab_size',
] as const;

/** Fields a caller must give to {@link createLlamaConfig}; the others default as in Hugging Face. */
export type LlamaConfigInput = Pick<LlamaConfig, (typeof REQUIRED_LLAMA_FIELDS)[number]> & Partial<LlamaConfig>;

/**
 * Builds a validated {@link LlamaConfig}, filling omitted optional fields with the defaults of
 * Hugging Face transformers' `LlamaConfig`: `num_key_value_heads` = `num_attention_heads`,
 * `max_position_embeddings` 2048, `rms_norm_eps` 1e-6, `rope_theta` 10000,
 * `tie_word_embeddings` false, `bos_token_id` 1, `eos_token_id` 2.
 *
 * @param input The dimension fields, plus any optional fields to override.
 * @returns A frozen config that passed {@link validateLlamaConfig}.
 */
export function createLlamaConfig(input: LlamaConfigInput): LlamaConfig {
  const config: LlamaConfig = {
    hidden_size: input.hidden_size,
    intermediate_size: input.intermediate_size,
    num_hidden_layers: input.num_hidden_layers,
    num_attention_heads: input.num_attention_heads,
    num_key_value_heads: input.num_key_value_heads ?? input.num_attention_heads,
    vocab_size: input.vocab_size,
    max_position_embeddings: input.max_position_embeddings ?? 2048,
    rms_norm_eps: input.rms_norm_eps ?? 1e-6,
    rope_theta: input.rope_theta ?? 10000,
    tie_word_embeddings: input.tie_word_embeddings ?? false,
    bos_token_id: input.bos_token_id ?? 1,
    eos_token_id: input.eos_token_id ?? 2,
  };
  validateLlamaConfig(config);
  return Object.freeze(config);
}

function requirePositiveInteger(config: LlamaConfig, field: keyof LlamaConfig): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`LlamaConfig.${field} must be a positive integer, got ${JSON.stringify(value)}.`);
  }
}

function requireTokenId(config: LlamaConfig, field: 'bos_token_id' | 'eos_token_id'): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= config.vocab_size) {
    throw new ConfigError(
      `LlamaConfig.${field} must be an integer in [0, vocab_size = ${config.vocab_size}), got ${JSON.stringify(value)}.`,
    );
  }
}

function requirePositiveNumber(config: LlamaConfig, field: 'rms_norm_eps' | 'rope_theta'): void {
  const value = config[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`LlamaConfig.${field} must be a positive finite number, got ${JSON.stringify(value)}.`);
  }
}

/**
 * Checks every field of a config and raises a {@link ConfigError} naming the first invalid field.
 *
 * @param config The config to check.
 */
export function validateLlamaConfig(config: LlamaConfig): void {
  const integerFields = [
    'hidden_size',
    'intermediate_size',
    'num_hidden_layers',
    'num_attention_heads',
    'num_key_value_heads',
    'vocab_size',
    'max_position_embeddings',
  ] as const;
  for (const field of integerFields) requirePositiveInteger(config, field);
  requirePositiveNumber(config, 'rms_norm_eps');
  requirePositiveNumber(config, 'rope_theta');
  if (typeof config.tie_word_embeddings !== 'boolean') {
    throw new ConfigError(
      `LlamaConfig.tie_word_embeddings must be true or false, got ${JSON.stringify(config.tie_word_embeddings)}.`,
    );
  }
  requireTokenId(config, 'bos_token_id');
  requireTokenId(config, 'eos_token_id');

  const { hidden_size: hidden, num_attention_heads: heads, num_key_value_heads: kvHeads } = config;
  if (hidden % heads !== 0) {
    throw new ConfigError(
      `LlamaConfig.num_attention_heads ${heads} must divide hidden_size ${hidden}; ` +
        'choose a head count that is a divisor of the hidden size.',
    );
  }
  if (heads % kvHeads !== 0) {
    throw new ConfigError(
      `LlamaConfig.num_key_value_heads ${kvHeads} must divide num_attention_heads ${heads}, ` +
        'because each key/value head serves a whole group of query heads.',
    );
  }
  const headDim = hidden / heads;
  if (headDim % 2 !== 0) {
    throw new ConfigError(
      `LlamaConfig head size hidden_size / num_attention_heads = ${headDim} must be even, ` +
        'because the rotary embedding rotates pairs of dimensions.',
    );
  }
}

/**
 * Returns the size of one attention head, `hidden_size / num_attention_heads`.
 *
 * @param config A validated configuration.
 */
export function llamaHeadDim(config: LlamaConfig): number {
  return config.hidden_size / config.num_attention_heads;
}
