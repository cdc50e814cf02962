import { InvalidArgumentError, Linear, type AdapterConfig, type LinearSite } from '@peftjs/core-tensor';
import { initBackend } from '@peftjs/core-tensor';

import { degenerateConfigsFor, degenerateVariant, sizeConfigToModel, type SizingModel } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Builds a model with hidden size 32 and linear layers of 32×32 and 16×32, as the tiny Llama's q and k. */
function fakeModel(hiddenSize = 32): SizingModel & { dispose(): void } {
  const q = new Linear(hiddenSize, hiddenSize, { bias: false });
  const k = new Linear(hiddenSize, hiddenSize / 2, { bias: false });
  const site = (linear: Linear, matrix: string): LinearSite => ({
    kind: 'linear',
    path: `layers.0.${matrix}`,
    layerIndex: 0,
    location: 'selfattn',
    matrix,
    linear,
  });
  return {
    describe: () => ({ modelType: 'fake', hiddenSize, numLayers: 1 }),
    adaptationSites: () => [site(q, 'q'), site(k, 'k')],
    dispose: () => {
      q.dispose();
      k.dispose();
    },
  };
}

const bottleneck = (fields: Record<string, unknown>) => ({ architecture: 'bottleneck', ...fields }) as AdapterConfig;

describe('sizeConfigToModel', () => {
  let model: ReturnType<typeof fakeModel>;
  beforeAll(() => {
    model = fakeModel();
  });
  afterAll(() => model.dispose());

  it('raises a reduction factor that gives width 1 to a PHM-divisible width', () => {
    const { config, changes } = sizeConfigToModel(bottleneck({ reduction_factor: 32, phm_layer: true, phm_dim: 4 }), model);
    expect((config as unknown as { reduction_factor: number }).reduction_factor).toBe(8);
    expect(changes).toEqual([
      'reduction_factor 32 → 8: hidden size 32 / 32 gives a bottleneck width of 1, 8 gives 4 (at least 4 and a multiple of phm_dim 4)',
    ]);
  });

  it('keeps widths that already fit and returns the same object', () => {
    const original = bottleneck({ reduction_factor: 4, phm_layer: false });
    const sized = sizeConfigToModel(original, model);
    expect(sized.config).toBe(original);
    expect(sized.changes).toEqual([]);
  });

  it('sizes width 2 without PHM to width 4', () => {
    const { config } = sizeConfigToModel(bottleneck({ reduction_factor: 16 }), model);
    expect((config as unknown as { reduction_factor: number }).reduction_factor).toBe(8);
  });

  it('lowers a non-dividing phm_dim', () => {
    const { config, changes } = sizeConfigToModel(bottleneck({ reduction_factor: 16, phm_layer: true, phm_dim: 3 }), model);
    const sized = config as unknown as { phm_dim: number; reduction_factor: number };
    expect(sized.phm_dim).toBe(2);
    expect(sized.reduction_factor).toBe(8);
    expect(changes[0]).toBe('phm_dim 3 → 2: 3 does not divide hidden size 32');
  });

  it('sizes every entry of a reduction-factor map', () => {
    const { config } = sizeConfigToModel(bottleneck({ reduction_factor: { default: 32, '0': 2 } }), model);
    expect((config as unknown as { reduction_factor: Record<string, number> }).reduction_factor).toEqual({ default: 8, '0': 2 });
  });

  it('lowers r to the smallest linear dimension', () => {
    const { config, changes } = sizeConfigToModel({ architecture: 'lora', r: 64 } as AdapterConfig, model);
    expect((config as unknown as { r: number }).r).toBe(16);
    expect(changes).toEqual(['r 64 → 16: the smallest linear layer of the model has 16 rows or columns']);
  });

  it('sizes union members one by one', () => {
    const union = { architecture: 'union', configs: [bottleneck({ reduction_factor: 32 }), { architecture: 'lora', r: 8 }] } as AdapterConfig;
    const { config, changes } = sizeConfigToModel(union, model);
    const members = (config as unknown as { configs: Record<string, unknown>[] }).configs;
    expect(members[0].reduction_factor).toBe(8);
    expect(members[1].r).toBe(8);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(/^configs\[0\]\.reduction_factor 32 → 8/);
  });

  it('rejects a config without architecture and a model without sites', () => {
    expect(() => sizeConfigToModel({} as AdapterConfig, model)).toThrow(InvalidArgumentError);
    expect(() => sizeConfigToModel(bottleneck({}), {} as SizingModel)).toThrow(/needs a model with describe\(\) and adaptationSites\(\)/);
  });
});

describe('degenerate configs', () => {
  let model: ReturnType<typeof fakeModel>;
  beforeAll(() => {
    model = fakeModel();
  });
  afterAll(() => model.dispose());

  it('derives each kind from the fields a config has', () => {
    const width = degenerateVariant('bottleneck-width-below-2', bottleneck({ reduction_factor: 8 }), model);
    expect(width!.config).toEqual({ architecture: 'bottleneck', reduction_factor: 32 });
    const phm = degenerateVariant('phm-dim-not-dividing', bottleneck({ reduction_factor: 8, phm_layer: true, phm_dim: 4 }), model);
    expect((phm!.config as unknown as { phm_dim: number }).phm_dim).toBe(3);
    const rank = degenerateVariant('rank-exceeds-dimension', { architecture: 'lora', r: 8 } as AdapterConfig, model);
    expect((rank!.config as unknown as { r: number }).r).toBe(33);
  });

  it('skips kinds whose fields a config lacks', () => {
    expect(degenerateVariant('bottleneck-width-below-2', { architecture: 'lora', r: 8 } as AdapterConfig, model)).toBeNull();
    expect(degenerateVariant('phm-dim-not-dividing', bottleneck({ reduction_factor: 8 }), model)).toBeNull();
    expect(degenerateVariant('rank-exceeds-dimension', bottleneck({ reduction_factor: 8 }), model)).toBeNull();
  });

  it('combines kinds and declared cases', () => {
    const variants = degenerateConfigsFor(
      ['rank-exceeds-dimension', { name: 'explicit', config: () => ({ architecture: 'lora', r: 0 }) as AdapterConfig, expect: 'error' }],
      { architecture: 'lora', r: 8 } as AdapterConfig,
      model,
    );
    expect(variants.map((v) => v.name)).toEqual(['rank-exceeds-dimension', 'explicit']);
    expect(variants[1].expect).toBe('error');
    expect(() => degenerateVariant('nonsense' as never, bottleneck({}), model)).toThrow(/Unknown degenerate kind "nonsense"/);
  });
});
