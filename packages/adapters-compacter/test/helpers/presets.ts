import { getAdapterPreset, type AdapterConfig } from '@peftjs/core-tensor';

import '../../src';

/**
 * Every bottleneck preset with the overrides that size it to the tiny test models (hidden 32).
 * The Compacter presets' default factor 32 would give a bottleneck of width 1, which the method
 * rejects, so they use factor 8 (width 4); Compacter++ also uses phm_dim 2.
 */
export const PRESET_CASES: readonly (readonly [name: string, overrides: Record<string, unknown>])[] = [
  ['seq_bn', {}],
  ['double_seq_bn', {}],
  ['par_bn', {}],
  ['scaled_par_bn', {}],
  ['compacter', { reduction_factor: 8 }],
  ['compacter++', { reduction_factor: 8, phm_dim: 2 }],
];

/** Creates preset `name` sized for the tiny models, with `changes` on top. */
export function presetConfig(name: string, changes: Record<string, unknown> = {}): AdapterConfig {
  const overrides = PRESET_CASES.find(([preset]) => preset === name)?.[1] ?? {};
  return getAdapterPreset(name).create({ ...overrides, ...changes });
}

/** Changes that make any preset start as an exact identity: the up projection starts at zero. */
export const IDENTITY_INIT = { init_weights: 'mam_adapter' } as const;

/** Changes that make any preset change outputs from the start, with rules large enough to see. */
export const VISIBLE_INIT = { init_weights: 'bert', phm_init_range: 0.05 } as const;
