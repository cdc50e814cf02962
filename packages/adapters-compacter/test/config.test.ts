import { ConfigError, InvalidArgumentError, getAdapterPreset, initBackend, listAdapterPresets, parseAdapterConfig } from '@peftjs/core-tensor';

import {
  BnConfig,
  CompacterConfig,
  CompacterPlusPlusConfig,
  DoubleSeqBnConfig,
  ParBnConfig,
  SeqBnConfig,
  nearestValidPhmDim,
  replaceBnConfig,
  suggestReductionFactor,
  type BnConfigInput,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

const REQUIRED = { mh_adapter: false, output_adapter: true, reduction_factor: 16, non_linearity: 'relu' } as const;

describe('BnConfig', () => {
  it('has AdapterHub defaults for every optional field', () => {
    expect(BnConfig(REQUIRED)).toEqual({
      architecture: 'bottleneck',
      ...REQUIRED,
      original_ln_before: false,
      original_ln_after: true,
      ln_before: false,
      ln_after: false,
      init_weights: 'bert',
      init_weights_seed: null,
      is_parallel: false,
      scaling: 1,
      use_gating: false,
      residual_before_ln: true,
      adapter_residual_before_ln: false,
      leave_out: [],
      dropout: 0,
      phm_layer: false,
      phm_dim: 4,
      factorized_phm_W: true,
      shared_W_phm: false,
      shared_phm_rule: true,
      factorized_phm_rule: false,
      phm_c_init: 'normal',
      phm_init_range: 0.0001,
      learn_phm: true,
      hypercomplex_nonlinearity: 'glorot-uniform',
      phm_rank: 1,
      phm_bias: true,
    });
  });

  it('requires the four fields AdapterHub leaves without default', () => {
    let message = '';
    try {
      BnConfig({} as BnConfigInput);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    for (const field of ['mh_adapter', 'output_adapter', 'reduction_factor', 'non_linearity']) expect(message).toContain(field);
  });

  it('is immutable and round-trips through JSON', () => {
    const config = BnConfig({ ...REQUIRED, reduction_factor: { '0': 8, default: 16 }, leave_out: [1] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.reduction_factor)).toBe(true);
    expect(BnConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(parseAdapterConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('replaceBnConfig validates the changes', () => {
    const config = SeqBnConfig();
    expect(replaceBnConfig(config, { reduction_factor: 8 }).reduction_factor).toBe(8);
    expect(() => replaceBnConfig(config, { reduction_factor: -1 })).toThrow(ConfigError);
  });

  it.each([
    [{ reduction_factor: 0 }, 'reduction_factor'],
    [{ reduction_factor: { layer0: 8 } }, 'reduction_factor.layer0'],
    [{ non_linearity: 'softmax' }, 'non_linearity'],
    [{ scaling: 'per_token' }, 'scaling'],
    [{ init_weights: 'lora' }, 'init_weights'],
    [{ hypercomplex_nonlinearity: 'phm' }, 'hypercomplex_nonlinearity'],
    [{ phm_c_init: 'xavier' }, 'phm_c_init'],
    [{ phm_dim: 0 }, 'phm_dim'],
    [{ phm_rank: 1.5 }, 'phm_rank'],
    [{ dropout: 1 }, 'dropout'],
    [{ leave_out: [-1] }, 'leave_out'],
    [{ residual_before_ln: 'post_add', original_ln_before: false }, 'residual_before_ln'],
    [{ mh_adapter: false, output_adapter: false }, 'output_adapter'],
    [{ phm_layer: true, shared_W_phm: true, reduction_factor: { '0': 8, default: 16 } }, 'reduction_factor'],
    [{ unknown_field: 1 }, 'unknown_field'],
  ])('rejects %j naming %s', (changes, field) => {
    expect(() => BnConfig({ ...REQUIRED, ...changes } as BnConfigInput)).toThrow(ConfigError);
    expect(() => BnConfig({ ...REQUIRED, ...changes } as BnConfigInput)).toThrow(field);
  });

  it('accepts activation names in any case and post_add with original_ln_before', () => {
    expect(BnConfig({ ...REQUIRED, non_linearity: 'Swish' }).non_linearity).toBe('Swish');
    expect(BnConfig({ ...REQUIRED, original_ln_before: true, residual_before_ln: 'post_add' }).residual_before_ln).toBe('post_add');
  });
});

describe('presets', () => {
  it('SeqBnConfig has AdapterHub SeqBnConfig fields', () => {
    expect(SeqBnConfig()).toMatchObject({
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
      phm_layer: false,
      is_parallel: false,
      init_weights: 'bert',
    });
  });

  it('DoubleSeqBnConfig has AdapterHub DoubleSeqBnConfig fields', () => {
    expect(DoubleSeqBnConfig()).toMatchObject({
      original_ln_before: false,
      original_ln_after: true,
      residual_before_ln: true,
      mh_adapter: true,
      output_adapter: true,
      non_linearity: 'swish',
      reduction_factor: 16,
      phm_layer: false,
    });
  });

  it('ParBnConfig has AdapterHub ParBnConfig fields', () => {
    expect(ParBnConfig()).toMatchObject({
      original_ln_before: false,
      original_ln_after: true,
      mh_adapter: false,
      output_adapter: true,
      reduction_factor: 2,
      non_linearity: 'relu',
      init_weights: 'mam_adapter',
      is_parallel: true,
      scaling: 4,
    });
  });

  it('Compacter presets extend the sequential presets', () => {
    expect(CompacterConfig()).toEqual({ ...DoubleSeqBnConfig(), phm_layer: true, non_linearity: 'gelu', reduction_factor: 32 });
    expect(CompacterPlusPlusConfig()).toEqual({ ...SeqBnConfig(), phm_layer: true, non_linearity: 'gelu', reduction_factor: 32 });
  });

  it('registers every preset and alias', () => {
    const names = listAdapterPresets();
    for (const name of ['seq_bn', 'double_seq_bn', 'par_bn', 'scaled_par_bn', 'compacter', 'compacter++']) expect(names).toContain(name);
    expect(getAdapterPreset('pfeiffer').create()).toEqual(SeqBnConfig());
    expect(getAdapterPreset('houlsby').create()).toEqual(DoubleSeqBnConfig());
    expect(getAdapterPreset('parallel').create()).toEqual(ParBnConfig());
    expect(getAdapterPreset('scaled_par_bn').create()).toEqual(ParBnConfig({ scaling: 'learned' }));
    expect(getAdapterPreset('scaled_parallel').create()).toEqual(ParBnConfig({ scaling: 'learned' }));
    expect(getAdapterPreset('compacter').create()).toEqual(CompacterConfig());
    expect(getAdapterPreset('compacter++').create({ phm_dim: 2 })).toEqual(CompacterPlusPlusConfig({ phm_dim: 2 }));
  });

  it('validates preset overrides', () => {
    expect(() => getAdapterPreset('seq_bn').create({ reduction_factor: 'big' })).toThrow(ConfigError);
  });
});

describe('size suggestions', () => {
  it('nearestValidPhmDim picks the closest divisor, the larger on a tie', () => {
    expect(nearestValidPhmDim(4, [32, 2])).toBe(2);
    expect(nearestValidPhmDim(3, [32, 4])).toBe(4);
    expect(nearestValidPhmDim(4, [30, 6])).toBe(3);
    expect(nearestValidPhmDim(8, [7, 5])).toBe(1);
  });

  it('suggestReductionFactor keeps the width at least 2 and divisible by phm_dim', () => {
    expect(suggestReductionFactor(32, 32, null)).toBe(16);
    expect(suggestReductionFactor(32, 32, 4)).toBe(8);
    expect(suggestReductionFactor(64, 32, 4)).toBe(16);
    expect(suggestReductionFactor(30, 16, 4)).toBeNull();
  });

  it('reject invalid sizes', () => {
    expect(() => nearestValidPhmDim(0, [32])).toThrow(InvalidArgumentError);
    expect(() => nearestValidPhmDim(4, [])).toThrow(/positive integers, got \[\]/);
    expect(() => suggestReductionFactor(32.5, 4, null)).toThrow(/hiddenSize must be a positive integer, got 32.5/);
    expect(() => suggestReductionFactor(32, 0, null)).toThrow(InvalidArgumentError);
    expect(() => suggestReductionFactor(32, 4, 0)).toThrow(/phmDim/);
  });
});
