import {
  ConfigError,
  deepFreeze,
  getAdapterMethod,
  parseAdapterConfig,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterConfig,
  type AdapterMethod,
} from '@peftjs/core-tensor';

/** A union config as the harness expects it: `configs` lists the members. */
export interface FakeUnionConfig extends AdapterConfig {
  readonly configs: readonly AdapterConfig[];
}

/**
 * Creates a union method for these tests (the real one lives in @peftjs/config-union, which the
 * harness must not import). Its build combines the members' builds. `membersBuilt` limits how
 * many members are built, so a broken union that ignores its last members can be made.
 *
 * @param architecture Name to register it under.
 * @param membersBuilt How many members to build (default all).
 */
export function createFakeUnionMethod(architecture: string, membersBuilt = Number.POSITIVE_INFINITY): AdapterMethod<FakeUnionConfig> {
  return {
    architecture,
    supportedCompositions: [],
    parseConfig(input) {
      const raw = input as Partial<FakeUnionConfig>;
      if (raw?.architecture !== architecture || !Array.isArray(raw.configs) || raw.configs.length < 2) {
        throw new ConfigError(`A ${architecture} config needs at least two member configs, got ${JSON.stringify(input)}.`);
      }
      return deepFreeze({ architecture, configs: raw.configs.map((member) => parseAdapterConfig(member)) });
    },
    build(context: AdapterBuildContext<FakeUnionConfig>): AdapterBuild {
      const builds = context.config.configs
        .slice(0, membersBuilt)
        .map((member, i) => getAdapterMethod(member.architecture).build({ ...context, config: member, seed: context.seed + i }));
      return {
        placements: builds.flatMap((b) => b.placements),
        bindings: builds.flatMap((b) => b.bindings),
        warnings: builds.flatMap((b) => b.warnings ?? []),
      };
    },
  };
}
