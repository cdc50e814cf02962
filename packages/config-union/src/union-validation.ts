import type { AdapterConfig } from '@peftjs/core-tensor';

import { describeMember } from './member-label';

/** Architecture name of unions; MAM and UniPELT are unions too. */
export const UNION_ARCHITECTURE = 'union';

/** A problem with the members of a union, blamed on the member at `index`. */
export interface UnionProblem {
  /** Index of the member that cannot join the union (the later one of a clashing pair). */
  readonly index: number;
  readonly message: string;
}

function leaveOut(config: AdapterConfig): readonly unknown[] {
  const value = (config as { leave_out?: unknown }).leave_out;
  return Array.isArray(value) ? value : [];
}

/**
 * Returns the first reason the configs cannot form a union, or null when they can. The rules are
 * AdapterHub's `ConfigUnion.validate`:
 *
 * - no member may itself be a union;
 * - two members of the same architecture clash (LoRA and (IA)³ are both `lora`), except two
 *   bottleneck members that differ in both `mh_adapter` and `output_adapter`, because they then
 *   act at different residual sites;
 * - a pair in which either member has a `leave_out` is not decided here: the union method checks
 *   it layer by layer when the adapter is added.
 *
 * @param configs Parsed member configs.
 */
export function findUnionProblem(configs: readonly AdapterConfig[]): UnionProblem | null {
  for (const [index, config] of configs.entries()) {
    if (config.architecture === UNION_ARCHITECTURE) {
      const inner = (config as { configs?: readonly AdapterConfig[] }).configs ?? [];
      return {
        index,
        message:
          `${describeMember(config, index)} is itself a union (of ${inner.map((c) => c.architecture).join(', ')}); ` +
          'unions cannot be nested, so list its members in this union instead (MAM and UniPELT are unions).',
      };
    }
  }

  for (let j = 1; j < configs.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [configs[i], configs[j]];
      if (a.architecture !== b.architecture) continue;
      if (leaveOut(a).length > 0 || leaveOut(b).length > 0) continue;
      const pair = `${describeMember(a, i)} and ${describeMember(b, j)}`;
      if (a.architecture === 'bottleneck') {
        const fa = a as { mh_adapter?: unknown; output_adapter?: unknown };
        const fb = b as { mh_adapter?: unknown; output_adapter?: unknown };
        if (fa.mh_adapter !== fb.mh_adapter && fa.output_adapter !== fb.output_adapter) continue;
        const shared = (['mh_adapter', 'output_adapter'] as const).filter((location) => fa[location] === true && fb[location] === true);
        return {
          index: j,
          message:
            `${pair} would both act at the ${shared.join(' and ') || 'same'} residual site${shared.length > 1 ? 's' : ''}; ` +
            'two bottleneck members must differ in both mh_adapter and output_adapter, or use disjoint leave_out layers.',
        };
      }
      return {
        index: j,
        message:
          `${pair} have the same architecture "${a.architecture}"${a.architecture === 'lora' ? ' (LoRA and (IA)³ are both "lora")' : ''} ` +
          'and would act at the same sites; keep one of them, or give them disjoint leave_out layers.',
      };
    }
  }
  return null;
}
