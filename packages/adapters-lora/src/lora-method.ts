import {
  deriveSeed,
  registerAdapterMethod,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
  type AdapterPlacement,
  type SiteBinding,
} from '@peftjs/core-tensor';

import { importAdapterHubLoraConfig } from './adapterhub-format';
import { LoRAConfig, type LoRAConfigInput, type LoRAConfigType } from './config';
import { LoRALayer } from './lora-layer';
import { loraMergeSupport } from './merge';
import { exportPeftLoraConfig, importPeftLoraConfig, isPeftLoraConfig } from './peft-format';
import { selectLoRASites } from './site-selection';

/**
 * The LoRA adapter method (architecture `lora`), which also runs (IA)³ through
 * `composition_mode: "scale"`. It adapts linear sites only, supports Stack, Average and BatchSplit
 * compositions, and merges into the base weights unless gating is on.
 */
export const loraMethod: AdapterMethod<LoRAConfigType> = {
  architecture: 'lora',
  supportedCompositions: ['stack', 'average', 'batch_split'],

  parseConfig(input: unknown): LoRAConfigType {
    return LoRAConfig(input as LoRAConfigInput);
  },

  build(context: AdapterBuildContext<LoRAConfigType>): AdapterBuild {
    const { config, sites, model, seed } = context;
    const selection = selectLoRASites(config, sites, model);

    const layers: LoRALayer[] = [];
    const placements: AdapterPlacement[] = [];
    const bindings: SiteBinding[] = [];
    for (const { site, settings } of selection.sites) {
      // The seed depends on the site path, not on the adapter name, so two adapters with the
      // same config and seed start identical whatever they are called.
      const layer = new LoRALayer(site, config, settings, deriveSeed(seed, site.path));
      layers.push(layer);
      for (const [container, module] of layer.modules()) {
        placements.push({ ownerPath: site.path, owner: site.linear, container, module });
      }
      bindings.push({ site, handler: layer });
    }

    return {
      placements,
      bindings,
      // A gate depends on the input, so a gated update is not a fixed weight and cannot be merged.
      merge: config.use_gating ? undefined : loraMergeSupport(context.name, layers),
      warnings: selection.warnings,
    };
  },

  exportConfig: exportPeftLoraConfig,

  importConfig(file, context) {
    if (isPeftLoraConfig(file)) return importPeftLoraConfig(file, context);
    return importAdapterHubLoraConfig(file, context);
  },
};

registerAdapterMethod(loraMethod, { replace: true });
