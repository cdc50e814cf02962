import * as tf from '@tensorflow/tfjs';
import { initBackend, type Module } from '@peftjs/core-tensor';

import { BnConfig, PHMLayer, bnConfigSchema, kroneckerProduct, type BnConfigInput, type BottleneckAdapter, type PHMOptions } from '../src';
import { goldenCase, maxGoldenDiff, toTensor, type GoldenCase, type GoldenTensor } from './helpers/golden';
import { SingleResidualModel } from './helpers/single-residual-model';

beforeAll(async () => {
  await initBackend();
});

const TOLERANCE = 1e-5;

/** Returns the case's config restricted to BnConfig fields; the file also records AdapterHub-only fields. */
function bnConfigOf(c: GoldenCase): ReturnType<typeof BnConfig> {
  const known = new Set(Object.keys(bnConfigSchema.shape));
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c.config)) if (known.has(key) && value !== null) input[key] = value;
  return BnConfig(input as BnConfigInput);
}

function tensorsOf(parameters: Record<string, GoldenTensor>, prefix = ''): Map<string, tf.Tensor> {
  return new Map(Object.entries(parameters).map(([name, t]) => [`${prefix}${name}`, toTensor(t)]));
}

describe('kroneckerProduct against AdapterHub', () => {
  it.each(['kronecker_product_2x2_2x3', 'kronecker_product_batched_3x(2x2)_3x(2x3)'])('matches %s', (name) => {
    const c = goldenCase(name);
    const inputs = c.inputs as Record<string, GoldenTensor>;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const out = kroneckerProduct(toTensor(inputs.a), toTensor(inputs.b));
      expect(maxGoldenDiff(out, c.output as GoldenTensor)).toBeLessThanOrEqual(TOLERANCE);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects vectors with the shapes in the message', () => {
    tf.tidy(() => {
      expect(() => kroneckerProduct(tf.ones([3]), tf.ones([2, 2]))).toThrow(/\[3\] and \[2,2\]/);
    });
  });
});

