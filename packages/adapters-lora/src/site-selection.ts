import { ConfigError, type AdaptationSite, type LinearSite, type ModelDescription } from '@peftjs/core-tensor';

import type { LoRAConfigType } from './config';
import type { LoRASiteSettings } from './lora-layer';

/** Linear sites a LoRA config selects, with each site's resolved rank, alpha and scaling. */
export interface SelectedSite {
  readonly site: LinearSite;
  readonly settings: LoRASiteSettings;
}

/** The result of {@link selectLoRASites}: the sites and problems worth a warning. */
export interface SiteSelection {
  readonly sites: SelectedSite[];
  readonly warnings: string[];
}

/** Returns true when `path` is selected by PEFT-style `target_modules`. */
export function matchesTargetModules(path: string, targets: readonly string[] | string): boolean {
  if (typeof targets === 'string') return new RegExp(`^(?:${targets})$`).test(path);
  return targets.some((name) => path === name || path.endsWith(`.${name}`));
}

/**
 * Returns the first key of a PEFT `rank_pattern` / `alpha_pattern` that matches `path`: a key
 * matches when it is a regular expression matching the whole path or a dotted suffix of it.
 */
export function matchPatternKey(path: string, keys: readonly string[]): string | undefined {
  return keys.find((key) => new RegExp(`^(?:.*\\.)?(?:${key})$`).test(path));
}

function locationSelects(config: LoRAConfigType, site: LinearSite): boolean {
  switch (site.location) {
    case 'selfattn':
      return config.selfattn_lora && (config.attn_matrices as readonly string[]).includes(site.matrix);
    case 'intermediate':
      return config.intermediate_lora;
    case 'output':
      return config.output_lora;
  }
}

/**
 * Selects the linear sites a LoRA config adapts on a model and resolves rank and alpha per site.
 * Raises a {@link ConfigError} when `leave_out` names a layer the model does not have or when
 * nothing is selected; reports pattern keys that match no selected module and ranks larger than
 * a matrix dimension as warnings.
 */
export function selectLoRASites(
  config: LoRAConfigType,
  sites: readonly AdaptationSite[],
  model: ModelDescription,
): SiteSelection {
  const badLayers = config.leave_out.filter((i) => i >= model.numLayers);
  if (badLayers.length > 0) {
    throw new ConfigError(
      `leave_out contains layer indices [${badLayers}] but the model has ${model.numLayers} layers (0..${model.numLayers - 1}); remove them.`,
    );
  }

  const linear = sites.filter((s): s is LinearSite => s.kind === 'linear');
  const chosen = linear.filter(
    (site) =>
      !config.leave_out.includes(site.layerIndex) &&
      (config.target_modules === null ? locationSelects(config, site) : matchesTargetModules(site.path, config.target_modules)),
  );
  if (chosen.length === 0) {
    const how =
      config.target_modules === null
        ? `selfattn_lora=${config.selfattn_lora} (attn_matrices [${config.attn_matrices}]), intermediate_lora=${config.intermediate_lora}, output_lora=${config.output_lora}`
        : `target_modules ${JSON.stringify(config.target_modules)}`;
    throw new ConfigError(
      `The LoRA config selects no linear layer of this ${model.modelType} model (${how}, leave_out [${config.leave_out}]). ` +
        `Linear layers are for example: ${linear.slice(0, 4).map((s) => s.path).join(', ')}.`,
    );
  }

  const rankKeys = Object.keys(config.rank_pattern);
  const alphaKeys = Object.keys(config.alpha_pattern);
  const usedRank = new Set<string>();
  const usedAlpha = new Set<string>();
  const warnings: string[] = [];

  const selected = chosen.map((site) => {
    const rankKey = matchPatternKey(site.path, rankKeys);
    const alphaKey = matchPatternKey(site.path, alphaKeys);
    if (rankKey !== undefined) usedRank.add(rankKey);
    if (alphaKey !== undefined) usedAlpha.add(alphaKey);
    // (IA)³ learns one vector per layer, so its rank is always 1.
    let r = config.r;
    if (config.composition_mode === 'scale') r = 1;
    else if (rankKey !== undefined) r = config.rank_pattern[rankKey];
    const alpha = alphaKey !== undefined ? config.alpha_pattern[alphaKey] : config.alpha;
    const scaling = config.use_rslora ? alpha / Math.sqrt(r) : alpha / r;

    const { inFeatures, outFeatures } = site.linear;
    if (config.composition_mode === 'add' && r > Math.min(inFeatures, outFeatures)) {
      warnings.push(
        `r = ${r} at ${site.path} exceeds the smaller dimension of its ${outFeatures}×${inFeatures} weight, ` +
          `so the update cannot use the extra rank; use r ≤ ${Math.min(inFeatures, outFeatures)}.`,
      );
    }
    return { site, settings: { r, alpha, scaling } };
  });

  for (const key of rankKeys.filter((k) => !usedRank.has(k))) {
    warnings.push(`rank_pattern key ${JSON.stringify(key)} matches no adapted module; it has no effect.`);
  }
  for (const key of alphaKeys.filter((k) => !usedAlpha.has(k))) {
    warnings.push(`alpha_pattern key ${JSON.stringify(key)} matches no adapted module; it has no effect.`);
  }
  return { sites: selected, warnings };
}
