export {
  createLlamaConfig,
  validateLlamaConfig,
  llamaHeadDim,
  REQUIRED_LLAMA_FIELDS,
  type LlamaConfig,
  type LlamaConfigInput,
} from './config';
export { llamaConfigFromJson, llamaConfigToJson } from './hf-config';
export { LlamaForCausalLM, type LlamaModelOptions } from './causal-lm';
export { LlamaForSequenceClassification, type LlamaSequenceClassificationOptions } from './sequence-classification';
export { LlamaModel, type LlamaForwardOptions } from './llama-model';
export { LlamaDecoderLayer, ResidualAdapterSlot } from './decoder-layer';
export { LlamaAttention, type AttentionContext } from './attention';
export { LlamaMLP } from './mlp';
export { LlamaKVCache } from './kv-cache';
export { RotaryEmbedding } from './rotary';
export { loadHuggingFaceLlama, saveHuggingFaceLlama, llamaParameterShapes } from './hf-checkpoint';

export * from '../llama2c';
export * from '../generation';
export * from '../hf';
export * from '../data';