describe('PHMLayer against AdapterHub', () => {
  it.each([
    'phm_in8_out4_dim2_fullW',
    'phm_in8_out4_dim2_factorizedW_rank1',
    'phm_in8_out4_dim2_factorizedW_rank1_factorizedRule',
    'phm_in16_out8_dim4_fullW',
  ])('matches %s', (name) => {
    const c = goldenCase(name);
    const config = c.config as Record<string, number | boolean>;
    const options: PHMOptions = {
      phm_dim: config.phm_dim as number,
      phm_rank: config.phm_rank as number,
      factorized_phm_W: config.factorized_phm_W as boolean,
      factorized_phm_rule: config.factorized_phm_rule as boolean,
      shared_W_phm: false,
      shared_phm_rule: false,
      phm_bias: config.phm_bias as boolean,
      phm_c_init: 'normal',
      phm_init_range: 1e-4,
      learn_phm: true,
      hypercomplex_nonlinearity: 'glorot-uniform',
    };
    const before = tf.memory().numTensors;
    const layer = new PHMLayer(config.in_features as number, config.out_features as number, 'down', options, 1);
    const values = tensorsOf(c.parameters);
    layer.loadParameters(values);
    tf.dispose([...values.values()]);

    const intermediates = c.intermediates as Record<string, GoldenTensor>;
    tf.tidy(() => {
      expect(maxGoldenDiff(layer.assembledRule(), intermediates.phm_rule_assembled)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(layer.assembledWeight(), intermediates.W_assembled)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(layer.hypercomplexWeight(), intermediates.H)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(layer.apply(toTensor(c.input as GoldenTensor)), c.output as GoldenTensor)).toBeLessThanOrEqual(TOLERANCE);
    });
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

const BOTTLENECK_CASES = [
  'seqbn_relu_rf4',
  'seqbn_gelu_rf4',
  'seqbn_relu_rf4_scaling2_lnbefore_lnafter',
  'doubleseqbn_swish_rf4 (Houlsby-style: original_ln_before=False)',
];

interface ForwardOnly {
  x: GoldenTensor;
  residual_input: GoldenTensor;
  down: GoldenTensor;
  up: GoldenTensor;
  output: GoldenTensor;
}

interface LayerFlow {
  hidden_states: GoldenTensor;
  input_tensor: GoldenTensor;
  layer_norm: { eps: number; weight: GoldenTensor; bias: GoldenTensor };
  after_pre_forward_hidden: GoldenTensor;
  after_pre_forward_residual: GoldenTensor;
  down: GoldenTensor;
  up: GoldenTensor;
  adapter_output: GoldenTensor;
  final_output: GoldenTensor;
}

/** Builds a model with the case's block LayerNorm and the case's adapter, active and set to the reference weights. */
function layerFlowModel(c: GoldenCase): { model: SingleResidualModel; adapter: BottleneckAdapter } {
  const flow = c.layer_flow as LayerFlow;
  const hidden = c.config.input_size as number;
  const model = new SingleResidualModel(hidden, { eps: flow.layer_norm.eps });
  tf.tidy(() => {
    model.output.LayerNorm.weight.assign(toTensor(flow.layer_norm.weight));
    model.output.LayerNorm.bias.assign(toTensor(flow.layer_norm.bias));
  });
  model.addAdapter('golden', bnConfigOf(c), { setActive: true });
  const adapter = (model.output.getModule('adapters') as Module).getModule('golden') as BottleneckAdapter;
  const values = tensorsOf(c.parameters);
  adapter.loadParameters(values);
  tf.dispose([...values.values()]);
  return { model, adapter };
}

describe('bottleneck adapters against AdapterHub', () => {
  it.each(BOTTLENECK_CASES)('Adapter.forward matches %s', (name) => {
    const c = goldenCase(name);
    const { model, adapter } = layerFlowModel(c);
    const f = c.forward_only as ForwardOnly;
    expect(adapter.width).toBe(c.config.down_sample);
    tf.tidy(() => {
      const { output, down, up } = adapter.run(toTensor(f.x), toTensor(f.residual_input));
      expect(maxGoldenDiff(down, f.down)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(up, f.up)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(output, f.output)).toBeLessThanOrEqual(TOLERANCE);
    });
    model.dispose();
  });

  it.each(BOTTLENECK_CASES)('pre_forward, forward and post_forward match %s', (name) => {
    const c = goldenCase(name);
    const { model, adapter } = layerFlowModel(c);
    const flow = c.layer_flow as LayerFlow;
    tf.tidy(() => {
      const hidden = toTensor(flow.hidden_states);
      const input = toTensor(flow.input_tensor);
      const state = adapter.preForward(hidden, input, model.site.layerNorm);
      expect(maxGoldenDiff(state.hidden, flow.after_pre_forward_hidden)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(state.residual, flow.after_pre_forward_residual)).toBeLessThanOrEqual(TOLERANCE);
      const { output, down, up } = adapter.run(state.hidden, state.residual);
      expect(maxGoldenDiff(down, flow.down)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(up, flow.up)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxGoldenDiff(output, flow.adapter_output)).toBeLessThanOrEqual(TOLERANCE);
      const final = adapter.postForward(output, hidden, input, model.site.layerNorm);
      expect(maxGoldenDiff(final, flow.final_output)).toBeLessThanOrEqual(TOLERANCE);
    });
    model.dispose();
  });

  it.each(BOTTLENECK_CASES)('the residual site output matches %s', (name) => {
    const c = goldenCase(name);
    const { model } = layerFlowModel(c);
    const flow = c.layer_flow as LayerFlow;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const hidden = toTensor(flow.hidden_states);
      const input = toTensor(flow.input_tensor);
      expect(maxGoldenDiff(model.forward(hidden, input), flow.final_output)).toBeLessThanOrEqual(TOLERANCE);
      // Without the adapter the site is the plain post-LN residual, which the reference differs from.
      const plain = model.withAdaptersDisabled(() => model.forward(hidden, input));
      expect(maxGoldenDiff(plain, flow.final_output)).toBeGreaterThan(1e-3);
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
