import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { AdapterLoadError, getAdapterPreset, initBackend, parseSafetensors } from '@peftjs/core-tensor';

import { ConfigUnion, MAMConfig, UniPELTConfig, replaceConfigUnion, type ConfigUnionType } from '../src';
import { TINY_MODELS, maxAbsDiff } from './helpers/models';

let workDir: string;

beforeAll(async () => {
  await initBackend();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peftjs-union-files-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

const CASES: [string, () => ConfigUnionType][] = [
  ['LoRA + prefix tuning with leave_out', () => ConfigUnion(LoRAConfig({ r: 2, init_weights: 'bert', leave_out: [1] }), PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8, leave_out: [0, 2] }))],
  ['MAM with leave_out', () => replaceConfigUnion(MAMConfig({ prefixTuning: PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 16 }) }), { leave_out: [3] })],
  ['UniPELT', () => UniPELTConfig()],
  ['compacter + LoRA', () => ConfigUnion(getAdapterPreset('compacter').create({ reduction_factor: 8 }), LoRAConfig({ init_weights: 'bert' }))],
];

describe.each(TINY_MODELS)('union files on $label', ({ label, create, run }) => {
  it.each(CASES)('%s loads into a fresh model with identical outputs', async (caseLabel, makeUnion) => {
    const union = makeUnion();
    const model = create();
    model.addAdapter('u', union, { setActive: true });
    // Move every parameter away from its initial value so the file, not the seed, decides the output.
    for (const parameter of model.adapterParameters('u').values()) {
      tf.tidy(() => parameter.assign(tf.add(parameter.value, tf.randomNormal(parameter.shape, 0, 0.05, 'float32', 11))));
    }
    const expected = run(model);
    const directory = path.join(workDir, `${label}-${caseLabel}`.replace(/[^A-Za-z0-9]+/g, '-'));
    await model.saveAdapter(directory, 'u');

    const stored = JSON.parse(fs.readFileSync(path.join(directory, 'adapter_config.json'), 'utf8'));
    expect(stored.peftjs_config).toEqual(JSON.parse(JSON.stringify(union)));
    const contents = parseSafetensors(fs.readFileSync(path.join(directory, 'adapter_model.safetensors')));
    expect(contents.tensors.size).toBe(model.adapterParameters('u').size);
    tf.dispose([...contents.tensors.values()]);

    // The same seed builds the same base weights, so only the adapter file differs from `model`.
    const fresh = create();
    const name = await fresh.loadAdapter(directory, { name: 'loaded' });
    expect(name).toBe('loaded');
    expect(fresh.adapterConfig('loaded')).toEqual(union);
    const loaded = run(fresh);
    expect(maxAbsDiff(loaded, expected)).toBe(0);
    tf.dispose([expected, loaded]);
    model.dispose();
    fresh.dispose();
  });

  it('leave_out survives the round trip', async () => {
    const model = create();
    const layers = Array.from({ length: model.describe().numLayers }, (_, i) => i);
    const even = layers.filter((i) => i % 2 === 0);
    const odd = layers.filter((i) => i % 2 === 1);
    const union = ConfigUnion(
      getAdapterPreset('seq_bn').create({ leave_out: even }),
      getAdapterPreset('seq_bn').create({ leave_out: odd }),
      PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4, leave_out: [1] }),
    );
    model.addAdapter('u', union);
    const fresh = create();
    await fresh.loadAdapter(model.serializeAdapter('u'), { name: 'u' });
    const config = fresh.adapterConfig('u') as ConfigUnionType;
    expect(config.configs.map((member) => (member as unknown as { leave_out: number[] }).leave_out)).toEqual([even, odd, [1]]);
    expect([...fresh.adapterParameters('u').keys()]).toEqual([...model.adapterParameters('u').keys()]);
    model.dispose();
    fresh.dispose();
  });

  it('a file without one member tensor is rejected', async () => {
    const model = create();
    model.addAdapter('u', MAMConfig({ prefixTuning: PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4 }) }));
    const files = model.serializeAdapter('u');
    const other = create();
    other.addAdapter('u', ConfigUnion(PrefixTuningConfig({ prefix_length: 2, bottleneck_size: 4 })));
    const prefixOnly = other.serializeAdapter('u');
    const tensors = tf.memory().numTensors;
    const fresh = create();
    await expect(fresh.loadAdapter({ config: files.config, weights: prefixOnly.weights })).rejects.toThrow(AdapterLoadError);
    await expect(fresh.loadAdapter({ config: files.config, weights: prefixOnly.weights })).rejects.toThrow(/missing tensors/);
    expect(fresh.adapterNames).toEqual([]);
    fresh.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
    other.dispose();
  });
});
