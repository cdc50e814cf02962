import * as tf from '@tensorflow/tfjs';
import { initBackend, type Module, type Parameter } from '@peftjs/core-tensor';

import { CompacterPlusPlusConfig, ParBnConfig, SeqBnConfig, type BnConfigType, type BottleneckAdapter } from '../src';
import { applyProjection } from '../src/projections';
import { SingleResidualModel } from './helpers/single-residual-model';

/**
 * Gradients of the adapters' parameters against central finite differences. ReLU adapters are
 * checked here rather than by the harness: the points are chosen so that no ReLU pre-activation
 * lies within the finite-difference step of its kink, which the test asserts.
 */

beforeAll(async () => {
  await initBackend();
});

const HIDDEN = 16;
const STEP = 1e-2;

function setup(config: BnConfigType) {
  const model = new SingleResidualModel(HIDDEN, { eps: 1e-5 });
  model.addAdapter('a', config, { setActive: true });
  model.trainAdapter('a');
  model.eval();
  let seed = 100;
  tf.tidy(() => {
    for (const p of model.adapterParameters('a').values()) p.assign(tf.add(p.value, tf.randomNormal(p.shape, 0, 0.3, 'float32', seed++)));
  });
  const adapter = (model.output.getModule('adapters') as Module).getModule('a') as BottleneckAdapter;
  const h = tf.randomNormal([2, 3, HIDDEN], 0, 1, 'float32', 1);
  const r = tf.randomNormal([2, 3, HIDDEN], 0, 1, 'float32', 2);
  const target = tf.randomNormal([2, 3, HIDDEN], 0, 1, 'float32', 3);
  const loss = () => tf.sum(tf.mul(model.forward(h, r), target)) as tf.Scalar;
  const dispose = () => {
    tf.dispose([h, r, target]);
    model.dispose();
  };
  return { model, adapter, h, r, loss, dispose };
}

/**
 * Returns the smallest |pre-activation| of the bottleneck over the batch, and the largest change
 * one finite-difference step of a down-projection weight or bias can make to a pre-activation.
 */
function kinkMargin(s: ReturnType<typeof setup>): { smallest: number; largestShift: number } {
  return tf.tidy(() => {
    const state = s.adapter.preForward(s.h, s.r, s.model.site.layerNorm);
    const pre = applyProjection(s.adapter.adapterDown.projection, state.hidden);
    const largestInput = tf.max(tf.abs(state.hidden)).dataSync()[0];
    return { smallest: tf.min(tf.abs(pre)).dataSync()[0], largestShift: STEP * Math.max(1, largestInput) };
  });
}

function centralDifference(parameter: Parameter, index: number, loss: () => tf.Scalar): number {
  const original = Float32Array.from(parameter.value.dataSync() as Float32Array);
  const at = (value: number) => {
    const values = Float32Array.from(original);
    values[index] = value;
    tf.tidy(() => parameter.assign(tf.tensor(values, parameter.shape)));
    return tf.tidy(() => loss().dataSync()[0]);
  };
  const plus = Math.fround(original[index] + STEP);
  const minus = Math.fround(original[index] - STEP);
  const result = (at(plus) - at(minus)) / (plus - minus);
  tf.tidy(() => parameter.assign(tf.tensor(original, parameter.shape)));
  return result;
}

describe.each([
  ['seq_bn (relu)', SeqBnConfig({ reduction_factor: 4 }), true],
  ['par_bn (relu, learned scaling)', ParBnConfig({ reduction_factor: 4, scaling: 'learned', init_weights: 'bert' }), true],
  ['seq_bn (relu, channel scaling, gate)', SeqBnConfig({ reduction_factor: 4, scaling: 'channel', use_gating: true, ln_after: true }), true],
  ['compacter++ (gelu)', CompacterPlusPlusConfig({ reduction_factor: 4, phm_init_range: 0.3, factorized_phm_rule: true }), false],
])('%s', (_name, config, relu) => {
  it('gradients match central finite differences', () => {
    const s = setup(config);
    if (relu) {
      const { smallest, largestShift } = kinkMargin(s);
      expect(smallest).toBeGreaterThan(largestShift);
    }
    const parameters = [...s.model.adapterParameters('a')];
    const { value, grads } = tf.variableGrads(s.loss, parameters.map(([, p]) => p.variable));
    value.dispose();
    let compared = 0;
    for (const [path, parameter] of parameters) {
      const analytic = grads[parameter.variable.name].dataSync();
      // The first, middle and last coordinate of every parameter.
      for (const index of new Set([0, Math.floor(parameter.size / 2), parameter.size - 1])) {
        const numeric = centralDifference(parameter, index, s.loss);
        const tolerance = 2e-3 + 2e-2 * Math.abs(numeric);
        if (Math.abs(analytic[index] - numeric) > tolerance) {
          throw new Error(`${path}[${index}]: analytic ${analytic[index]}, finite difference ${numeric}`);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(2 * parameters.length);
    tf.dispose(grads);
    s.dispose();
  });
});
