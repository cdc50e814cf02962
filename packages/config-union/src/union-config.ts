import { ConfigError, deepFreeze, parseAdapterConfig, type AdapterConfig } from '@peftjs/core-tensor';

import { describeMember } from './member-label';
import { UNION_ARCHITECTURE, findUnionProblem } from './union-validation';

/** A validated, immutable union of adapter configs: `{"architecture": "union", "configs": [...]}`. */
export interface ConfigUnionType extends AdapterConfig {
  readonly architecture: 'union';
  /** The member configs, each validated by its method; address them by index. */
  readonly configs: readonly AdapterConfig[];
}

/** Returns true when `config` is a union config (MAM and UniPELT included). */
export function isConfigUnion(config: AdapterConfig): config is ConfigUnionType {
  return config?.architecture === UNION_ARCHITECTURE;
}

/**
 * Combines several adapter configs into one adapter: adding, activating, training, saving and
 * deleting the union's name covers every member. Each member is validated by its registered
 * method. A member that is not a config, a nested union (MAM and UniPELT count as unions) or two
 * members that would act at the same sites raise a {@link ConfigError} naming the members.
 *
 * @param configs The member configs, e.g. `LoRAConfig({ r: 8 })` and `PrefixTuningConfig()`.
 * @example
 * model.addAdapter('mix', ConfigUnion(PrefixTuningConfig({ bottleneck_size: 800 }), LoRAConfig()));
 */
export function ConfigUnion(...configs: AdapterConfig[]): ConfigUnionType {
  if (configs.length === 0) {
    throw new ConfigError('ConfigUnion needs at least one member config, e.g. ConfigUnion(LoRAConfig(), PrefixTuningConfig()).');
  }
  const parsed = configs.map((config, index) => {
    if (typeof config !== 'object' || config === null || Array.isArray(config) || typeof config.architecture !== 'string') {
      throw new ConfigError(
        `configs[${index}] of the union is not an adapter config (got ${JSON.stringify(config) ?? String(config)}); ` +
          'pass configs such as LoRAConfig({ r: 8 }) or PrefixTuningConfig().',
      );
    }
    if (config.architecture === UNION_ARCHITECTURE) return config;
    try {
      return parseAdapterConfig(config);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`Invalid union member ${describeMember(config, index)}: ${error.message}`);
      throw error;
    }
  });
  const problem = findUnionProblem(parsed);
  if (problem !== null) throw new ConfigError(`Invalid ConfigUnion: ${problem.message}`);
  return deepFreeze({ architecture: UNION_ARCHITECTURE, configs: parsed });
}

/**
 * Validates an unknown value (for example the `peftjs_config` of a saved union) as a union config.
 *
 * @param input An object `{"architecture": "union", "configs": [...]}`; other keys are rejected.
 */
export function parseConfigUnion(input: unknown): ConfigUnionType {
  if (typeof input !== 'object' || input === null || (input as AdapterConfig).architecture !== UNION_ARCHITECTURE) {
    throw new ConfigError(`Invalid union config ${JSON.stringify(input)}: expected {"architecture": "union", "configs": [...]}.`);
  }
  const extra = Object.keys(input).filter((key) => key !== 'architecture' && key !== 'configs');
  if (extra.length > 0) {
    throw new ConfigError(`Invalid union config: unknown keys ${extra.join(', ')}; a union has only "architecture" and "configs".`);
  }
  const configs = (input as { configs?: unknown }).configs;
  if (!Array.isArray(configs)) {
    throw new ConfigError(`Invalid union config: "configs" must be an array of member configs, got ${JSON.stringify(configs)}.`);
  }
  return ConfigUnion(...(configs as AdapterConfig[]));
}

/**
 * Returns member `index` of a union, raising a {@link ConfigError} for an index outside it.
 *
 * @param union The union config.
 * @param index Position of the member, from 0.
 */
export function configUnionMember(union: ConfigUnionType, index: number): AdapterConfig {
  if (!Number.isInteger(index) || index < 0 || index >= union.configs.length) {
    throw new ConfigError(
      `Union member index ${index} is invalid: the union has ${union.configs.length} members (0..${union.configs.length - 1}).`,
    );
  }
  return union.configs[index];
}

/**
 * Returns a copy of a union with `changes` applied to every member that has the changed field:
 * `leave_out` and `init_weights_seed` reach all members, `prefix_length` only the prefix tuning
 * member. A field that no member has raises a {@link ConfigError}. The changed members are
 * validated again.
 *
 * @param union The union config.
 * @param changes Fields to replace, e.g. `{ leave_out: [0, 1] }`.
 */
export function replaceConfigUnion(union: ConfigUnionType, changes: Record<string, unknown>): ConfigUnionType {
  const keys = Object.keys(changes);
  const forbidden = keys.filter((key) => key === 'architecture' || key === 'configs');
  if (forbidden.length > 0) {
    throw new ConfigError(`replaceConfigUnion cannot change ${forbidden.join(', ')}; build a new ConfigUnion instead.`);
  }
  const unknown = keys.filter((key) => !union.configs.some((member) => key in member));
  if (unknown.length > 0) {
    throw new ConfigError(
      `No member of the union (${union.configs.map((m) => m.architecture).join(', ')}) has the field(s) ${unknown.join(', ')}; ` +
        `known fields: ${unionFieldNames(union).join(', ')}.`,
    );
  }
  const members = union.configs.map((member) => {
    const own = Object.fromEntries(Object.entries(changes).filter(([key]) => key in member));
    return Object.keys(own).length === 0 ? member : ({ ...member, ...own } as AdapterConfig);
  });
  return ConfigUnion(...members);
}

/** Returns the field names of every member of `union` (without `architecture`), sorted. */
export function unionFieldNames(union: ConfigUnionType): string[] {
  const names = new Set<string>();
  for (const member of union.configs) for (const key of Object.keys(member)) if (key !== 'architecture') names.add(key);
  return [...names].sort();
}
