import * as tf from '@tensorflow/tfjs';
import { PrefixTuningConfig, ejectPrefix } from '@peftjs/adapters-prefix';
import { initBackend } from '@peftjs/core-tensor';

import { MAMConfig, UniPELTConfig, type ConfigUnionType } from '../src';
import { TINY_MODELS, maxAbsDiff } from './helpers/models';

beforeAll(async () => {
  await initBackend();
});

describe.each(TINY_MODELS)('ejectPrefix on unions on $label', ({ create, run }) => {
  it.each([
    ['MAM', () => MAMConfig({ prefixTuning: PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 16 }) })],
    ['UniPELT', () => UniPELTConfig()],
  ])('%s keeps its outputs and its other members', (_label, makeUnion) => {
    const model = create();
    model.addAdapter('u', makeUnion(), { setActive: true });
    for (const [path, parameter] of model.adapterParameters('u')) {
      if (!path.startsWith('prefix_tunings.')) tf.tidy(() => parameter.assign(tf.add(parameter.value, 0.05)));
    }
    const others = [...model.adapterParameters('u')].filter(([path]) => !path.startsWith('prefix_tunings.'));
    const otherValues = others.map(([path, p]) => [path, Array.from(p.value.dataSync())]);
    const before = run(model);

    ejectPrefix(model, 'u');

    const after = run(model);
    expect(maxAbsDiff(after, before)).toBeLessThan(1e-5);
    const config = model.adapterConfig('u') as ConfigUnionType;
    expect(config.configs[0]).toMatchObject({ architecture: 'prefix_tuning', flat: true });
    expect(config.configs.slice(1)).toEqual(makeUnion().configs.slice(1));
    const kept = [...model.adapterParameters('u')].filter(([path]) => !path.startsWith('prefix_tunings.')).map(([path, p]) => [path, Array.from(p.value.dataSync())]);
    expect(kept).toEqual(otherValues);
    expect([...model.adapterParameters('u').keys()].filter((path) => path.startsWith('prefix_tunings.'))).toEqual(['prefix_tunings.u.control_trans']);
    tf.dispose([before, after]);
    model.dispose();
  });
});
