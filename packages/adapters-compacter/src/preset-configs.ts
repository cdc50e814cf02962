import { BnConfig, type BnConfigInput, type BnConfigType } from './config';

/**
 * The bottleneck presets of AdapterHub (`adapters` 88f18ebd, `configuration/adapter_config.py`),
 * field for field. Each factory takes overrides, which are validated with the preset's values.
 */

/** Fields a preset fills in, so every field of {@link BnConfigInput} becomes optional. */
export type PresetOverrides = Partial<BnConfigInput>;

/** The sequential adapter of Pfeiffer et al. (2020): one adapter after the feed-forward block (`SeqBnConfig`). */
export const SEQ_BN_FIELDS = Object.freeze({
  original_ln_before: true,
  original_ln_after: true,
  residual_before_ln: true,
  adapter_residual_before_ln: false,
  ln_before: false,
  ln_after: false,
  mh_adapter: false,
  output_adapter: true,
  non_linearity: 'relu',
  reduction_factor: 16,
} as const);

/** The adapter of Houlsby et al. (2019): after attention and after the feed-forward block (`DoubleSeqBnConfig`). */
export const DOUBLE_SEQ_BN_FIELDS = Object.freeze({
  original_ln_before: false,
  original_ln_after: true,
  residual_before_ln: true,
  adapter_residual_before_ln: false,
  ln_before: false,
  ln_after: false,
  mh_adapter: true,
  output_adapter: true,
  non_linearity: 'swish',
  reduction_factor: 16,
} as const);

/** The parallel adapter of He et al. (2021) on the feed-forward block (`ParBnConfig`). */
export const PAR_BN_FIELDS = Object.freeze({
  original_ln_before: false,
  original_ln_after: true,
  mh_adapter: false,
  output_adapter: true,
  reduction_factor: 2,
  non_linearity: 'relu',
  init_weights: 'mam_adapter',
  is_parallel: true,
  scaling: 4,
} as const);

/**
 * Creates AdapterHub's `SeqBnConfig` (preset `seq_bn`, alias `pfeiffer`).
 *
 * @param overrides Fields that replace the preset's values.
 */
export function SeqBnConfig(overrides: PresetOverrides = {}): BnConfigType {
  return BnConfig({ ...SEQ_BN_FIELDS, ...overrides });
}

/**
 * Creates AdapterHub's `DoubleSeqBnConfig` (preset `double_seq_bn`, alias `houlsby`).
 *
 * @param overrides Fields that replace the preset's values.
 */
export function DoubleSeqBnConfig(overrides: PresetOverrides = {}): BnConfigType {
  return BnConfig({ ...DOUBLE_SEQ_BN_FIELDS, ...overrides });
}

/**
 * Creates AdapterHub's `ParBnConfig` (preset `par_bn`, alias `parallel`).
 *
 * @param overrides Fields that replace the preset's values.
 */
export function ParBnConfig(overrides: PresetOverrides = {}): BnConfigType {
  return BnConfig({ ...PAR_BN_FIELDS, ...overrides });
}

/**
 * Creates Compacter (Mahabadi et al., 2021) as AdapterHub's `CompacterConfig`: the double
 * adapter with PHM layers, GELU and reduction factor 32.
 *
 * @param overrides Fields that replace the preset's values.
 */
export function CompacterConfig(overrides: PresetOverrides = {}): BnConfigType {
  return BnConfig({ ...DOUBLE_SEQ_BN_FIELDS, phm_layer: true, reduction_factor: 32, non_linearity: 'gelu', ...overrides });
}

/**
 * Creates Compacter++ as AdapterHub's `CompacterPlusPlusConfig`: the sequential adapter after the
 * feed-forward block with PHM layers, GELU and reduction factor 32.
 *
 * @param overrides Fields that replace the preset's values.
 */
export function CompacterPlusPlusConfig(overrides: PresetOverrides = {}): BnConfigType {
  return BnConfig({ ...SEQ_BN_FIELDS, phm_layer: true, reduction_factor: 32, non_linearity: 'gelu', ...overrides });
}
