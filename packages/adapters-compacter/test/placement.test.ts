import * as tf from '@tensorflow/tfjs';
import { Stack, initBackend, type Parameter } from '@peftjs/core-tensor';

import { DoubleSeqBnConfig, ParBnConfig, SeqBnConfig, type BnConfigType } from '../src';
import { maxAbsDiff } from './helpers/models';
import { SingleResidualModel } from './helpers/single-residual-model';

/**
 * Checks where the adapter sits relative to the residual add and the block LayerNorm, against
 * formulas written out with plain tfjs operations. These are the paths the golden file does not
 * record: pre-norm sites, parallel adapters, the residual options, gating and stacks.
 */

beforeAll(async () => {
  await initBackend();
});

const HIDDEN = 8;

interface Setup {
  model: SingleResidualModel;
  h: tf.Tensor;
  r: tf.Tensor;
  params: (name: string) => (path: string) => tf.Tensor;
}

function setup(configs: Record<string, BnConfigType>, preNorm: boolean): Setup {
  const model = new SingleResidualModel(HIDDEN, { preNorm, eps: 1e-5 });
  tf.tidy(() => {
    model.output.LayerNorm.weight.assign(tf.randomNormal([HIDDEN], 1, 0.2, 'float32', 1));
    model.output.LayerNorm.bias.assign(tf.randomNormal([HIDDEN], 0, 0.2, 'float32', 2));
  });
  let seed = 10;
  for (const [name, config] of Object.entries(configs)) {
    model.addAdapter(name, config);
    // Larger weights than bert init, so every term of the formulas is visible in the output.
    tf.tidy(() => {
      for (const p of model.adapterParameters(name).values()) p.assign(tf.randomNormal(p.shape, 0, 0.5, 'float32', seed++));
    });
  }
  const h = tf.randomNormal([2, 3, HIDDEN], 0, 1, 'float32', 3);
  const r = tf.randomNormal([2, 3, HIDDEN], 0, 1, 'float32', 4);
  const params = (name: string) => {
    const all = model.adapterParameters(name);
    return (path: string) => (all.get(`block.output.adapters.${name}.${path}`) as Parameter).value;
  };
  return { model, h, r, params };
}

function linear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.add(tf.matMul(x.reshape([-1, weight.shape[1]!]), weight, false, true).reshape([...x.shape.slice(0, -1), weight.shape[0]!]), bias);
}

/** `up(act(down(x)))`: the bottleneck without scaling or residual. */
function delta(p: (path: string) => tf.Tensor, x: tf.Tensor, act: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const down = act(linear(x, p('adapter_down.0.weight'), p('adapter_down.0.bias')));
  return linear(down, p('adapter_up.weight'), p('adapter_up.bias'));
}

const relu = (t: tf.Tensor) => tf.relu(t);
const swish = (t: tf.Tensor) => tf.mul(t, tf.sigmoid(t));

function check(s: Setup, active: Parameters<SingleResidualModel['setActiveAdapters']>[0], expected: () => tf.Tensor): void {
  s.model.setActiveAdapters(active);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const actual = s.model.forward(s.h, s.r);
    const reference = expected();
    expect(maxAbsDiff(actual, reference)).toBeLessThan(1e-5);
    // The reference must differ from the plain residual, or the check proves nothing.
    const plain = s.model.withAdaptersDisabled(() => s.model.forward(s.h, s.r));
    expect(maxAbsDiff(reference, plain)).toBeGreaterThan(1e-2);
  });
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([s.h, s.r]);
  s.model.setActiveAdapters(null);
  s.model.dispose();
}

const LN = (s: Setup, t: tf.Tensor) => s.model.output.LayerNorm.apply(t);

