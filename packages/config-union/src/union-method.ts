import {
  ConfigError,
  PeftError,
  deriveSeed,
  getAdapterMethod,
  registerAdapterMethod,
  type AdaptationSite,
  type AdapterBuild,
  type AdapterBuildContext,
  type AdapterMethod,
  type CompositionBlock,
  type MergeSupport,
} from '@peftjs/core-tensor';

import { withGateReporting } from './gate-recording';
import { describeMember } from './member-label';
import { describeSite } from './site-label';
import { parseConfigUnion, type ConfigUnionType } from './union-config';
import { UNION_ARCHITECTURE } from './union-validation';

/** One member's build inside a union build. */
interface MemberBuild {
  readonly label: string;
  readonly method: AdapterMethod;
  readonly build: AdapterBuild;
}

function releaseBuild(build: AdapterBuild): void {
  for (const placement of build.placements) placement.module.dispose();
  build.dispose?.();
}

/** Re-raises a member's error with the member named in front of its message, keeping the error type. */
function blameMember(error: unknown, label: string): never {
  if (error instanceof PeftError) {
    const ErrorType = error.constructor as new (message: string) => PeftError;
    throw new ErrorType(`Union member ${label}: ${error.message}`);
  }
  throw error;
}

/** Builds every member with the union's name, releasing the ones already built when one fails. */
function buildMembers(context: AdapterBuildContext<ConfigUnionType>): MemberBuild[] {
  const members: MemberBuild[] = [];
  try {
    context.config.configs.forEach((config, index) => {
      const label = describeMember(config, index);
      const method = getAdapterMethod(config.architecture);
      // A member with its own seed starts as the same config added alone would. The others share
      // the union's seed, which their methods split by site path and parameter name.
      const ownSeed = (config as { init_weights_seed?: unknown }).init_weights_seed;
      const seed = typeof ownSeed === 'number' ? deriveSeed(ownSeed, 'adapter') : context.seed;
      try {
        members.push({ label, method, build: method.build({ ...context, config, seed }) });
      } catch (error) {
        blameMember(error, label);
      }
    });
    checkSiteClashes(members);
    checkPlacementClashes(members);
  } catch (error) {
    for (const member of members) releaseBuild(member.build);
    throw error;
  }
  return members;
}

/**
 * Raises when two members act at the same site, because the host keeps one handler per adapter
 * and site. This is where members with `leave_out` are checked layer by layer.
 */
function checkSiteClashes(members: readonly MemberBuild[]): void {
  const owners = new Map<AdaptationSite, string>();
  for (const member of members) {
    for (const { site } of member.build.bindings) {
      const other = owners.get(site);
      if (other !== undefined && other !== member.label) {
        throw new ConfigError(
          `Union members ${other} and ${member.label} both act at ${describeSite(site)}; a site takes one member of a union. ` +
            'Give them disjoint leave_out layers or different locations.',
        );
      }
      owners.set(site, member.label);
    }
  }
}

/** Raises when two members would register modules under the same owner and container. */
function checkPlacementClashes(members: readonly MemberBuild[]): void {
  const owners = new Map<string, string>();
  for (const member of members) {
    for (const placement of member.build.placements) {
      const key = `${placement.ownerPath}|${placement.container}`;
      const other = owners.get(key);
      if (other !== undefined && other !== member.label) {
        throw new ConfigError(
          `Union members ${other} and ${member.label} both place modules at ${placement.ownerPath || '(model root)'}.${placement.container}; ` +
            'they would overwrite each other. Keep one of them.',
        );
      }
      owners.set(key, member.label);
    }
  }
}

/** Merges every member in order; when one fails, unmerges the ones already merged and re-raises. */
function unionMergeSupport(members: readonly MemberBuild[]): MergeSupport | undefined {
  const supports = members.map((member) => member.build.merge);
  if (supports.some((support) => support === undefined)) return undefined;
  const all = supports as MergeSupport[];
  return {
    merge() {
      const done: MergeSupport[] = [];
      try {
        for (const support of all) {
          support.merge();
          done.push(support);
        }
      } catch (error) {
        for (const support of done.reverse()) support.unmerge();
        throw error;
      }
    },
    unmerge() {
      for (const support of [...all].reverse()) support.unmerge();
    },
  };
}

function commonCompositions(members: readonly MemberBuild[]): CompositionBlock['kind'][] {
  const lists = members.map((m) => m.build.supportedCompositions ?? m.method.supportedCompositions);
  return lists.reduce<CompositionBlock['kind'][]>((common, list) => common.filter((kind) => list.includes(kind)), [...lists[0]]);
}

/**
 * The union adapter method (architecture `union`): builds every member under the union's name
 * and combines their placements, site bindings, frozen parameters and warnings, so the host
 * treats the union as one adapter. A union supports the compositions all members support and is
 * mergeable only when every member is.
 */
export const unionMethod: AdapterMethod<ConfigUnionType> = {
  architecture: UNION_ARCHITECTURE,
  // The union's real list depends on its members and is returned with each build.
  supportedCompositions: ['stack'],

  parseConfig(input: unknown): ConfigUnionType {
    return parseConfigUnion(input);
  },

  build(context: AdapterBuildContext<ConfigUnionType>): AdapterBuild {
    const members = buildMembers(context);
    return {
      placements: members.flatMap((m) => m.build.placements),
      bindings: members.flatMap((m) => m.build.bindings.map((binding) => withGateReporting(binding, context.name))),
      frozenParameters: members.flatMap((m) => m.build.frozenParameters ?? []),
      merge: unionMergeSupport(members),
      warnings: members.flatMap((m) => (m.build.warnings ?? []).map((warning) => `${m.label}: ${warning}`)),
      supportedCompositions: commonCompositions(members),
      dispose() {
        for (const member of members) member.build.dispose?.();
      },
    };
  },

};

registerAdapterMethod(unionMethod, { replace: true });
