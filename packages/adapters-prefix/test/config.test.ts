import { ConfigError, getAdapterPreset, initBackend, parseAdapterConfig } from '@peftjs/core-tensor';

import { PrefixTuningConfig, replacePrefixTuningConfig } from '../src';

beforeAll(async () => {
  await initBackend();
});

describe('PrefixTuningConfig', () => {
  it('has AdapterHub defaults', () => {
    expect(PrefixTuningConfig()).toEqual({
      architecture: 'prefix_tuning',
      encoder_prefix: true,
      cross_prefix: true,
      leave_out: [],
      flat: false,
      prefix_length: 30,
      bottleneck_size: 512,
      non_linearity: 'tanh',
      dropout: 0,
      use_gating: false,
      shared_gating: true,
      init_weights_seed: null,
    });
  });

  it('is frozen', () => {
    const config = PrefixTuningConfig({ leave_out: [1] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.leave_out)).toBe(true);
  });

  it.each([
    [{ prefix_length: 0 }, /prefix_length/],
    [{ prefix_length: 2.5 }, /prefix_length/],
    [{ bottleneck_size: -1 }, /bottleneck_size/],
    [{ non_linearity: 'softsign' }, /non_linearity: unknown activation/],
    [{ dropout: 1 }, /dropout/],
    [{ leave_out: [-1] }, /leave_out/],
    [{ use_gating: 'yes' }, /use_gating/],
    [{ prefix_len: 10 }, /prefix_len/],
  ])('rejects %j', (input, message) => {
    expect(() => PrefixTuningConfig(input as never)).toThrow(ConfigError);
    expect(() => PrefixTuningConfig(input as never)).toThrow(message);
  });

  it('round-trips through JSON and the registry', () => {
    const config = PrefixTuningConfig({ prefix_length: 12, flat: true, leave_out: [0, 2], use_gating: true, shared_gating: false });
    expect(parseAdapterConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('replace validates the result', () => {
    const config = PrefixTuningConfig({ prefix_length: 12 });
    expect(replacePrefixTuningConfig(config, { flat: true })).toEqual({ ...config, flat: true });
    expect(() => replacePrefixTuningConfig(config, { prefix_length: 0 })).toThrow(ConfigError);
  });
});

describe('presets', () => {
  it('prefix_tuning is the default config', () => {
    expect(getAdapterPreset('prefix_tuning').create()).toEqual(PrefixTuningConfig());
  });

  it('prefix_tuning_flat learns flat prefixes', () => {
    expect(getAdapterPreset('prefix_tuning_flat').create({ prefix_length: 4 })).toEqual(PrefixTuningConfig({ flat: true, prefix_length: 4 }));
  });

  it('overrides are validated', () => {
    expect(() => getAdapterPreset('prefix_tuning').create({ prefix_length: 'long' })).toThrow(ConfigError);
  });
});
