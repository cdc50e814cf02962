import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { AdapterLoadError, ConfigError, initBackend, parseSafetensors, serializeSafetensors, type AdapterFiles } from '@peftjs/core-tensor';

import { SeqBnConfig, isAdapterHubBottleneckConfig } from '../src';
import { maxAbsDiff, tinyModel } from './helpers/models';
import { PRESET_CASES, VISIBLE_INIT, presetConfig } from './helpers/presets';

let workDir: string;

beforeAll(async () => {
  await initBackend();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peftjs-compacter-files-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function readWeights(directory: string): Map<string, Float32Array> {
  const contents = parseSafetensors(fs.readFileSync(path.join(directory, 'adapter_model.safetensors')));
  const result = new Map<string, Float32Array>();
  for (const [key, tensor] of contents.tensors) {
    result.set(key, tensor.dataSync() as Float32Array);
    tensor.dispose();
  }
  return result;
}

const CASES = (['bert', 'llama'] as const).flatMap((family) => PRESET_CASES.map(([preset]) => [family, preset] as const));

describe.each(CASES)('%s with %s', (family, preset) => {
  it('saves and loads back with identical outputs', async () => {
    const source = tinyModel(family);
    source.model.addAdapter('default', presetConfig(preset, { ...VISIBLE_INIT, init_weights_seed: 3 }), { setActive: true });
    const expected = source.run();
    const directory = path.join(workDir, `${family}-${preset}`);
    await source.model.saveAdapter(directory, 'default');

    const target = tinyModel(family);
    const tensors = tf.memory().numTensors;
    const name = await target.model.loadAdapter(directory);
    expect(name).toBe('default');
    expect([...target.model.adapterParameters('default').keys()]).toEqual([...source.model.adapterParameters('default').keys()]);
    const actual = target.run();
    expect(maxAbsDiff(actual, expected)).toBe(0);
    target.model.deleteAdapter('default');
    actual.dispose();
    expect(tf.memory().numTensors).toBe(tensors);

    tf.dispose(expected);
    source.model.dispose();
    target.model.dispose();
  });
});

describe('file contents', () => {
  it('writes PEFT-style keys, the shared rule once and an AdapterHub-style config', async () => {
    const { model } = tinyModel('bert');
    model.addAdapter('default', presetConfig('compacter++'));
    const directory = path.join(workDir, 'keys');
    await model.saveAdapter(directory, 'default');

    const weights = readWeights(directory);
    expect(weights.has('base_model.model.shared_parameters.phm_rule')).toBe(true);
    expect(weights.has('base_model.model.encoder.layer.0.output.adapters.adapter_down.0.W_left')).toBe(true);
    expect(weights.has('base_model.model.encoder.layer.3.output.adapters.adapter_up.b')).toBe(true);
    expect(weights.size).toBe(4 * 6 + 1);
    for (const [key, p] of model.adapterParameters('default')) {
      const fileKey = `base_model.model.${key.replace('.default.', '.').replace(/^shared_parameters\.default\./, 'shared_parameters.')}`;
      expect(Array.from(weights.get(fileKey)!)).toEqual(Array.from(p.value.dataSync()));
    }

    const config = JSON.parse(fs.readFileSync(path.join(directory, 'adapter_config.json'), 'utf8'));
    expect(config.config).toMatchObject({ architecture: 'bottleneck', phm_layer: true, phm_dim: 2, reduction_factor: 8 });
    expect(config).toMatchObject({ model_type: 'bert', hidden_size: 32, peftjs_config: { architecture: 'bottleneck', phm_dim: 2 } });
    expect(isAdapterHubBottleneckConfig(config)).toBe(true);
    model.dispose();
  });

  it('writes only the named adapter next to similar names', async () => {
    const { model } = tinyModel('llama');
    const names = ['default', 'default2', 'other_default'];
    names.forEach((name, i) => model.addAdapter(name, presetConfig('seq_bn', { reduction_factor: [16, 8, 4][i] })));
    for (const [i, name] of names.entries()) {
      const directory = path.join(workDir, `names-${name}`);
      await model.saveAdapter(directory, name);
      const weights = readWeights(directory);
      expect(weights.size).toBe(3 * 4);
      expect(weights.get('base_model.model.model.layers.0.output_adapters.adapters.adapter_down.0.bias')!.length).toBe([2, 4, 8][i]);
    }
    model.dispose();
  });
});

describe('loading problems', () => {
  it('missing and misshaped tensors raise and leave the model unchanged', async () => {
    const source = tinyModel('bert');
    source.model.addAdapter('a', presetConfig('seq_bn'));
    const files = source.model.serializeAdapter('a');
    const contents = parseSafetensors(files.weights);
    const tensors = new Map(contents.tensors);
    tensors.get('base_model.model.encoder.layer.0.output.adapters.adapter_up.weight')!.dispose();
    tensors.delete('base_model.model.encoder.layer.0.output.adapters.adapter_up.weight');
    const truncated: AdapterFiles = { config: files.config, weights: serializeSafetensors(tensors) };

    const target = tinyModel('bert');
    const names = [...target.model.namedParameters().keys()];
    const count = tf.memory().numTensors;
    await expect(target.model.loadAdapter(truncated)).rejects.toThrow(AdapterLoadError);
    await expect(target.model.loadAdapter(truncated)).rejects.toThrow(/adapter_up\.weight/);
    expect([...target.model.namedParameters().keys()]).toEqual(names);
    expect(target.model.adapterNames).toEqual([]);
    expect(tf.memory().numTensors).toBe(count);

    // A file trained for another width does not fit this config.
    const wider = { config: { ...files.config, peftjs_config: { ...(files.config.peftjs_config as object), reduction_factor: 8 } }, weights: files.weights };
    await expect(target.model.loadAdapter(wider)).rejects.toThrow(/shape mismatches/);
    tf.dispose([...tensors.values()]);
    source.model.dispose();
    target.model.dispose();
  });
});

describe('AdapterHub files', () => {
  /** Renames a peftjs adapter's tensors to AdapterHub's keys for `BertAdapterModel` (`bert.` prefix). */
  function asAdapterHub(files: AdapterFiles, hubName: string, duplicateNorm: boolean): AdapterFiles {
    const contents = parseSafetensors(files.weights);
    const renamed = new Map<string, tf.Tensor>();
    for (const [key, tensor] of contents.tensors) {
      const inner = key.slice('base_model.model.'.length);
      const hubKey = inner.startsWith('shared_parameters.')
        ? inner.replace('shared_parameters.', `shared_parameters.${hubName}.`)
        : `bert.${inner.replace('.adapters.', `.adapters.${hubName}.`)}`;
      renamed.set(hubKey, tensor);
      // AdapterHub's module list also lists the ln_before LayerNorm as adapter_down.0.
      if (duplicateNorm && hubKey.includes('adapter_norm_before.')) renamed.set(hubKey.replace('adapter_norm_before.', 'adapter_down.0.'), tensor);
    }
    const config = files.config.peftjs_config;
    const weights = serializeSafetensors(renamed);
    tf.dispose([...contents.tensors.values()]);
    return { config: { config, name: hubName, model_type: 'bert', version: '1.0.0' }, weights };
  }

  it.each([
    ['seq_bn', {}],
    ['compacter', { ln_before: true }],
  ])('loads an AdapterHub %s adapter under its stored name', async (preset, changes) => {
    const source = tinyModel('bert');
    source.model.addAdapter('x', presetConfig(preset, { ...VISIBLE_INIT, ...changes }), { setActive: true });
    const expected = source.run();
    const files = asAdapterHub(source.model.serializeAdapter('x'), 'hub_adapter', 'ln_before' in changes);

    const target = tinyModel('bert');
    const name = await target.model.loadAdapter(files);
    expect(name).toBe('hub_adapter');
    const actual = target.run();
    expect(maxAbsDiff(actual, expected)).toBe(0);
    tf.dispose([expected, actual]);
    source.model.dispose();
    target.model.dispose();
  });

  it('rejects invertible adapters and warns about stochastic depth', async () => {
    const source = tinyModel('bert');
    source.model.addAdapter('x', SeqBnConfig());
    const files = asAdapterHub(source.model.serializeAdapter('x'), 'hub', false);
    const target = tinyModel('bert');
    const hubConfig = files.config.config as Record<string, unknown>;
    await expect(target.model.loadAdapter({ ...files, config: { ...files.config, config: { ...hubConfig, inv_adapter: 'nice' } } })).rejects.toThrow(
      ConfigError,
    );
    const warnings: string[] = [];
    target.model.adapterHost.warn = (message) => warnings.push(message);
    await target.model.loadAdapter({ ...files, config: { ...files.config, config: { ...hubConfig, stochastic_depth: 0.1, cross_adapter: false } } });
    expect(warnings).toEqual([expect.stringContaining('stochastic_depth 0.1 is ignored')]);
    source.model.dispose();
    target.model.dispose();
  });
});
