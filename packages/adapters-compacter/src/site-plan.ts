import { ConfigError, InvalidArgumentError, type AdaptationSite, type ModelDescription, type ResidualSite } from '@peftjs/core-tensor';

import type { BnConfigType } from './config';
import { checkPHMDimensions } from './phm-layer';

/** Bottleneck narrower than this squeeze the adapter's contribution to (almost) nothing. */
export const MIN_BOTTLENECK_WIDTH = 2;

/** A residual site a bottleneck config adapts, with its resolved reduction factor and width. */
export interface BottleneckSitePlan {
  readonly site: ResidualSite;
  readonly reductionFactor: number;
  /** `floor(hiddenSize / reductionFactor)`, as AdapterHub's `input_size // reduction_factor`. */
  readonly width: number;
}

/**
 * Returns the index of the projection inside `adapter_down`. AdapterHub's `nn.Sequential` puts
 * the `ln_before` LayerNorm first, so the projection is `adapter_down.1` then.
 *
 * @param config The adapter config.
 */
export function downProjectionIndex(config: BnConfigType): '0' | '1' {
  return config.ln_before ? '1' : '0';
}

/**
 * Returns the reduction factor of layer `layerIndex`: the number, the map's entry for the layer,
 * or the map's `default`. Raises a {@link ConfigError} naming the layer when the map has neither.
 *
 * @param config A validated config.
 * @param layerIndex Index of the transformer block.
 */
export function reductionFactorOf(config: BnConfigType, layerIndex: number): number {
  const factor = config.reduction_factor;
  if (typeof factor === 'number') return factor;
  const value = factor[String(layerIndex)] ?? factor.default;
  if (value === undefined) {
    throw new ConfigError(
      `reduction_factor ${JSON.stringify(factor)} has no entry for layer ${layerIndex} and no "default"; ` +
        `add "${layerIndex}": <factor> or "default": <factor>.`,
    );
  }
  return value;
}

/**
 * Returns the integer reduction factor closest to `requested` whose bottleneck is at least
 * {@link MIN_BOTTLENECK_WIDTH} wide and, for PHM layers, divisible by `phmDim`, or null when
 * none exists. On a tie the larger factor (the smaller adapter) wins.
 *
 * @param hiddenSize Width of the residual stream, a positive integer.
 * @param requested The reduction factor that did not work, a positive number.
 * @param phmDim `phm_dim` for PHM layers, or null for linear projections.
 */
export function suggestReductionFactor(hiddenSize: number, requested: number, phmDim: number | null): number | null {
  if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) {
    throw new InvalidArgumentError(`suggestReductionFactor: hiddenSize must be a positive integer, got ${hiddenSize}.`);
  }
  if (!(requested > 0)) throw new InvalidArgumentError(`suggestReductionFactor: requested must be a positive number, got ${requested}.`);
  if (phmDim !== null && (!Number.isInteger(phmDim) || phmDim <= 0)) {
    throw new InvalidArgumentError(`suggestReductionFactor: phmDim must be a positive integer or null, got ${phmDim}.`);
  }
  if (phmDim !== null && hiddenSize % phmDim !== 0) return null;
  let best: number | null = null;
  for (let factor = 1; factor <= hiddenSize; factor++) {
    const width = Math.floor(hiddenSize / factor);
    if (width < MIN_BOTTLENECK_WIDTH || (phmDim !== null && width % phmDim !== 0)) continue;
    const distance = Math.abs(factor - requested);
    if (best === null || distance < Math.abs(best - requested) || (distance === Math.abs(best - requested) && factor > best)) {
      best = factor;
    }
  }
  return best;
}

/** Returns e.g. `16 (width 2)` for a factor that works, or null when none does. */
function describeFactor(hiddenSize: number, requested: number, phmDim: number | null): string | null {
  const factor = suggestReductionFactor(hiddenSize, requested, phmDim);
  if (factor === null) return null;
  const width = Math.floor(hiddenSize / factor);
  return `${factor} (width ${width}${phmDim === null ? '' : `, divisible by phm_dim ${phmDim}`})`;
}

function checkLayerIndices(config: BnConfigType, model: ModelDescription): void {
  const badLeaveOut = config.leave_out.filter((i) => i >= model.numLayers);
  if (badLeaveOut.length > 0) {
    throw new ConfigError(
      `leave_out contains layer indices [${badLeaveOut}] but the model has ${model.numLayers} layers (0..${model.numLayers - 1}); remove them.`,
    );
  }
  if (typeof config.reduction_factor === 'object') {
    const badKeys = Object.keys(config.reduction_factor).filter((key) => key !== 'default' && Number(key) >= model.numLayers);
    if (badKeys.length > 0) {
      throw new ConfigError(
        `reduction_factor has entries for layers [${badKeys}] but the model has ${model.numLayers} layers (0..${model.numLayers - 1}); remove them.`,
      );
    }
  }
}

