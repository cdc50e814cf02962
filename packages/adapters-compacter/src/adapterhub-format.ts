import {
  ConfigError,
  PEFT_KEY_PREFIX,
  type AdaptationSite,
  type ImportedConfig,
  type ModelDescription,
} from '@peftjs/core-tensor';

import { BnConfig, bnConfigSchema, type BnConfigInput, type BnConfigType } from './config';
import { planBottleneckSites } from './site-plan';

/** Model facts that the importer and the exporter read. */
interface FormatContext {
  readonly sites: readonly AdaptationSite[];
  readonly model: ModelDescription;
}

/**
 * Returns the content of `adapter_config.json` for a bottleneck adapter: AdapterHub's layout, a
 * `config` object with every `BnConfig` field, plus the model's type and hidden size. The host
 * adds `peftjs_config`, which is what peftjs reads back.
 *
 * @param config The adapter config.
 * @param context The model the adapter belongs to.
 */
export function exportBottleneckConfig(config: BnConfigType, context: FormatContext): Record<string, unknown> {
  return {
    config: { ...config },
    model_type: context.model.modelType,
    hidden_size: context.model.hiddenSize,
  };
}

/** Returns the `config` object of an AdapterHub `adapter_config.json` when it describes a bottleneck adapter. */
function bottleneckSection(file: Record<string, unknown>): Record<string, unknown> | null {
  const section = file.config;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return null;
  const record = section as Record<string, unknown>;
  if (record.architecture === 'bottleneck') return record;
  // Configs saved before AdapterHub added `architecture` still have the bottleneck fields.
  return record.architecture === undefined && 'reduction_factor' in record && 'mh_adapter' in record ? record : null;
}

/**
 * Returns true when `file` is an AdapterHub bottleneck (or Compacter) `adapter_config.json`.
 *
 * @param file The parsed `adapter_config.json`.
 */
export function isAdapterHubBottleneckConfig(file: Record<string, unknown>): boolean {
  return bottleneckSection(file) !== null;
}

/**
 * Finds the residual site a saved module path refers to. AdapterHub saves keys relative to its
 * model class (with a `bert.` prefix for `BertAdapterModel`, for example), which may differ by a
 * leading segment from the model the adapter is loaded into.
 */
function resolveSitePath(path: string, sitePaths: ReadonlySet<string>): string {
  if (sitePaths.has(path)) return path;
  const dot = path.indexOf('.');
  if (dot > 0 && sitePaths.has(path.slice(dot + 1))) return path.slice(dot + 1);
  for (const candidate of sitePaths) {
    if (candidate.endsWith(`.${path}`) || path.endsWith(`.${candidate}`)) return candidate;
  }
  return path;
}

function checkSupported(section: Record<string, unknown>): string[] {
  if (section.inv_adapter !== undefined && section.inv_adapter !== null) {
    throw new ConfigError(
      `The AdapterHub config has inv_adapter ${JSON.stringify(section.inv_adapter)}: invertible adapters on the embeddings are not supported; ` +
        'load an adapter trained without one.',
    );
  }
  if (section.cross_adapter === true) {
    throw new ConfigError('The AdapterHub config has cross_adapter true: adapters on cross-attention are not supported.');
  }
  const warnings: string[] = [];
  if (typeof section.stochastic_depth === 'number' && section.stochastic_depth > 0) {
    warnings.push(`stochastic_depth ${section.stochastic_depth} is ignored; it only drops adapter outputs during training.`);
  }
  return warnings;
}

/**
 * Converts an AdapterHub bottleneck config (`{"config": {...}, "name": ...}`) and maps its tensor
 * keys to this library's file keys: `<module>.adapters.<name>.<path>` becomes
 * `base_model.model.<site>.adapters.<path>` and `…shared_parameters.<name>.<path>` becomes
 * `base_model.model.shared_parameters.<path>`. With `ln_before`, AdapterHub's module list repeats
 * the LayerNorm as `adapter_down.0`; those duplicate keys are dropped. Returns null when the file
 * is not an AdapterHub bottleneck config.
 *
 * @param file The parsed `adapter_config.json`.
 * @param context The model the adapter is loaded into.
 */
export function importAdapterHubBottleneckConfig(file: Record<string, unknown>, context: FormatContext): ImportedConfig<BnConfigType> | null {
  const section = bottleneckSection(file);
  if (section === null) return null;
  const warnings = checkSupported(section);

  const known = new Set(Object.keys(bnConfigSchema.shape));
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (known.has(key) && value !== null) input[key] = value;
  }
  const config = BnConfig(input as BnConfigInput);
  const name = typeof file.name === 'string' ? file.name : 'adapter';
  planBottleneckSites(config, context.sites, context.model, name);

  const sitePaths = new Set(context.sites.filter((s) => s.kind === 'residual').map((s) => s.path));
  const adapterKey = /^(.*)\.adapters\.[^.]+\.(.+)$/;
  const sharedKey = /^(?:.*\.)?shared_parameters\.[^.]+\.(.+)$/;
  const mapKey = (key: string): string | null => {
    if (key.startsWith(PEFT_KEY_PREFIX)) return key;
    const shared = sharedKey.exec(key);
    if (shared !== null) return `${PEFT_KEY_PREFIX}shared_parameters.${shared[1]}`;
    const match = adapterKey.exec(key);
    if (match === null) return key;
    const [, modulePath, tensor] = match;
    if (config.ln_before && tensor.startsWith('adapter_down.0.')) return null;
    return `${PEFT_KEY_PREFIX}${resolveSitePath(modulePath, sitePaths)}.adapters.${tensor}`;
  };
  return { config, mapKey, warnings };
}
