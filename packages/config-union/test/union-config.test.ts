import { IA3Config, LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { ConfigError, getAdapterPreset, initBackend, parseAdapterConfig, type AdapterConfig } from '@peftjs/core-tensor';

import {
  ConfigUnion,
  MAMConfig,
  UniPELTConfig,
  configUnionMember,
  isConfigUnion,
  parseConfigUnion,
  replaceConfigUnion,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

function preset(name: string, overrides: Record<string, unknown> = {}): AdapterConfig {
  return getAdapterPreset(name).create(overrides);
}

describe('ConfigUnion validation', () => {
  const valid: [string, () => AdapterConfig[]][] = [
    ['prefix tuning + par_bn', () => [PrefixTuningConfig(), preset('par_bn')]],
    ['prefix tuning + seq_bn', () => [PrefixTuningConfig(), preset('seq_bn')]],
    [
      'double_seq_bn without mh_adapter + double_seq_bn without output_adapter',
      () => [preset('double_seq_bn', { mh_adapter: false }), preset('double_seq_bn', { output_adapter: false })],
    ],
    ['two seq_bn with disjoint leave_out', () => [preset('seq_bn', { leave_out: [0, 1] }), preset('seq_bn', { leave_out: [2, 3] })]],
    ['LoRA + prefix tuning', () => [LoRAConfig(), PrefixTuningConfig()]],
    ['compacter + LoRA', () => [preset('compacter', { reduction_factor: 8 }), LoRAConfig({ init_weights: 'bert' })]],
  ];
  it.each(valid)('accepts %s', (_label, members) => {
    const union = ConfigUnion(...members());
    expect(union.architecture).toBe('union');
    expect(union.configs).toEqual(members());
  });

  const invalid: [string, () => AdapterConfig[], RegExp][] = [
    ['MAM + seq_bn', () => [MAMConfig(), preset('seq_bn')], /configs\[0\] \(union\) is itself a union \(of prefix_tuning, bottleneck\); unions cannot be nested/],
    [
      'seq_bn + seq_bn',
      () => [preset('seq_bn'), preset('seq_bn')],
      /configs\[0\] \(bottleneck, mh_adapter false, output_adapter true\) and configs\[1\] \(bottleneck, mh_adapter false, output_adapter true\) would both act at the output_adapter residual site;/,
    ],
    [
      'seq_bn + double_seq_bn',
      () => [preset('seq_bn'), preset('double_seq_bn')],
      /configs\[0\] \(bottleneck, mh_adapter false, output_adapter true\) and configs\[1\] \(bottleneck, mh_adapter true, output_adapter true\) would both act at the output_adapter residual site;/,
    ],
    ['LoRA + (IA)³', () => [LoRAConfig(), IA3Config()], /configs\[0\] \(lora\) and configs\[1\] \(lora\) have the same architecture "lora" \(LoRA and \(IA\)³ are both "lora"\)/],
    ['prefix tuning + prefix tuning', () => [PrefixTuningConfig(), PrefixTuningConfig({ flat: true })], /configs\[0\] \(prefix_tuning\) and configs\[1\] \(prefix_tuning\) have the same architecture/],
    ['a number', () => [LoRAConfig(), 5 as unknown as AdapterConfig], /configs\[1\] of the union is not an adapter config \(got 5\)/],
    ['null', () => [null as unknown as AdapterConfig], /configs\[0\] of the union is not an adapter config \(got null\)/],
    ['an invalid member', () => [{ architecture: 'lora', r: 0 } as AdapterConfig], /Invalid union member configs\[0\] \(lora\): Invalid LoRA config: r:/],
    ['no members', () => [], /at least one member/],
  ];
  it.each(invalid)('rejects %s', (_label, members, message) => {
    expect(() => ConfigUnion(...members())).toThrow(ConfigError);
    expect(() => ConfigUnion(...members())).toThrow(message);
  });

  it('an unregistered member names its architecture', () => {
    expect(() => ConfigUnion({ architecture: 'nonexistent' })).toThrow(/No adapter method is registered as "nonexistent"/);
  });
});

describe('union configs', () => {
  it('serialise as architecture and configs', () => {
    const union = ConfigUnion(LoRAConfig({ r: 4 }), PrefixTuningConfig({ prefix_length: 7 }));
    const json = JSON.parse(JSON.stringify(union));
    expect(Object.keys(json)).toEqual(['architecture', 'configs']);
    expect(json.configs[0]).toMatchObject({ architecture: 'lora', r: 4 });
    expect(json.configs[1]).toMatchObject({ architecture: 'prefix_tuning', prefix_length: 7 });
    expect(parseAdapterConfig(json)).toEqual(union);
    expect(parseConfigUnion(json)).toEqual(union);
    expect(Object.isFrozen(union.configs[1])).toBe(true);
  });

  it('parsing rejects extra keys and a missing list', () => {
    expect(() => parseConfigUnion({ architecture: 'union', configs: [], extra: 1 })).toThrow(/unknown keys extra/);
    expect(() => parseConfigUnion({ architecture: 'union' })).toThrow(/"configs" must be an array/);
    expect(() => parseConfigUnion({ architecture: 'lora' })).toThrow(ConfigError);
  });

  it('members are addressable by index', () => {
    const union = ConfigUnion(LoRAConfig({ r: 4 }), PrefixTuningConfig());
    expect(configUnionMember(union, 0)).toBe(union.configs[0]);
    expect(configUnionMember(union, 1).architecture).toBe('prefix_tuning');
    expect(() => configUnionMember(union, 2)).toThrow(/index 2 is invalid: the union has 2 members \(0\.\.1\)/);
    expect(isConfigUnion(union)).toBe(true);
    expect(isConfigUnion(LoRAConfig())).toBe(false);
  });

  it('replace changes every member that has the field', () => {
    const union = ConfigUnion(LoRAConfig({ r: 4 }), PrefixTuningConfig());
    const replaced = replaceConfigUnion(union, { leave_out: [1], prefix_length: 9 });
    expect(replaced.configs[0]).toEqual(LoRAConfig({ r: 4, leave_out: [1] }));
    expect(replaced.configs[1]).toEqual(PrefixTuningConfig({ leave_out: [1], prefix_length: 9 }));
    expect(union.configs[0]).toEqual(LoRAConfig({ r: 4 }));
    expect(() => replaceConfigUnion(union, { nonsense: 1 })).toThrow(/has the field\(s\) nonsense/);
    expect(() => replaceConfigUnion(union, { r: -1 })).toThrow(ConfigError);
    expect(() => replaceConfigUnion(union, { configs: [] })).toThrow(/cannot change configs/);
  });
});

describe('MAM and UniPELT', () => {
  it('MAM is prefix tuning with bottleneck 800 plus par_bn', () => {
    const mam = MAMConfig();
    expect(mam.configs).toEqual([PrefixTuningConfig({ bottleneck_size: 800 }), preset('par_bn')]);
    expect(getAdapterPreset('mam').create()).toEqual(mam);
  });

  it('UniPELT gates prefix tuning, seq_bn and LoRA', () => {
    const unipelt = UniPELTConfig();
    expect(unipelt.configs).toEqual([
      PrefixTuningConfig({ prefix_length: 10, use_gating: true }),
      preset('seq_bn', { reduction_factor: 16, use_gating: true }),
      LoRAConfig({ r: 8, alpha: 2, use_gating: true }),
    ]);
    expect(getAdapterPreset('unipelt').create()).toEqual(unipelt);
  });

  it('preset overrides reach the members that have the field', () => {
    const mam = getAdapterPreset('mam').create({ leave_out: [0], prefix_length: 12 }) as ReturnType<typeof MAMConfig>;
    expect(mam.configs[0]).toMatchObject({ leave_out: [0], prefix_length: 12, bottleneck_size: 800 });
    expect(mam.configs[1]).toMatchObject({ leave_out: [0], is_parallel: true });
  });

  it('members can be replaced', () => {
    const mam = MAMConfig({ adapter: preset('par_bn', { reduction_factor: 4 }) });
    expect(mam.configs[1]).toMatchObject({ reduction_factor: 4 });
    expect(() => UniPELTConfig({ lora: IA3Config(), prefixTuning: LoRAConfig() })).toThrow(/same architecture "lora"/);
  });
});