function checkWidth(plan: BottleneckSitePlan, config: BnConfigType): void {
  const { site, reductionFactor, width } = plan;
  if (width >= MIN_BOTTLENECK_WIDTH) return;
  const phmDim = config.phm_layer ? config.phm_dim : null;
  const factor = describeFactor(site.hiddenSize, reductionFactor, phmDim);
  throw new ConfigError(
    `The bottleneck at ${site.path} would be ${width} wide: hidden size ${site.hiddenSize} / reduction_factor ${reductionFactor}, ` +
      `rounded down. A width below ${MIN_BOTTLENECK_WIDTH} squeezes the adapter's contribution to almost nothing. ` +
      (factor === null ? 'Use a smaller reduction_factor.' : `Use a smaller reduction_factor, for example ${factor}.`),
  );
}

function checkPHM(plan: BottleneckSitePlan, config: BnConfigType, adapterName: string): void {
  const { site, reductionFactor, width } = plan;
  const prefix = `${site.path}.adapters.${adapterName}`;
  try {
    checkPHMDimensions(site.hiddenSize, width, config.phm_dim, `${prefix}.adapter_down.${downProjectionIndex(config)}`);
    checkPHMDimensions(width, site.hiddenSize, config.phm_dim, `${prefix}.adapter_up`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const factor = describeFactor(site.hiddenSize, reductionFactor, config.phm_dim);
    const alternative = factor === null ? '' : ` Or keep phm_dim ${config.phm_dim} and use reduction_factor ${factor}.`;
    throw new ConfigError(`${error.message}${alternative}`);
  }
}

/**
 * Selects the residual sites a bottleneck config adapts (`mh_adapter` and `output_adapter`
 * locations, minus `leave_out`) and resolves each site's reduction factor and bottleneck width.
 * Raises a {@link ConfigError} before anything is built when the model has no residual site,
 * when a layer index is out of range, when a bottleneck is narrower than
 * {@link MIN_BOTTLENECK_WIDTH}, or when `phm_dim` does not divide a PHM layer's sizes.
 *
 * @param config A validated bottleneck config.
 * @param sites The model's adaptation sites.
 * @param model Shape facts of the model.
 * @param adapterName Name of the adapter, used to name layers in messages.
 */
export function planBottleneckSites(
  config: BnConfigType,
  sites: readonly AdaptationSite[],
  model: ModelDescription,
  adapterName: string,
): BottleneckSitePlan[] {
  const residual = sites.filter((s): s is ResidualSite => s.kind === 'residual');
  if (residual.length === 0) {
    throw new ConfigError(
      `This ${model.modelType} model declares no residual sites, so bottleneck adapters cannot attach to it; ` +
        'use a model whose blocks expose residual sites (for example Llama or BERT from @peftjs/models).',
    );
  }
  checkLayerIndices(config, model);

  const chosen = residual.filter(
    (site) =>
      !config.leave_out.includes(site.layerIndex) &&
      ((site.location === 'mh_adapter' && config.mh_adapter) || (site.location === 'output_adapter' && config.output_adapter)),
  );
  if (chosen.length === 0) {
    throw new ConfigError(
      `The bottleneck config selects no residual site of this ${model.modelType} model ` +
        `(mh_adapter=${config.mh_adapter}, output_adapter=${config.output_adapter}, leave_out [${config.leave_out}]); ` +
        'enable a location or leave out fewer layers.',
    );
  }

  const plans = chosen.map((site) => {
    const reductionFactor = reductionFactorOf(config, site.layerIndex);
    return { site, reductionFactor, width: Math.floor(site.hiddenSize / reductionFactor) };
  });
  for (const plan of plans) {
    checkWidth(plan, config);
    if (config.phm_layer) checkPHM(plan, config, adapterName);
  }
  if (config.phm_layer && config.shared_W_phm && new Set(plans.map((p) => `${p.site.hiddenSize}:${p.width}`)).size > 1) {
    throw new ConfigError(
      'shared_W_phm shares one down and one up weight across layers, but the adapted layers have different hidden sizes or widths ' +
        `(${[...new Set(plans.map((p) => `${p.site.hiddenSize}→${p.width}`))].join(', ')}); set shared_W_phm to false.`,
    );
  }
  return plans;
}
