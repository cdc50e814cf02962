import {
  InvalidArgumentError,
  deriveSeed,
  registerAdapterMethod,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
  type AdapterPlacement,
  type Module,
  type Parameter,
  type SiteBinding,
} from '@peftjs/core-tensor';

import { exportBottleneckConfig, importAdapterHubBottleneckConfig } from './adapterhub-format';
import { BottleneckAdapter } from './bottleneck-adapter';
import { BnConfig, type BnConfigInput, type BnConfigType } from './config';
import { ParallelBottleneckAdapter } from './parallel-adapter';
import { SharedPHMParameters } from './shared-phm';
import { planBottleneckSites, type BottleneckSitePlan } from './site-plan';

/** Container under the model root that contains each adapter's shared PHM parameters (AdapterHub's name). */
export const SHARED_PARAMETERS_CONTAINER = 'shared_parameters';

/** Container under each residual site's owner that contains the adapters of that site (AdapterHub's name). */
export const ADAPTERS_CONTAINER = 'adapters';

function warningsFor(config: BnConfigType): string[] {
  const warnings: string[] = [];
  if (config.is_parallel && config.original_ln_before) {
    warnings.push('original_ln_before has no effect on a parallel adapter, which always reads the block input; set it to false.');
  }
  if (config.scaling === 0) warnings.push('scaling 0 multiplies the adapter output by zero, so the adapter changes nothing.');
  return warnings;
}

/** Returns the PHM rule parameters of `modules`, which stay frozen when `learn_phm` is false. */
function ruleParameters(modules: readonly Module[]): Parameter[] {
  const rules: Parameter[] = [];
  for (const module of modules) {
    for (const [path, parameter] of module.namedParameters()) {
      if (/(^|\.)phm_rule(_left|_right)?$/.test(path)) rules.push(parameter);
    }
  }
  return rules;
}

function createShared(config: BnConfigType, plans: readonly BottleneckSitePlan[], seed: number): SharedPHMParameters | null {
  if (!config.phm_layer || (!config.shared_phm_rule && !config.shared_W_phm)) return null;
  const { site, width } = plans[0];
  return new SharedPHMParameters(site.hiddenSize, width, config, deriveSeed(seed, SHARED_PARAMETERS_CONTAINER), config.init_weights === 'mam_adapter');
}

/**
 * The bottleneck adapter method (architecture `bottleneck`): sequential, double (Houlsby) and
 * parallel adapters at residual sites, with PHM projections for Compacter and Compacter++. It
 * supports Stack, Average and BatchSplit compositions and cannot merge into base weights, because
 * the non-linearity between its projections is not a change of any one weight.
 */
export const bottleneckMethod: AdapterMethod<BnConfigType> = {
  architecture: 'bottleneck',
  supportedCompositions: ['stack', 'average', 'batch_split'],

  parseConfig(input: unknown): BnConfigType {
    return BnConfig(input as BnConfigInput);
  },

  build(context: AdapterBuildContext<BnConfigType>): AdapterBuild {
    const { name, config, sites, model, seed, root } = context;
    // Every check runs before the first tensor is created, so a rejected config leaks nothing.
    const plans = planBottleneckSites(config, sites, model, name);
    const sharesPHM = config.phm_layer && (config.shared_phm_rule || config.shared_W_phm);
    if (sharesPHM && root === undefined) {
      throw new InvalidArgumentError(
        'Shared PHM parameters live at the model root, but the build context has no root module; add the adapter through the adapter host (model.addAdapter).',
      );
    }

    const created: Module[] = [];
    try {
      const shared = createShared(config, plans, seed);
      const placements: AdapterPlacement[] = [];
      const bindings: SiteBinding[] = [];
      if (shared !== null) {
        created.push(shared);
        placements.push({ ownerPath: '', owner: root!, container: SHARED_PARAMETERS_CONTAINER, module: shared });
      }
      for (const { site, width } of plans) {
        // The seed depends on the site path, not on the adapter name, so two adapters with the
        // same config and seed start identical whatever they are called.
        const siteSeed = deriveSeed(seed, site.path);
        const AdapterClass = config.is_parallel ? ParallelBottleneckAdapter : BottleneckAdapter;
        const adapter = new AdapterClass(config, site.hiddenSize, width, siteSeed, shared);
        created.push(adapter);
        placements.push({ ownerPath: site.path, owner: site.owner, container: ADAPTERS_CONTAINER, module: adapter });
        bindings.push({ site, handler: adapter });
      }
      return {
        placements,
        bindings,
        frozenParameters: config.phm_layer && !config.learn_phm ? ruleParameters(created) : [],
        warnings: warningsFor(config),
      };
    } catch (error) {
      for (const module of created) module.dispose();
      throw error;
    }
  },

  exportConfig: exportBottleneckConfig,

  importConfig: importAdapterHubBottleneckConfig,
};

registerAdapterMethod(bottleneckMethod, { replace: true });
