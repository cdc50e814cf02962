import { ConfigError, deepFreeze, type AdapterConfig } from '@peftjs/core-tensor';

/** A validated, immutable learned-bias config. */
export interface LearnedBiasConfigType extends AdapterConfig {
  readonly architecture: 'learned_bias';
  /** Matrix roles of the linear layers to adapt, as the model's sites name them (`q`, `v`, `down`, `output`, ...). */
  readonly matrices: readonly string[];
  /** `zeros` leaves a new adapter without effect; `normal` draws N(0, 0.02²). */
  readonly init: 'zeros' | 'normal';
  /** Seed of the `normal` draw; null uses the library's default seed. */
  readonly init_weights_seed: number | null;
}

/** Fields a caller may pass; each is optional. */
export type LearnedBiasConfigInput = Partial<Omit<LearnedBiasConfigType, 'architecture'>> & { architecture?: 'learned_bias' };

/**
 * Creates a learned-bias config (defaults: the `q` and `v` projections, zeros). An invalid field
 * raises a `ConfigError` naming it.
 *
 * @param input Fields to set.
 */
export function LearnedBiasConfig(input: LearnedBiasConfigInput = {}): LearnedBiasConfigType {
  const { architecture = 'learned_bias', matrices = ['q', 'v'], init = 'zeros', init_weights_seed = null, ...unknown } = input;
  const problems: string[] = [];
  if (architecture !== 'learned_bias') problems.push(`architecture must be "learned_bias", got ${JSON.stringify(architecture)}`);
  if (!Array.isArray(matrices) || matrices.length === 0 || !matrices.every((m) => typeof m === 'string' && m.length > 0)) {
    problems.push(`matrices must be a non-empty list of matrix names, got ${JSON.stringify(matrices)}`);
  }
  if (init !== 'zeros' && init !== 'normal') problems.push(`init must be "zeros" or "normal", got ${JSON.stringify(init)}`);
  if (init_weights_seed !== null && !Number.isInteger(init_weights_seed)) {
    problems.push(`init_weights_seed must be an integer or null, got ${JSON.stringify(init_weights_seed)}`);
  }
  for (const key of Object.keys(unknown)) problems.push(`unknown field "${key}"`);
  if (problems.length > 0) throw new ConfigError(`Invalid learned-bias config: ${problems.join('; ')}.`);
  return deepFreeze({ architecture: 'learned_bias', matrices: [...matrices], init, init_weights_seed });
}
