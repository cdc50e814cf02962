import { InvalidArgumentError, type AdaptationSite, type AdapterConfig, type ModelDescription } from '@peftjs/core-tensor';

/** The parts of a model that sizing reads: its shape facts and its adaptation sites. */
export interface SizingModel {
  describe(): ModelDescription;
  adaptationSites(): readonly AdaptationSite[];
}

/** A config resized to a model, and one sentence per change. */
export interface SizedConfig<C = AdapterConfig> {
  readonly config: C;
  readonly changes: string[];
}

/** Narrowest bottleneck the harness accepts: narrower ones squeeze an adapter's effect to almost nothing. */
export const MIN_BOTTLENECK_WIDTH = 4;

/** AdapterHub's default `phm_dim`, used when a PHM config leaves the field out. */
const DEFAULT_PHM_DIM = 4;

type PlainConfig = Record<string, unknown>;

/** Returns the smallest `min(in, out)` over the model's linear sites, or null without linear sites. */
export function smallestLinearDimension(sites: readonly AdaptationSite[]): number | null {
  const dims = sites.filter((site) => site.kind === 'linear').map((site) => Math.min(site.linear.inFeatures, site.linear.outFeatures));
  return dims.length === 0 ? null : Math.min(...dims);
}

/** Returns the largest `min(in, out)` over the model's linear sites, or null without linear sites. */
export function largestLinearDimension(sites: readonly AdaptationSite[]): number | null {
  const dims = sites.filter((site) => site.kind === 'linear').map((site) => Math.min(site.linear.inFeatures, site.linear.outFeatures));
  return dims.length === 0 ? null : Math.max(...dims);
}

function usesPhm(config: PlainConfig): boolean {
  return config.phm_layer === true;
}

/** Largest divisor of `hidden` that is at least 2 and at most `phmDim`, or null. */
function dividingPhmDim(hidden: number, phmDim: number): number | null {
  for (let d = Math.floor(phmDim); d >= 2; d--) if (hidden % d === 0) return d;
  return null;
}

function widthFits(width: number, phmDim: number | null): boolean {
  return width >= MIN_BOTTLENECK_WIDTH && (phmDim === null || width % phmDim === 0);
}

/** Returns the largest factor ≤ `factor` whose width fits, or null when none does. */
function fittingFactor(hidden: number, factor: number, phmDim: number | null): number | null {
  if (widthFits(Math.floor(hidden / factor), phmDim)) return factor;
  for (let candidate = Math.min(Math.floor(factor), hidden); candidate >= 1; candidate--) {
    if (widthFits(Math.floor(hidden / candidate), phmDim)) return candidate;
  }
  return null;
}

function sizeFactor(hidden: number, factor: unknown, phmDim: number | null, field: string, changes: string[]): unknown {
  if (typeof factor !== 'number' || !(factor > 0)) return factor;
  const fitted = fittingFactor(hidden, factor, phmDim);
  const width = Math.floor(hidden / factor);
  const rule = phmDim === null ? `at least ${MIN_BOTTLENECK_WIDTH}` : `at least ${MIN_BOTTLENECK_WIDTH} and a multiple of phm_dim ${phmDim}`;
  if (fitted === null) {
    changes.push(`${field} ${factor} left as is: no reduction factor gives hidden size ${hidden} a bottleneck width ${rule}`);
    return factor;
  }
  if (fitted !== factor) {
    changes.push(
      `${field} ${factor} → ${fitted}: hidden size ${hidden} / ${factor} gives a bottleneck width of ${width}, ` +
        `${fitted} gives ${Math.floor(hidden / fitted)} (${rule})`,
    );
  }
  return fitted;
}

function sizeOne(config: PlainConfig, model: ModelDescription, sites: readonly AdaptationSite[], prefix: string): SizedConfig<PlainConfig> {
  const result: PlainConfig = { ...config };
  const changes: string[] = [];
  const hidden = model.hiddenSize;

  if (Array.isArray(config.configs)) {
    result.configs = config.configs.map((member: unknown, index: number) => {
      if (typeof member !== 'object' || member === null) return member;
      const sized = sizeOne(member as PlainConfig, model, sites, `${prefix}configs[${index}].`);
      changes.push(...sized.changes);
      return sized.config;
    });
  }

  let phmDim: number | null = null;
  if (usesPhm(config)) {
    const requested = typeof config.phm_dim === 'number' ? config.phm_dim : DEFAULT_PHM_DIM;
    phmDim = requested;
    if (hidden % requested !== 0) {
      const fitted = dividingPhmDim(hidden, requested);
      if (fitted !== null) {
        changes.push(`${prefix}phm_dim ${requested} → ${fitted}: ${requested} does not divide hidden size ${hidden}`);
        result.phm_dim = fitted;
        phmDim = fitted;
      }
    }
  }

  if ('reduction_factor' in config) {
    const factor = config.reduction_factor;
    if (typeof factor === 'object' && factor !== null && !Array.isArray(factor)) {
      const sizedMap: PlainConfig = {};
      for (const [key, value] of Object.entries(factor)) {
        sizedMap[key] = sizeFactor(hidden, value, phmDim, `${prefix}reduction_factor["${key}"]`, changes);
      }
      result.reduction_factor = sizedMap;
    } else {
      result.reduction_factor = sizeFactor(hidden, factor, phmDim, `${prefix}reduction_factor`, changes);
    }
  }

  const smallest = smallestLinearDimension(sites);
  if (typeof config.r === 'number' && smallest !== null && config.r > smallest) {
    changes.push(`${prefix}r ${config.r} → ${smallest}: the smallest linear layer of the model has ${smallest} rows or columns`);
    result.r = smallest;
  }
  return { config: result, changes };
}

/**
 * Resizes a config to a model so that a test exercises the adapter rather than a degenerate
 * corner. A bottleneck `reduction_factor` is lowered until the width `floor(hidden / factor)` is
 * at least 4 and a multiple of `phm_dim` (when `phm_layer` is set). A `phm_dim` that does not
 * divide the hidden size is lowered to one that does. A rank `r` above the smallest linear
 * dimension is lowered to it. Union members (`configs: [...]`) are sized one by one. The
 * config is treated as a plain object, so any method using these field names benefits.
 *
 * @param config The config to size; it is not modified.
 * @param model The model it will be added to (or anything with `describe` and `adaptationSites`).
 * @returns The sized copy and one sentence per change (empty when nothing changed).
 */
export function sizeConfigToModel<C extends AdapterConfig>(config: C, model: SizingModel): SizedConfig<C> {
  if (typeof config !== 'object' || config === null || typeof config.architecture !== 'string') {
    throw new InvalidArgumentError(
      `sizeConfigToModel needs a config object with a string "architecture", got ${JSON.stringify(config)}.`,
    );
  }
  if (typeof model?.describe !== 'function' || typeof model.adaptationSites !== 'function') {
    throw new InvalidArgumentError('sizeConfigToModel needs a model with describe() and adaptationSites(), such as an AdaptableModel.');
  }
  const description = model.describe();
  if (!Number.isInteger(description.hiddenSize) || description.hiddenSize <= 0) {
    throw new InvalidArgumentError(`The model describes hidden size ${description.hiddenSize}; expected a positive integer.`);
  }
  const sized = sizeOne(config as unknown as PlainConfig, description, model.adaptationSites(), '');
  return sized.changes.length === 0 ? { config, changes: [] } : { config: sized.config as unknown as C, changes: sized.changes };
}
