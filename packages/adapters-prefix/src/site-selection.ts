import { ConfigError, type AdaptationSite, type AttentionSite, type ModelDescription } from '@peftjs/core-tensor';

import type { PrefixTuningConfigType } from './config';

/** The attention sites a prefix tuning adapter acts at and the shape of its keys and values. */
export interface PrefixSiteSelection {
  /** Selected sites in layer order; the position of a site in this list is its prefix slot. */
  readonly sites: readonly AttentionSite[];
  /** Key/value heads of every selected site (fewer than the query heads with grouped-query attention). */
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  /** Width of the attention input, which the reparametrisation embedding and the gates use. */
  readonly hiddenSize: number;
}

/**
 * Selects the attention sites a prefix tuning config adapts: every attention site of the model
 * outside `leave_out`. Raises a {@link ConfigError} when `leave_out` names a layer the model does
 * not have, when no site remains, or when the sites disagree on key/value heads, head size or
 * hidden size (one prefix module serves all of them).
 *
 * @param config The prefix tuning config.
 * @param sites The model's adaptation sites.
 * @param model Shape facts of the model.
 */
export function selectPrefixSites(
  config: PrefixTuningConfigType,
  sites: readonly AdaptationSite[],
  model: ModelDescription,
): PrefixSiteSelection {
  const badLayers = config.leave_out.filter((i) => i >= model.numLayers);
  if (badLayers.length > 0) {
    throw new ConfigError(
      `leave_out contains layer indices [${badLayers}] but the model has ${model.numLayers} layers (0..${model.numLayers - 1}); remove them.`,
    );
  }

  const attention = sites.filter((s): s is AttentionSite => s.kind === 'attention');
  if (attention.length === 0) {
    throw new ConfigError(
      `This ${model.modelType} model declares no attention sites, so prefix tuning cannot attach to it; use a method that adapts linear or residual sites.`,
    );
  }
  const chosen = attention.filter((site) => !config.leave_out.includes(site.layerIndex));
  if (chosen.length === 0) {
    throw new ConfigError(
      `leave_out [${config.leave_out}] excludes every attention layer of this ${model.modelType} model; leave at least one layer out of it.`,
    );
  }

  const [first] = chosen;
  for (const site of chosen) {
    if (site.numKeyValueHeads !== first.numKeyValueHeads || site.headDim !== first.headDim || site.hiddenSize !== first.hiddenSize) {
      throw new ConfigError(
        `Attention sites ${first.path} and ${site.path} differ in shape (key/value heads ${first.numKeyValueHeads} vs ${site.numKeyValueHeads}, ` +
          `head size ${first.headDim} vs ${site.headDim}, hidden size ${first.hiddenSize} vs ${site.hiddenSize}); ` +
          'one prefix module needs equal shapes. Put the differing layers in leave_out.',
      );
    }
  }
  return { sites: chosen, numKeyValueHeads: first.numKeyValueHeads, headDim: first.headDim, hiddenSize: first.hiddenSize };
}
