import * as tf from '@tensorflow/tfjs';
import { LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { getAdapterPreset, initBackend, type AdaptableModel, type AdapterConfig } from '@peftjs/core-tensor';

import { ConfigUnion, MAMConfig, UniPELTConfig, type ConfigUnionType } from '../src';
import { TINY_MODELS, maxAbsDiff, type TinyModelCase } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

/** The three reference unions plus MAM and UniPELT, with prefix sizes small enough for tiny models. */
const UNIONS: [string, () => ConfigUnionType][] = [
  ['prefix tuning + par_bn', () => ConfigUnion(PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 16 }), getAdapterPreset('par_bn').create())],
  [
    'compacter (factor 8) + LoRA',
    () => ConfigUnion(getAdapterPreset('compacter').create({ reduction_factor: 8 }), LoRAConfig({ r: 4, alpha: 6, init_weights: 'bert' })),
  ],
  ['seq_bn + LoRA', () => ConfigUnion(getAdapterPreset('seq_bn').create(), LoRAConfig({ r: 4, alpha: 6, init_weights: 'bert' }))],
  ['MAM', () => MAMConfig()],
  ['UniPELT', () => UniPELTConfig()],
];

/**
 * Gives every all-zero adapter parameter small random values. Some members start as an exact
 * no-op (par_bn's zero up projection, LoRA's zero B), which would hide whether they are wired in.
 */
function perturbZeroParameters(model: AdaptableModel, name: string): void {
  let seed = 0;
  for (const parameter of model.adapterParameters(name).values()) {
    seed += 1;
    const isZero = tf.tidy(() => tf.all(tf.equal(parameter.value, 0)).dataSync()[0] === 1);
    if (isZero) tf.tidy(() => parameter.assign(tf.randomNormal(parameter.shape, 0, 0.1, 'float32', seed)));
  }
}

/** Output of `modelCase` with `config` added as adapter "u" and weights copied from `source` when given. */
function outputWith(modelCase: TinyModelCase, config: AdapterConfig, source?: AdaptableModel): { model: AdaptableModel; output: tf.Tensor } {
  const model = modelCase.create();
  model.addAdapter('u', config, { setActive: true });
  if (source === undefined) {
    perturbZeroParameters(model, 'u');
  } else {
    const values = source.adapterParameters('u');
    for (const [path, parameter] of model.adapterParameters('u')) {
      expect(values.has(path)).toBe(true);
      parameter.assign(values.get(path)!.value);
    }
  }
  return { model, output: modelCase.run(model) };
}

describe.each(TINY_MODELS)('union members on $label', (modelCase) => {
  it.each(UNIONS)('every member of %s changes the output', (_label, makeUnion) => {
    const union = makeUnion();
    const full = outputWith(modelCase, union);
    const base = full.model.withAdaptersDisabled(() => modelCase.run(full.model));
    expect(maxAbsDiff(full.output, base)).toBeGreaterThan(1e-4);
    let compared = 0;

    union.configs.forEach((member, index) => {
      const rest = union.configs.filter((_, i) => i !== index);
      const without = outputWith(modelCase, ConfigUnion(...rest), full.model);
      const parametersWithout = without.model.adapterParameters('u').size;
      expect(parametersWithout).toBeLessThan(full.model.adapterParameters('u').size);
      const difference = maxAbsDiff(full.output, without.output);
      expect([index, member.architecture, difference > 1e-5]).toEqual([index, member.architecture, true]);
      compared += 1;
      without.output.dispose();
      without.model.dispose();
    });

    expect(compared).toBe(union.configs.length);
    tf.dispose([full.output, base]);
    full.model.dispose();
  });
});
