import { ConfigError } from '@peftjs/core-tensor';

import { createLlamaConfig, llamaHeadDim, REQUIRED_LLAMA_FIELDS, type LlamaConfig, type LlamaConfigInput } from './config';

const OPTIONAL_NUMBER_FIELDS = [
  'num_key_value_heads',
  'max_position_embeddings',
  'rms_norm_eps',
  'rope_theta',
  'bos_token_id',
  'eos_token_id',
] as const;

/**
 * Builds a {@link LlamaConfig} from a parsed Hugging Face `config.json`. Keys this model does not
 * use (`torch_dtype`, `initializer_range`, `pretraining_tp`, …) are ignored; omitted optional
 * fields take Hugging Face's defaults. A list-valued `eos_token_id` (Llama 3) contributes its
 * first id.
 *
 * @param json The parsed `config.json` object.
 * @param source Where the JSON came from, for error messages.
 * @throws ConfigError for missing required fields, invalid values, or features this
 *   implementation does not support (another `model_type`, `hidden_act` other than `silu`,
 *   biases, `rope_scaling`, a `head_dim` other than `hidden_size / num_attention_heads`).
 */
export function llamaConfigFromJson(json: Record<string, unknown>, source = 'config.json'): LlamaConfig {
  const missing = REQUIRED_LLAMA_FIELDS.filter((field) => json[field] === undefined || json[field] === null);
  if (missing.length > 0) {
    throw new ConfigError(
      `${source} is missing the required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        'a Llama config.json must give every model dimension.',
    );
  }
  rejectUnsupported(json, source);

  const input: Record<string, unknown> = {};
  for (const field of REQUIRED_LLAMA_FIELDS) input[field] = json[field];
  for (const field of OPTIONAL_NUMBER_FIELDS) {
    let value = json[field];
    if (field === 'eos_token_id' && Array.isArray(value)) value = value[0];
    if (value !== undefined && value !== null) input[field] = value;
  }
  if (json.tie_word_embeddings !== undefined) input.tie_word_embeddings = json.tie_word_embeddings;

  let config: LlamaConfig;
  try {
    config = createLlamaConfig(input as unknown as LlamaConfigInput);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${source}: ${error.message}`);
    throw error;
  }
  const headDim = json.head_dim;
  if (headDim !== undefined && headDim !== null && headDim !== llamaHeadDim(config)) {
    throw new ConfigError(
      `${source} sets head_dim = ${JSON.stringify(headDim)}, but this implementation requires ` +
        `head_dim = hidden_size / num_attention_heads = ${llamaHeadDim(config)}.`,
    );
  }
  return config;
}

function rejectUnsupported(json: Record<string, unknown>, source: string): void {
  if (json.model_type !== undefined && json.model_type !== 'llama') {
    throw new ConfigError(`${source} has model_type ${JSON.stringify(json.model_type)}; expected "llama".`);
  }
  if (json.hidden_act !== undefined && json.hidden_act !== 'silu') {
    throw new ConfigError(
      `${source} has hidden_act ${JSON.stringify(json.hidden_act)}; Llama models here use "silu" (SwiGLU).`,
    );
  }
  for (const field of ['attention_bias', 'mlp_bias']) {
    if (json[field] === true) {
      throw new ConfigError(`${source} sets ${field}: true; biases in Llama projections are not supported.`);
    }
  }
  if (json.rope_scaling !== undefined && json.rope_scaling !== null) {
    throw new ConfigError(
      `${source} sets rope_scaling ${JSON.stringify(json.rope_scaling)}; scaled rotary embeddings are not supported.`,
    );
  }
}

/**
 * Returns the Hugging Face `config.json` object of a config, with the fixed fields transformers
 * expects for a float32 `LlamaForCausalLM`.
 *
 * @param config The model configuration.
 */
export function llamaConfigToJson(config: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
    rope_scaling: null,
    head_dim: llamaHeadDim(config),
    torch_dtype: 'float32',
    ...config,
  };
}
