import { PEFT_KEY_PREFIX, type AdaptationSite, type ImportedConfig, type ModelDescription } from '@peftjs/core-tensor';

import { LoRAConfig, loraConfigSchema, type LoRAConfigInput, type LoRAConfigType } from './config';
import { selectLoRASites } from './site-selection';

/** Returns the `config` object of an AdapterHub `adapter_config.json` when it describes LoRA. */
function adapterHubLoraSection(file: Record<string, unknown>): Record<string, unknown> | null {
  const section = file.config;
  if (typeof section !== 'object' || section === null) return null;
  return (section as Record<string, unknown>).architecture === 'lora' ? (section as Record<string, unknown>) : null;
}

/** Returns true when `file` is an AdapterHub LoRA or (IA)³ `adapter_config.json`. */
export function isAdapterHubLoraConfig(file: Record<string, unknown>): boolean {
  return adapterHubLoraSection(file) !== null;
}

/**
 * Finds the site path a saved module path refers to. AdapterHub saves keys relative to its
 * model class (for example with a `bert.` prefix for `BertAdapterModel`), which may differ by a
 * leading segment from the model the adapter is loaded into.
 */
function resolveSitePath(path: string, sitePaths: ReadonlySet<string>): string | null {
  if (sitePaths.has(path)) return path;
  const dot = path.indexOf('.');
  if (dot > 0 && sitePaths.has(path.slice(dot + 1))) return path.slice(dot + 1);
  for (const candidate of sitePaths) {
    if (candidate.endsWith(`.${path}`)) return candidate;
  }
  return null;
}

/**
 * Converts an AdapterHub LoRA/(IA)³ config (`{"config": {...}, "name": ...}`) and maps its tensor
 * keys (`<module>.loras.<name>.lora_A`) to this library's file keys
 * (`base_model.model.<module>.lora_A.weight`). AdapterHub's `lora_A` of an (IA)³ adapter is unused
 * in scale mode and is dropped.
 */
export function importAdapterHubLoraConfig(
  file: Record<string, unknown>,
  context: { sites: readonly AdaptationSite[]; model: ModelDescription },
): ImportedConfig<LoRAConfigType> | null {
  const section = adapterHubLoraSection(file);
  if (section === null) return null;

  const known = new Set(Object.keys(loraConfigSchema.shape));
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (known.has(key) && value !== null) input[key] = value;
  }
  const config = LoRAConfig(input as LoRAConfigInput);
  const { warnings } = selectLoRASites(config, context.sites, context.model);

  const sitePaths = new Set(context.sites.filter((s) => s.kind === 'linear').map((s) => s.path));
  const pattern = /^(.*)\.loras\.[^.]+\.(lora_A|lora_B|gate\.weight|gate\.bias)$/;
  const mapKey = (key: string): string | null => {
    const match = pattern.exec(key);
    if (match === null) return key;
    const [, modulePath, tensor] = match;
    if (tensor === 'lora_A' && config.composition_mode === 'scale') return null;
    const site = resolveSitePath(modulePath, sitePaths) ?? modulePath;
    const suffix = tensor.startsWith('gate.') ? `lora_gate.${tensor.slice('gate.'.length)}` : `${tensor}.weight`;
    return `${PEFT_KEY_PREFIX}${site}.${suffix}`;
  };
  return { config, mapKey, warnings };
}
