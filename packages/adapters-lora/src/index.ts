/**
 * LoRA and (IA)³ for peftjs. Importing this package registers the `lora` adapter method, so
 * `model.addAdapter(name, LoRAConfig({...}))` works on every model that declares linear sites.
 *
 * @packageDocumentation
 */
import './presets';

export { LoRAConfig, IA3Config, replaceLoRAConfig, loraConfigSchema } from './config';
export type { LoRAConfigType, LoRAConfigInput } from './config';
export { loraMethod } from './lora-method';
export { LoRALayer, type LoRASiteSettings } from './lora-layer';
export { selectLoRASites, matchPatternKey, matchesTargetModules, type SelectedSite, type SiteSelection } from './site-selection';
export { importPeftLoraConfig, exportPeftLoraConfig, isPeftLoraConfig } from './peft-format';
export { importAdapterHubLoraConfig, isAdapterHubLoraConfig } from './adapterhub-format';
