import { InvalidArgumentError, type AdapterConfig } from '@peftjs/core-tensor';

import { largestLinearDimension, type SizingModel } from './size-config';

/** Degenerate configs the harness derives from a case's config. */
export type DegenerateKind = 'bottleneck-width-below-2' | 'phm-dim-not-dividing' | 'rank-exceeds-dimension';

/** Names of every {@link DegenerateKind}. */
export const DEGENERATE_KINDS: readonly DegenerateKind[] = ['bottleneck-width-below-2', 'phm-dim-not-dividing', 'rank-exceeds-dimension'];

/** A degenerate config declared by the method's author. */
export interface DegenerateCase {
  readonly name: string;
  /** The config, or a function deriving it from the case's config (null when it does not apply). */
  readonly config: AdapterConfig | ((caseConfig: AdapterConfig, model: SizingModel) => AdapterConfig | null);
  /** What adding it must do (default `error-or-warning`). */
  readonly expect?: 'error' | 'warning' | 'error-or-warning';
  /** Texts the error message or a warning must contain, such as the computed width. */
  readonly messageIncludes?: readonly string[];
}

/** A degenerate config ready to add. */
export interface DegenerateVariant {
  readonly name: string;
  readonly config: AdapterConfig;
  readonly expect: 'error' | 'warning' | 'error-or-warning';
  readonly messageIncludes: readonly string[];
  /** Why the config is degenerate on this model. */
  readonly reason: string;
}

function smallestNonDivisor(value: number): number {
  let d = 3;
  while (value % d === 0) d++;
  return d;
}

/**
 * Derives one degenerate kind from a config, or returns null when the config has no field the kind
 * changes: `bottleneck-width-below-2` sets `reduction_factor` to the hidden size (width 1),
 * `phm-dim-not-dividing` sets `phm_dim` to the smallest number ≥ 3 that does not divide the hidden
 * size (PHM configs only), and `rank-exceeds-dimension` sets `r` one above the largest
 * `min(in, out)` of the model's linear layers.
 *
 * @param kind The degenerate kind.
 * @param config A config that is valid for the model.
 * @param model The model it will be added to.
 */
export function degenerateVariant(kind: DegenerateKind, config: AdapterConfig, model: SizingModel): DegenerateVariant | null {
  const plain = config as unknown as Record<string, unknown>;
  const hidden = model.describe().hiddenSize;
  const variant = (changes: Record<string, unknown>, reason: string): DegenerateVariant => ({
    name: kind,
    config: { ...plain, ...changes } as unknown as AdapterConfig,
    expect: 'error-or-warning',
    messageIncludes: [],
    reason,
  });
  switch (kind) {
    case 'bottleneck-width-below-2':
      if (!('reduction_factor' in plain)) return null;
      return variant({ reduction_factor: hidden }, `reduction_factor ${hidden} on hidden size ${hidden} gives a bottleneck of width 1`);
    case 'phm-dim-not-dividing': {
      if (plain.phm_layer !== true) return null;
      const phmDim = smallestNonDivisor(hidden);
      return variant({ phm_dim: phmDim }, `phm_dim ${phmDim} does not divide hidden size ${hidden}`);
    }
    case 'rank-exceeds-dimension': {
      const largest = largestLinearDimension(model.adaptationSites());
      if (typeof plain.r !== 'number' || largest === null) return null;
      return variant({ r: largest + 1 }, `r ${largest + 1} exceeds min(in, out) of every linear layer (at most ${largest})`);
    }
    default:
      throw new InvalidArgumentError(`Unknown degenerate kind "${String(kind)}"; known: ${DEGENERATE_KINDS.join(', ')}.`);
  }
}

/**
 * Returns the degenerate configs that apply to a case's config on a model.
 *
 * @param declarations Kinds and explicit cases the method declares.
 * @param config The case's (sized) config.
 * @param model The model it will be added to.
 */
export function degenerateConfigsFor(
  declarations: readonly (DegenerateKind | DegenerateCase)[],
  config: AdapterConfig,
  model: SizingModel,
): DegenerateVariant[] {
  const variants: DegenerateVariant[] = [];
  for (const declaration of declarations) {
    if (typeof declaration === 'string') {
      const variant = degenerateVariant(declaration, config, model);
      if (variant !== null) variants.push(variant);
      continue;
    }
    if (typeof declaration?.name !== 'string') {
      throw new InvalidArgumentError(`A degenerate case needs a name and a config, got ${JSON.stringify(declaration)}.`);
    }
    const derived = typeof declaration.config === 'function' ? declaration.config(config, model) : declaration.config;
    if (derived === null) continue;
    variants.push({
      name: declaration.name,
      config: derived,
      expect: declaration.expect ?? 'error-or-warning',
      messageIncludes: declaration.messageIncludes ?? [],
      reason: `declared degenerate case "${declaration.name}"`,
    });
  }
  return variants;
}
