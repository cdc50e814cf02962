import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { AdapterLoadError, initBackend, parseSafetensors, serializeSafetensors } from '@peftjs/core-tensor';

import { PrefixTuningConfig, ejectPrefix } from '../src';
import { TINY_MODELS, maxAbsDiff } from './helpers/models';

let workDir: string;

beforeAll(async () => {
  await initBackend();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peftjs-prefix-files-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function savedShapes(directory: string): Map<string, number[]> {
  const contents = parseSafetensors(fs.readFileSync(path.join(directory, 'adapter_model.safetensors')));
  const shapes = new Map<string, number[]>();
  for (const [key, tensor] of contents.tensors) {
    shapes.set(key, tensor.shape);
    tensor.dispose();
  }
  return shapes;
}

describe.each(TINY_MODELS)('prefix tuning files on $label', ({ label, create, run }) => {
  const slug = label.replace(/\s+/g, '-');

  it('saves model-level keys and loads into a fresh model', async () => {
    const model = create();
    const config = PrefixTuningConfig({ prefix_length: 4, bottleneck_size: 8, use_gating: true, leave_out: [0] });
    model.addAdapter('p', config, { setActive: true });
    const expected = run(model);
    const directory = path.join(workDir, `${slug}-roundtrip`);
    await model.saveAdapter(directory, 'p');

    const keys = [...savedShapes(directory).keys()];
    expect(keys).toContain('base_model.model.prefix_tunings.wte.weight');
    expect(keys).toContain('base_model.model.prefix_tunings.control_trans.2.weight');
    expect(keys.filter((key) => key.endsWith('prefix_gates.weight'))).toHaveLength(model.describe().numLayers - 1);
    const stored = JSON.parse(fs.readFileSync(path.join(directory, 'adapter_config.json'), 'utf8'));
    expect(stored.peftjs_config).toEqual(config);

    const fresh = create();
    const name = await fresh.loadAdapter(directory);
    expect(name).toBe('default');
    expect(fresh.adapterConfig('default')).toEqual(config);
    const loaded = run(fresh);
    expect(maxAbsDiff(loaded, expected)).toBe(0);
    tf.dispose([expected, loaded]);
    model.dispose();
    fresh.dispose();
  });

  it('round-trips an ejected adapter', async () => {
    const model = create();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8 }), { setActive: true });
    ejectPrefix(model, 'p');
    const expected = run(model);
    const fresh = create();
    await fresh.loadAdapter(model.serializeAdapter('p'), { name: 'p' });
    const loaded = run(fresh);
    expect(maxAbsDiff(loaded, expected)).toBe(0);
    expect(fresh.adapterConfig('p')).toMatchObject({ flat: true });
    tf.dispose([expected, loaded]);
    model.dispose();
    fresh.dispose();
  });

  it('rejects a file with a missing tensor and leaves the model unchanged', () => {
    const model = create();
    model.addAdapter('p', PrefixTuningConfig({ prefix_length: 3, bottleneck_size: 8 }));
    const files = model.serializeAdapter('p');
    const contents = parseSafetensors(files.weights);
    const kept = new Map([...contents.tensors].filter(([key]) => !key.endsWith('wte.weight')));
    const weights = serializeSafetensors(kept);
    tf.dispose([...contents.tensors.values()]);

    const fresh = create();
    const tensors = tf.memory().numTensors;
    return expect(fresh.loadAdapter({ config: files.config, weights }))
      .rejects.toThrow(AdapterLoadError)
      .then(() => {
        expect(fresh.adapterNames).toEqual([]);
        expect(tf.memory().numTensors).toBe(tensors);
        model.dispose();
        fresh.dispose();
      });
  });
});
