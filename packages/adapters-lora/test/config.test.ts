import { ConfigError, initBackend } from '@peftjs/core-tensor';

import {
  IA3Config,
  LoRAConfig,
  exportPeftLoraConfig,
  importPeftLoraConfig,
  matchPatternKey,
  replaceLoRAConfig,
  selectLoRASites,
} from '../src';
import { llamaLikeSites } from './helpers/fake-sites';

beforeAll(async () => {
  await initBackend();
});

describe('LoRAConfig', () => {
  it('has AdapterHub defaults', () => {
    const config = LoRAConfig();
    expect(config).toMatchObject({
      architecture: 'lora',
      r: 8,
      alpha: 8,
      dropout: 0,
      selfattn_lora: true,
      intermediate_lora: false,
      output_lora: false,
      attn_matrices: ['q', 'v'],
      composition_mode: 'add',
      init_weights: 'lora',
      init_weights_seed: null,
      use_rslora: false,
      leave_out: [],
    });
  });

  it('is immutable', () => {
    const config = LoRAConfig({ r: 4 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.attn_matrices)).toBe(true);
    expect(() => {
      (config as { r: number }).r = 16;
    }).toThrow(TypeError);
  });

  it('round-trips through JSON', () => {
    const config = LoRAConfig({ r: 4, alpha: 12, attn_matrices: ['q', 'k'], leave_out: [1], rank_pattern: { q_proj: 2 } });
    expect(LoRAConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it.each([
    [{ r: 0 }, 'r'],
    [{ r: 2.5 }, 'r'],
    [{ alpha: -1 }, 'alpha'],
    [{ dropout: 1 }, 'dropout'],
    [{ attn_matrices: ['x'] }, 'attn_matrices'],
    [{ init_weights: 'xavier' }, 'init_weights'],
    [{ composition_mode: 'scale', r: 2, init_weights: 'ia3' }, 'r'],
    [{ composition_mode: 'scale', r: 1 }, 'init_weights'],
    [{ selfattn_lora: false }, 'selfattn_lora'],
    [{ unknown_field: 1 }, 'unknown_field'],
    [{ target_modules: '(' }, 'target_modules'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => LoRAConfig(input as never)).toThrow(ConfigError);
    expect(() => LoRAConfig(input as never)).toThrow(field);
  });

  it('builds the (IA)³ preset', () => {
    const config = IA3Config();
    expect(config).toMatchObject({
      composition_mode: 'scale',
      r: 1,
      alpha: 1,
      init_weights: 'ia3',
      attn_matrices: ['k', 'v'],
      intermediate_lora: true,
    });
  });

  it('replaces fields and validates again', () => {
    const config = replaceLoRAConfig(LoRAConfig(), { r: 16 });
    expect(config.r).toBe(16);
    expect(() => replaceLoRAConfig(config, { r: -1 })).toThrow(ConfigError);
  });
});

describe('site selection and scaling', () => {
  const fixture = llamaLikeSites(3);
  afterAll(() => fixture.dispose());

  it('selects q and v of every layer by default', () => {
    const { sites } = selectLoRASites(LoRAConfig(), fixture.sites, fixture.model);
    expect(sites.map((s) => s.site.path)).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.self_attn.v_proj',
      'model.layers.2.self_attn.q_proj',
      'model.layers.2.self_attn.v_proj',
    ]);
  });

  it('honours locations and leave_out', () => {
    const config = LoRAConfig({ selfattn_lora: false, intermediate_lora: true, output_lora: true, leave_out: [0, 2] });
    const { sites } = selectLoRASites(config, fixture.sites, fixture.model);
    expect(sites.map((s) => s.site.path)).toEqual([
      'model.layers.1.mlp.gate_proj',
      'model.layers.1.mlp.up_proj',
      'model.layers.1.mlp.down_proj',
    ]);
  });

  it('rejects leave_out beyond the model', () => {
    expect(() => selectLoRASites(LoRAConfig({ leave_out: [7] }), fixture.sites, fixture.model)).toThrow(/\[7\].*3 layers/);
  });

  it('scales by alpha / r exactly', () => {
    const { sites } = selectLoRASites(LoRAConfig({ r: 16, alpha: 3 }), fixture.sites, fixture.model);
    expect(sites[0].settings.scaling).toBe(3 / 16);
  });

  it('scales by alpha / sqrt(r) with rsLoRA', () => {
    const { sites } = selectLoRASites(LoRAConfig({ r: 16, alpha: 3, use_rslora: true }), fixture.sites, fixture.model);
    expect(sites[0].settings.scaling).toBe(3 / 4);
  });

  it('resolves rank and alpha patterns independently', () => {
    const config = LoRAConfig({
      r: 8,
      alpha: 16,
      attn_matrices: ['q', 'k', 'v'],
      rank_pattern: { k_proj: 2 },
      alpha_pattern: { 'layers\\.1\\.self_attn\\.q_proj': 4, v_proj: 32 },
    });
    const { sites, warnings } = selectLoRASites(config, fixture.sites, fixture.model);
    const byPath = new Map(sites.map((s) => [s.site.path, s.settings]));
    expect(byPath.get('model.layers.0.self_attn.q_proj')).toEqual({ r: 8, alpha: 16, scaling: 2 });
    expect(byPath.get('model.layers.1.self_attn.q_proj')).toEqual({ r: 8, alpha: 4, scaling: 0.5 });
    expect(byPath.get('model.layers.0.self_attn.k_proj')).toEqual({ r: 2, alpha: 16, scaling: 8 });
    expect(byPath.get('model.layers.2.self_attn.v_proj')).toEqual({ r: 8, alpha: 32, scaling: 4 });
    expect(warnings).toEqual([]);
  });

  it('reports pattern keys that match no module', () => {
    const config = LoRAConfig({ rank_pattern: { nonexistent_proj: 4 }, alpha_pattern: { 'layers\\.9\\.': 1 } });
    const { warnings } = selectLoRASites(config, fixture.sites, fixture.model);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('"nonexistent_proj"');
    expect(warnings[1]).toContain('alpha_pattern');
  });

  it('warns when r exceeds a matrix dimension', () => {
    const { warnings } = selectLoRASites(LoRAConfig({ r: 12, attn_matrices: ['k'] }), fixture.sites, fixture.model);
    expect(warnings.length).toBe(3);
    expect(warnings[0]).toMatch(/r = 12 .* 8×16/);
  });

  it('matches PEFT target_modules lists and regular expressions', () => {
    const list = selectLoRASites(LoRAConfig({ target_modules: ['q_proj', 'down_proj'] }), fixture.sites, fixture.model);
    expect(list.sites).toHaveLength(6);
    const regex = selectLoRASites(LoRAConfig({ target_modules: '.*\\.1\\.self_attn\\.(k|v)_proj' }), fixture.sites, fixture.model);
    expect(regex.sites.map((s) => s.site.path)).toEqual(['model.layers.1.self_attn.k_proj', 'model.layers.1.self_attn.v_proj']);
  });

  it('raises when nothing is selected', () => {
    expect(() => selectLoRASites(LoRAConfig({ target_modules: ['query'] }), fixture.sites, fixture.model)).toThrow(
      /selects no linear layer/,
    );
  });

  it('matches pattern keys on dotted suffixes only', () => {
    expect(matchPatternKey('model.layers.0.self_attn.q_proj', ['q_proj'])).toBe('q_proj');
    expect(matchPatternKey('model.layers.0.self_attn.xq_proj', ['q_proj'])).toBeUndefined();
  });
});

describe('PEFT LoraConfig files', () => {
  const fixture = llamaLikeSites(3);
  afterAll(() => fixture.dispose());

  const peftFile = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: 4,
    lora_alpha: 12,
    lora_dropout: 0.05,
    target_modules: ['q_proj', 'v_proj'],
    init_lora_weights: true,
    use_rslora: false,
    rank_pattern: { v_proj: 2 },
    alpha_pattern: {},
    layers_to_transform: [0, 2],
    bias: 'none',
    some_future_key: { anything: true },
  };

  it('imports fields and ignores unknown keys', () => {
    const { config, warnings } = importPeftLoraConfig(peftFile, fixture);
    expect(config).toMatchObject({ r: 4, alpha: 12, dropout: 0.05, target_modules: ['q_proj', 'v_proj'], leave_out: [1], rank_pattern: { v_proj: 2 } });
    expect(warnings).toEqual([]);
  });

  it('reports rank_pattern keys that match nothing', () => {
    const { warnings } = importPeftLoraConfig({ ...peftFile, rank_pattern: { o_proj: 2 } }, fixture);
    expect(warnings).toEqual([expect.stringContaining('"o_proj"')]);
  });

  it('rejects features it cannot run', () => {
    expect(() => importPeftLoraConfig({ ...peftFile, bias: 'all' }, fixture)).toThrow(/bias/);
    expect(() => importPeftLoraConfig({ ...peftFile, use_dora: true }, fixture)).toThrow(/DoRA/);
    expect(() => importPeftLoraConfig({ ...peftFile, fan_in_fan_out: true }, fixture)).toThrow(/fan_in_fan_out/);
  });

  it('exports exact module paths that PEFT reads back', () => {
    const config = LoRAConfig({ r: 4, alpha: 8, leave_out: [1] });
    const exported = exportPeftLoraConfig(config, fixture);
    expect(exported).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, bias: 'none' });
    expect(exported.target_modules).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.2.self_attn.q_proj',
      'model.layers.2.self_attn.v_proj',
    ]);
    const back = importPeftLoraConfig(exported, fixture).config;
    expect(selectLoRASites(back, fixture.sites, fixture.model).sites.map((s) => s.site.path)).toEqual(exported.target_modules);
  });
});
