import {
  InvalidArgumentError,
  deriveSeed,
  registerAdapterMethod,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
  type AdapterPlacement,
  type SiteBinding,
} from '@peftjs/core-tensor';

import { PrefixTuningConfig, type PrefixTuningConfigInput, type PrefixTuningConfigType } from './config';
import { FlatPrefixTuning } from './flat-prefix-tuning';
import { PrefixTuningLayer } from './prefix-layer';
import type { PrefixShape, PrefixSource } from './prefix-source';
import { PrefixTuning } from './prefix-tuning';
import { selectPrefixSites } from './site-selection';

/** Container of the model-level prefix modules, AdapterHub's `prefix_tunings`. */
export const PREFIX_CONTAINER = 'prefix_tunings';
/** Container of the per-layer gates, AdapterHub's `prefix_gates`. */
export const PREFIX_GATE_CONTAINER = 'prefix_gates';

/** Builds the model-level prefix module a config describes. */
export function createPrefixSource(config: PrefixTuningConfigType, shape: PrefixShape, hiddenSize: number, seed: number): PrefixSource {
  return config.flat
    ? new FlatPrefixTuning(shape, config.dropout, seed)
    : new PrefixTuning(shape, hiddenSize, config.bottleneck_size, config.non_linearity, config.dropout, seed);
}

/**
 * The prefix tuning adapter method (architecture `prefix_tuning`). It acts at attention sites
 * only, supports Stack compositions (stacked prefixes are concatenated), and cannot be merged into
 * the base weights because prefixes are extra keys and values rather than a weight change.
 */
export const prefixTuningMethod: AdapterMethod<PrefixTuningConfigType> = {
  architecture: 'prefix_tuning',
  supportedCompositions: ['stack'],

  parseConfig(input: unknown): PrefixTuningConfigType {
    return PrefixTuningConfig(input as PrefixTuningConfigInput);
  },

  build(context: AdapterBuildContext<PrefixTuningConfigType>): AdapterBuild {
    const { config, sites, model, seed, root, name } = context;
    if (root === undefined) {
      throw new InvalidArgumentError(
        'Prefix tuning places its prefix module at the model root, but the build context has no `root`; add the adapter through model.addAdapter.',
      );
    }
    const selection = selectPrefixSites(config, sites, model);
    const shape: PrefixShape = {
      prefixLength: config.prefix_length,
      numLayers: selection.sites.length,
      numKeyValueHeads: selection.numKeyValueHeads,
      headDim: selection.headDim,
    };
    const source = createPrefixSource(config, shape, selection.hiddenSize, deriveSeed(seed, PREFIX_CONTAINER));

    const placements: AdapterPlacement[] = [{ ownerPath: '', owner: root, container: PREFIX_CONTAINER, module: source }];
    const bindings: SiteBinding[] = [];
    selection.sites.forEach((site, slot) => {
      const layer = new PrefixTuningLayer(site, source, slot, {
        adapterName: name,
        useGating: config.use_gating,
        sharedGating: config.shared_gating,
        // Seeds depend on the site path, not on the adapter name, so equal configs start equal.
        seed: deriveSeed(seed, site.path),
      });
      if (layer.gate !== null) placements.push({ ownerPath: site.path, owner: site.owner, container: PREFIX_GATE_CONTAINER, module: layer.gate });
      bindings.push({ site, handler: layer });
    });
    return { placements, bindings };
  },
};

registerAdapterMethod(prefixTuningMethod, { replace: true });
