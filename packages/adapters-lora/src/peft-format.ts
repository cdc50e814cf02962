import { ConfigError, type AdaptationSite, type ImportedConfig, type ModelDescription } from '@peftjs/core-tensor';

import { LoRAConfig, type LoRAConfigInput, type LoRAConfigType } from './config';
import { selectLoRASites } from './site-selection';

/** Keys of PEFT's `LoraConfig` that peftjs reads; every other key is ignored. */
const PEFT_KEYS = [
  'r',
  'lora_alpha',
  'lora_dropout',
  'target_modules',
  'init_lora_weights',
  'use_rslora',
  'rank_pattern',
  'alpha_pattern',
  'layers_to_transform',
  'bias',
  'fan_in_fan_out',
  'use_dora',
] as const;

/** Returns true when `file` is a PEFT LoRA `adapter_config.json`. */
export function isPeftLoraConfig(file: Record<string, unknown>): boolean {
  return file.peft_type === 'LORA';
}

/**
 * Converts a PEFT `LoraConfig` JSON into a LoRA config. Unknown keys are ignored; features this
 * library cannot run (trained biases, DoRA, GPT-2's transposed `fan_in_fan_out` layout) raise a
 * {@link ConfigError} naming the key.
 */
export function importPeftLoraConfig(
  file: Record<string, unknown>,
  context: { sites: readonly AdaptationSite[]; model: ModelDescription },
): ImportedConfig<LoRAConfigType> {
  const value = (key: (typeof PEFT_KEYS)[number]) => file[key];

  if (value('bias') !== undefined && value('bias') !== 'none') {
    throw new ConfigError(`PEFT config has bias ${JSON.stringify(value('bias'))}; only "none" is supported (trained biases are not).`);
  }
  if (value('use_dora') === true) throw new ConfigError('PEFT config has use_dora true; DoRA is not supported.');
  if (value('fan_in_fan_out') === true) {
    throw new ConfigError('PEFT config has fan_in_fan_out true (GPT-2 Conv1D layout); only [out, in] linear weights are supported.');
  }

  const input: Record<string, unknown> = {};
  if (value('r') !== undefined) input.r = value('r');
  if (value('lora_alpha') !== undefined) input.alpha = value('lora_alpha');
  if (value('lora_dropout') !== undefined) input.dropout = value('lora_dropout');
  if (value('use_rslora') !== undefined) input.use_rslora = value('use_rslora');
  if (value('rank_pattern') != null) input.rank_pattern = value('rank_pattern');
  if (value('alpha_pattern') != null) input.alpha_pattern = value('alpha_pattern');

  // PEFT's default targets for Llama and BERT are the query and value projections, which is
  // also this library's default (`selfattn_lora` with q and v), so a missing list maps to it.
  const targets = value('target_modules');
  if (targets != null) input.target_modules = targets;

  const init = value('init_lora_weights');
  if (init === 'gaussian') input.init_weights = 'gaussian';
  else if (init === true || init === undefined || init === false) input.init_weights = 'lora';
  else throw new ConfigError(`PEFT init_lora_weights ${JSON.stringify(init)} is not supported; use true, false or "gaussian".`);

  const layers = value('layers_to_transform');
  if (layers != null) {
    const keep = new Set(Array.isArray(layers) ? layers : [layers]);
    input.leave_out = Array.from({ length: context.model.numLayers }, (_, i) => i).filter((i) => !keep.has(i));
  }

  const config = LoRAConfig(input as LoRAConfigInput);
  const { warnings } = selectLoRASites(config, context.sites, context.model);
  return { config, warnings };
}

/**
 * Returns PEFT `LoraConfig` fields for a LoRA config, so PEFT can load the saved adapter:
 * `target_modules` lists the exact module paths adapted on this model.
 */
export function exportPeftLoraConfig(
  config: LoRAConfigType,
  context: { sites: readonly AdaptationSite[]; model: ModelDescription },
): Record<string, unknown> {
  if (config.composition_mode === 'scale' || config.use_gating) {
    // PEFT's IA3 scales the input of feed-forward layers rather than their output, and PEFT has
    // no gated LoRA, so these adapters are described only by `peftjs_config`.
    return {};
  }
  const { sites } = selectLoRASites(config, context.sites, context.model);
  return {
    peft_type: 'LORA',
    task_type: null,
    r: config.r,
    lora_alpha: config.alpha,
    lora_dropout: config.dropout,
    target_modules: sites.map((s) => s.site.path),
    bias: 'none',
    fan_in_fan_out: false,
    init_lora_weights: config.init_weights === 'gaussian' ? 'gaussian' : true,
    use_rslora: config.use_rslora,
    rank_pattern: config.rank_pattern,
    alpha_pattern: config.alpha_pattern,
    layers_to_transform: null,
    modules_to_save: null,
    inference_mode: true,
    base_model_name_or_path: null,
  };
}
