import { InvalidArgumentError } from '@peftjs/core-tensor';
import type * as tf from '@tensorflow/tfjs';

import {
  checkCheckpointTensors,
  CONFIG_FILE,
  joinFilePath,
  loadCheckpointIntoModule,
  readCheckpointIndex,
  readJsonObject,
  writeHuggingFaceCheckpoint,
  type CheckpointMatchOptions,
} from '../hf';
import { LlamaForCausalLM } from './causal-lm';
import { llamaHeadDim, type LlamaConfig } from './config';
import { llamaConfigFromJson, llamaConfigToJson } from './hf-config';

/**
 * Returns the name and shape of every weight of a `LlamaForCausalLM` checkpoint with this config,
 * in Hugging Face's naming. `lm_head.weight` is present only when the embedding is not tied.
 *
 * @param config The model configuration.
 */
export function llamaParameterShapes(config: LlamaConfig): Map<string, number[]> {
  const hidden = config.hidden_size;
  const kvWidth = config.num_key_value_heads * llamaHeadDim(config);
  const intermediate = config.intermediate_size;
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [config.vocab_size, hidden]);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const prefix = `model.layers.${i}`;
    shapes.set(`${prefix}.self_attn.q_proj.weight`, [hidden, hidden]);
    shapes.set(`${prefix}.self_attn.k_proj.weight`, [kvWidth, hidden]);
    shapes.set(`${prefix}.self_attn.v_proj.weight`, [kvWidth, hidden]);
    shapes.set(`${prefix}.self_attn.o_proj.weight`, [hidden, hidden]);
    shapes.set(`${prefix}.mlp.gate_proj.weight`, [intermediate, hidden]);
    shapes.set(`${prefix}.mlp.up_proj.weight`, [intermediate, hidden]);
    shapes.set(`${prefix}.mlp.down_proj.weight`, [hidden, intermediate]);
    shapes.set(`${prefix}.input_layernorm.weight`, [hidden]);
    shapes.set(`${prefix}.post_attention_layernorm.weight`, [hidden]);
  }
  shapes.set('model.norm.weight', [hidden]);
  if (!config.tie_word_embeddings) shapes.set('lm_head.weight', [config.vocab_size, hidden]);
  return shapes;
}

/**
 * Checkpoint tensors the loader skips: the rotary `inv_freq` buffers that older transformers
 * versions saved, and `lm_head.weight` of a tied model (transformers ties it to the embedding).
 */
function ignoredTensor(config: LlamaConfig): (name: string) => boolean {
  return (name) => name.endsWith('.rotary_emb.inv_freq') || (config.tie_word_embeddings && name === 'lm_head.weight');
}

/**
 * Loads a Hugging Face Llama model directory: `config.json` and either `model.safetensors` or
 * the shards of `model.safetensors.index.json` (Node only). Every weight is checked by name and
 * shape against the config before any data is read. F16 and BF16 weights load as float32.
 *
 * @param directory The model directory.
 * @returns A model in evaluation mode; the caller owns it and must `dispose()` it.
 * @throws ConfigError when config.json lacks a required field, has an invalid value or requests
 *   an unsupported feature.
 * @throws CheckpointFormatError for a missing checkpoint, missing or unexpected tensors, or a
 *   malformed file.
 * @throws ShapeMismatchError when a tensor's shape does not fit the config.
 */
export async function loadHuggingFaceLlama(directory: string): Promise<LlamaForCausalLM> {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new InvalidArgumentError(`The model directory must be a non-empty path, got ${JSON.stringify(directory)}.`);
  }
  const configPath = joinFilePath(directory, CONFIG_FILE);
  const config = llamaConfigFromJson(await readJsonObject(configPath, 'model config'), configPath);
  const index = await readCheckpointIndex(directory);
  const expected = llamaParameterShapes(config);
  const options: CheckpointMatchOptions = { ignore: ignoredTensor(config), source: directory };
  checkCheckpointTensors(index, expected, options);

  const model = new LlamaForCausalLM(config);
  try {
    await loadCheckpointIntoModule(model, index, expected, options);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model.eval();
}

/**
 * Saves a model as a Hugging Face Llama directory (`config.json` and a float32
 * `model.safetensors`) that transformers' `LlamaForCausalLM.from_pretrained` and
 * {@link loadHuggingFaceLlama} read (Node only). Each file is written atomically.
 *
 * Only the base weights are saved: adapter parameters are left out, so merge an adapter first
 * (or save it separately) to keep its effect.
 *
 * @param model The model to save; not modified.
 * @param directory Destination directory, created if missing. Existing files are replaced.
 */
export async function saveHuggingFaceLlama(model: LlamaForCausalLM, directory: string): Promise<void> {
  if (!(model instanceof LlamaForCausalLM)) {
    throw new InvalidArgumentError('saveHuggingFaceLlama expects a LlamaForCausalLM.');
  }
  const parameters = model.namedParameters();
  const tensors = new Map<string, tf.Tensor>();
  for (const name of llamaParameterShapes(model.config).keys()) {
    tensors.set(name, parameters.get(name)!.value);
  }
  await writeHuggingFaceCheckpoint(directory, llamaConfigToJson(model.config), tensors);
}