describe('pre-norm sites (no block LayerNorm)', () => {
  it('seq_bn adapts the sum of sub-layer output and block input, then adds both', () => {
    const s = setup({ a: SeqBnConfig({ reduction_factor: 2 }) }, true);
    const p = s.params('a');
    check(s, 'a', () => {
      const sum = tf.add(s.h, s.r);
      return tf.add(tf.add(delta(p, sum, relu), s.h), s.r);
    });
  });

  it('double_seq_bn adapts the sub-layer output before the residual add', () => {
    const s = setup({ a: DoubleSeqBnConfig({ reduction_factor: 2 }) }, true);
    const p = s.params('a');
    check(s, 'a', () => tf.add(tf.add(delta(p, s.h, swish), s.h), s.r));
  });

  it('par_bn reads the block input and joins the sub-layer output', () => {
    const s = setup({ a: ParBnConfig() }, true);
    const p = s.params('a');
    check(s, 'a', () => tf.add(tf.add(s.h, tf.mul(delta(p, s.r, relu), 4)), s.r));
  });
});

describe('post-LN sites (block LayerNorm)', () => {
  it('par_bn runs LN(h + scaling · adapter(r) + r)', () => {
    const s = setup({ a: ParBnConfig() }, false);
    const p = s.params('a');
    check(s, 'a', () => LN(s, tf.add(tf.add(s.h, tf.mul(delta(p, s.r, relu), 4)), s.r)));
  });

  it('learned scaling multiplies the up projection', () => {
    const s = setup({ a: ParBnConfig({ scaling: 'learned' }) }, false);
    const p = s.params('a');
    expect(p('scaling').shape).toEqual([1]);
    check(s, 'a', () => LN(s, tf.add(tf.add(s.h, tf.mul(delta(p, s.r, relu), p('scaling'))), s.r)));
  });

  it('channel scaling has one factor per hidden unit', () => {
    const s = setup({ a: SeqBnConfig({ reduction_factor: 2, scaling: 'channel' }) }, false);
    const p = s.params('a');
    expect(p('scaling').shape).toEqual([HIDDEN]);
    check(s, 'a', () => {
      const x = LN(s, tf.add(s.h, s.r));
      return LN(s, tf.add(tf.add(tf.mul(delta(p, x, relu), p('scaling')), s.h), s.r));
    });
  });

  it('residual_before_ln false adds back the normalised adapter input', () => {
    const s = setup({ a: SeqBnConfig({ reduction_factor: 2, residual_before_ln: false }) }, false);
    const p = s.params('a');
    check(s, 'a', () => {
      const x = LN(s, tf.add(s.h, s.r));
      return LN(s, tf.add(tf.add(delta(p, x, relu), x), s.r));
    });
  });

  it('residual_before_ln post_add adds back the sum before the block LayerNorm', () => {
    const s = setup({ a: SeqBnConfig({ reduction_factor: 2, residual_before_ln: 'post_add' }) }, false);
    const p = s.params('a');
    check(s, 'a', () => {
      const sum = tf.add(s.h, s.r);
      return LN(s, tf.add(tf.add(delta(p, LN(s, sum), relu), sum), s.r));
    });
  });

  it('original_ln_after false returns the adapter output without the block residual', () => {
    const s = setup({ a: DoubleSeqBnConfig({ reduction_factor: 2, original_ln_after: false }) }, false);
    const p = s.params('a');
    check(s, 'a', () => tf.add(delta(p, s.h, swish), s.h));
  });

  it('gating scales the adapter output by the sequence mean of sigmoid(gate(x))', () => {
    const s = setup({ a: DoubleSeqBnConfig({ reduction_factor: 2, use_gating: true }) }, false);
    const p = s.params('a');
    check(s, 'a', () => {
      const gate = tf.mean(tf.sigmoid(linear(s.h, p('gate.weight'), p('gate.bias'))), 1, true);
      return LN(s, tf.add(tf.add(tf.mul(delta(p, s.h, swish), gate), s.h), s.r));
    });
  });

  it('Stack chains adapters on one residual', () => {
    const s = setup({ a: SeqBnConfig({ reduction_factor: 2 }), b: SeqBnConfig({ reduction_factor: 4 }) }, false);
    const pa = s.params('a');
    const pb = s.params('b');
    check(s, new Stack('a', 'b'), () => {
      const x = LN(s, tf.add(s.h, s.r));
      const first = tf.add(delta(pa, x, relu), s.h);
      const second = tf.add(delta(pb, first, relu), s.h);
      return LN(s, tf.add(second, s.r));
    });
  });
});
