import * as tf from '@tensorflow/tfjs';

import { ACTIVATIONS, ConfigError, gelu, geluTanh, getActivation, initBackend, silu } from '../src';
import { mismatches } from './helpers/close';
import { loadActivationGolden } from './helpers/golden';
import { countLeakedTensors } from './helpers/memory';

beforeAll(async () => {
  await initBackend();
});

const golden = loadActivationGolden();

/** Evaluates the activation registered as `name` at `inputs`. */
function evaluate(name: string, inputs: number[]): Float32Array {
  return tf.tidy(() => getActivation(name)(tf.tensor1d(inputs)).dataSync() as Float32Array);
}

describe('activations against the AdapterHub golden samples', () => {
  it('has samples to compare against', () => {
    expect(golden.inputs).toHaveLength(13);
    expect(Object.keys(golden.outputs).sort()).toEqual(['gelu', 'gelu_new', 'relu', 'sigmoid', 'silu', 'swish', 'tanh']);
  });

  it.each(Object.keys(loadActivationGolden().outputs))('%s matches within 1e-6', (name) => {
    expect(mismatches(evaluate(name, golden.inputs), golden.outputs[name], 1e-6)).toEqual([]);
  });

  it.each(Object.keys(loadActivationGolden().definitions))('resolves the defined name %s', (name) => {
    expect(() => getActivation(name)).not.toThrow();
  });

  it('resolves swish and silu to the same function', () => {
    expect(getActivation('swish')).toBe(silu);
    expect(getActivation('silu')).toBe(silu);
  });
});

describe('gelu and gelu_new', () => {
  it('are different functions', () => {
    expect(getActivation('gelu')).toBe(gelu);
    expect(getActivation('gelu_new')).toBe(geluTanh);
    expect(gelu).not.toBe(geluTanh);
  });

  it('differ as in the reference', () => {
    // The tanh approximation is off by up to about 4e-4 on [−3, 3]. Matching the reference's
    // difference shows that neither name silently maps to the other formula.
    const exact = evaluate('gelu', golden.inputs);
    const approximate = evaluate('gelu_new', golden.inputs);
    const difference = Array.from(exact, (v, i) => v - approximate[i]);
    const expected = golden.outputs.gelu.map((v, i) => v - golden.outputs.gelu_new[i]);

    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(3e-4);
    expect(mismatches(difference, expected, 2e-6)).toEqual([]);
  });

  it.each(['gelu_pytorch_tanh', 'gelu_tanh'])('maps %s to the tanh approximation', (name) => {
    expect(getActivation(name)).toBe(geluTanh);
  });
});

describe('getActivation', () => {
  it('ignores case as AdapterHub does', () => {
    expect(getActivation('GELU')).toBe(gelu);
    expect(getActivation('Gelu_New')).toBe(geluTanh);
    expect(getActivation('ReLU')).toBe(ACTIVATIONS.relu);
  });

  it('maps leakyrelu to a slope of 0.01', () => {
    // AdapterHub's Activation_Function_Class resolves "leakyrelu" to F.leaky_relu (slope 0.01).
    const inputs = [-3, -0.5, 0, 2];

    expect(mismatches(evaluate('leakyrelu', inputs), [-0.03, -0.005, 0, 2], 1e-7)).toEqual([]);
    expect(getActivation('leaky_relu')).toBe(getActivation('leakyrelu'));
  });

  it('returns a copy from linear and identity', () => {
    const x = tf.tensor1d([-1, 0, 2]);
    const y = getActivation('linear')(x);
    y.dispose();

    expect(getActivation('identity')).toBe(getActivation('linear'));
    expect(x.isDisposed).toBe(false);
    expect(Array.from(x.dataSync())).toEqual([-1, 0, 2]);
    x.dispose();
  });

  it('lists every known name for an unknown one', () => {
    let error: unknown;
    try {
      getActivation('gelu_fastest');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('"gelu_fastest"');
    for (const name of Object.keys(ACTIVATIONS)) expect(message).toContain(name);
  });

  it.each(['constructor', 'toString', '__proto__', ''])('rejects the non-activation %j', (name) => {
    expect(() => getActivation(name)).toThrow(ConfigError);
  });

  it('leaves only the output allocated', () => {
    const x = tf.linspace(-4, 4, 33);
    for (const name of Object.keys(ACTIVATIONS)) {
      expect([name, countLeakedTensors(() => getActivation(name)(x).dispose())]).toEqual([name, 0]);
    }
    x.dispose();
  });
});
