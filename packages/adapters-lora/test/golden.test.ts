import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@peftjs/core-tensor';

import { IA3Config, LoRAConfig } from '../src';
import { SingleLinearModel } from './helpers/single-linear-model';

interface GoldenTensor {
  shape: number[];
  values: number[];
}

interface GoldenCase {
  name: string;
  config: Record<string, number | string | boolean>;
  parameters: Record<string, GoldenTensor>;
  input: GoldenTensor;
  outputs: Record<string, GoldenTensor>;
}

const golden = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../fixtures/golden/adapterhub_modules_reference.json'), 'utf8'),
) as { cases: GoldenCase[] };

function goldenCase(name: string): GoldenCase {
  const found = golden.cases.find((c) => c.name === name);
  if (!found) throw new Error(`golden case ${name} not found`);
  return found;
}

const toTensor = (t: GoldenTensor) => tf.tensor(t.values, t.shape);

function expectClose(actual: tf.Tensor, expected: GoldenTensor, tolerance = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  const values = actual.dataSync();
  let maxDiff = 0;
  expected.values.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(values[i] - v))));
  expect(maxDiff).toBeLessThanOrEqual(tolerance);
}

/** Builds the reference layer with its base weight and bias. */
function modelFor(c: GoldenCase): SingleLinearModel {
  const inFeatures = c.config.in_features as number;
  const outFeatures = c.config.out_features as number;
  const model = new SingleLinearModel(inFeatures, outFeatures);
  tf.tidy(() => {
    model.linear.weight.assign(toTensor(c.parameters.base_weight));
    model.linear.bias!.assign(toTensor(c.parameters.base_bias));
  });
  return model;
}

beforeAll(async () => {
  await initBackend();
});

describe('LoRA against AdapterHub reference outputs', () => {
  const c = goldenCase('lora_r2_alpha4_in6_out5');

  it('matches delta, layer output and merged weight', () => {
    const before = tf.memory().numTensors;
    const model = modelFor(c);
    model.addAdapter('golden', LoRAConfig({ r: c.config.r as number, alpha: c.config.alpha as number }), { setActive: true });
    const params = model.adapterParameters('golden');
    tf.tidy(() => {
      params.get('layers.0.q_proj.lora_A.golden.weight')!.assign(toTensor(c.parameters.lora_A));
      params.get('layers.0.q_proj.lora_B.golden.weight')!.assign(toTensor(c.parameters.lora_B));
    });

    tf.tidy(() => {
      const x = toTensor(c.input);
      const base = model.withAdaptersDisabled(() => model.forward(x));
      expectClose(base, c.outputs.base_output);
      const adapted = model.forward(x);
      expectClose(adapted, c.outputs.layer_output);
      expectClose(tf.sub(adapted, base), c.outputs.lora_delta);
    });

    model.mergeAdapter('golden');
    expectClose(model.linear.weight.value, c.outputs.merged_weight);
    tf.tidy(() => expectClose(model.forward(toTensor(c.input)), c.outputs.merged_layer_output));

    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('(IA)³ against AdapterHub reference outputs', () => {
  const c = goldenCase('ia3_alpha1_in6_out5');

  it('matches the scaled layer output', () => {
    const model = modelFor(c);
    model.addAdapter('ia3', IA3Config({ alpha: c.config.alpha as number, attn_matrices: ['q'] }), { setActive: true });
    const lora_B = model.adapterParameters('ia3').get('layers.0.q_proj.lora_B.ia3.weight')!;
    tf.tidy(() => lora_B.assign(toTensor(c.parameters.lora_B)));

    tf.tidy(() => {
      const x = toTensor(c.input);
      expectClose(model.withAdaptersDisabled(() => model.forward(x)), c.outputs.base_output);
      expectClose(model.forward(x), c.outputs.layer_output);
    });
    model.dispose();
  });

  it('scales weight and bias when merging, so merged equals unmerged', () => {
    const model = modelFor(c);
    model.addAdapter('ia3', IA3Config({ alpha: c.config.alpha as number, attn_matrices: ['q'] }), { setActive: true });
    tf.tidy(() => model.adapterParameters('ia3').get('layers.0.q_proj.lora_B.ia3.weight')!.assign(toTensor(c.parameters.lora_B)));

    model.mergeAdapter('ia3');
    // The weight matches the reference merge; the bias is scaled as well, which the reference
    // does not do, so the merged output equals the unmerged one rather than the reference's
    // merged output.
    expectClose(model.linear.weight.value, c.outputs.merged_weight);
    tf.tidy(() => expectClose(model.forward(toTensor(c.input)), c.outputs.layer_output));

    const referenceMerged = c.outputs.merged_layer_output.values;
    const unmergedExpected = c.outputs.layer_output.values;
    const differs = referenceMerged.some((v, i) => Math.abs(v - unmergedExpected[i]) > 1e-3);
    expect(differs).toBe(true);
    model.dispose();
  });
});
