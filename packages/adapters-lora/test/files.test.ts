import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {
  AdapterLoadError,
  initBackend,
  parseSafetensors,
  serializeSafetensors,
  type AdapterFiles,
} from '@peftjs/core-tensor';

import { IA3Config, LoRAConfig } from '../src';
import { maxAbsDiff, snapshotParameters, tinyInput, tinyLlama } from './helpers/models';

let workDir: string;

beforeAll(async () => {
  await initBackend();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peftjs-lora-files-'));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

function readWeights(directory: string): Map<string, number[]> {
  const contents = parseSafetensors(fs.readFileSync(path.join(directory, 'adapter_model.safetensors')));
  const result = new Map<string, number[]>();
  for (const [key, tensor] of contents.tensors) {
    result.set(key, tensor.shape);
    tensor.dispose();
  }
  return result;
}

describe('saving', () => {
  it('writes PEFT keys and config', async () => {
    const model = tinyLlama();
    model.addAdapter('default', LoRAConfig({ r: 4, alpha: 8, leave_out: [4] }));
    const directory = path.join(workDir, 'peft-keys');
    await model.saveAdapter(directory, 'default');

    expect(fs.readdirSync(directory).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const keys = readWeights(directory);
    expect(keys.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')).toEqual([4, 32]);
    expect(keys.get('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight')).toEqual([32, 4]);
    expect(keys.get('base_model.model.model.layers.3.self_attn.v_proj.lora_B.weight')).toEqual([16, 4]);
    expect(keys.size).toBe(4 * 2 * 2);

    const config = JSON.parse(fs.readFileSync(path.join(directory, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, bias: 'none', peftjs_config: { architecture: 'lora', r: 4 } });
    expect(config.target_modules).toContain('model.layers.3.self_attn.v_proj');
    expect(config.target_modules).not.toContain('model.layers.4.self_attn.v_proj');
    model.dispose();
  });

  it('writes only the named adapter next to similar names', async () => {
    const model = tinyLlama();
    model.addAdapter('default', LoRAConfig({ r: 2 }));
    model.addAdapter('default2', LoRAConfig({ r: 3 }));
    model.addAdapter('other_default', LoRAConfig({ r: 5, attn_matrices: ['k'] }));
    for (const name of ['default', 'default2', 'other_default']) {
      const directory = path.join(workDir, `names-${name}`);
      await model.saveAdapter(directory, name);
      const ranks = new Set([...readWeights(directory).entries()].filter(([k]) => k.endsWith('lora_A.weight')).map(([, s]) => s[0]));
      expect([...ranks]).toEqual([{ default: 2, default2: 3, other_default: 5 }[name]]);
      expect(readWeights(directory).size).toBe({ default: 20, default2: 20, other_default: 10 }[name]);
    }
    model.dispose();
  });

  it('replaces an existing adapter directory', async () => {
    const model = tinyLlama();
    model.addAdapter('a', LoRAConfig({ r: 2 }));
    const directory = path.join(workDir, 'replace');
    await model.saveAdapter(directory, 'a');
    model.deleteAdapter('a');
    model.addAdapter('a', LoRAConfig({ r: 6 }));
    await model.saveAdapter(directory, 'a');
    expect(readWeights(directory).get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')).toEqual([6, 32]);
    expect(fs.readdirSync(workDir).filter((f) => f.includes('.tmp'))).toEqual([]);
    model.dispose();
  });
});

describe('loading', () => {
  it('a fresh model gives identical outputs and a non-zero lora_B', async () => {
    const trained = tinyLlama();
    trained.addAdapter('a', LoRAConfig({ r: 4, alpha: 6, init_weights: 'bert', output_lora: true }), { setActive: true });
    const input = tinyInput();
    const expected = trained.forward(input);
    const directory = path.join(workDir, 'roundtrip');
    await trained.saveAdapter(directory, 'a');

    const fresh = tinyLlama();
    const tensorsBefore = tf.memory().numTensors;
    const name = await fresh.loadAdapter(directory);
    expect(name).toBe('default');
    const actual = fresh.forward(input);
    expect(maxAbsDiff(actual, expected)).toBe(0);
    const loraB = fresh.adapterParameters('default').get('model.layers.0.self_attn.q_proj.lora_B.default.weight')!;
    expect(tf.tidy(() => tf.max(tf.abs(loraB.value)).dataSync()[0])).toBeGreaterThan(0);
    expect(fresh.adapterConfig('default')).toEqual(trained.adapterConfig('a'));
    tf.dispose([actual]);
    fresh.deleteAdapter('default');
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    tf.dispose([input, expected]);
    trained.dispose();
    fresh.dispose();
  });

  it('loads (IA)³ and keeps leave_out', async () => {
    const trained = tinyLlama();
    trained.addAdapter('ia3', IA3Config({ leave_out: [2] }), { setActive: true });
    tf.tidy(() => [...trained.adapterParameters('ia3').values()].forEach((p, i) => p.assign(tf.randomNormal(p.shape, 1, 0.2, 'float32', i))));
    const input = tinyInput();
    const expected = trained.forward(input);
    const directory = path.join(workDir, 'ia3');
    await trained.saveAdapter(directory, 'ia3');

    const fresh = tinyLlama();
    await fresh.loadAdapter(directory, { name: 'x' });
    expect(fresh.adapterConfig('x')).toMatchObject({ composition_mode: 'scale', leave_out: [2] });
    const actual = fresh.forward(input);
    expect(maxAbsDiff(actual, expected)).toBe(0);
    tf.dispose([input, expected, actual]);
    trained.dispose();
    fresh.dispose();
  });

  it('loads a PEFT adapter directory', async () => {
    const directory = path.join(workDir, 'peft');
    fs.mkdirSync(directory);
    fs.writeFileSync(
      path.join(directory, 'adapter_config.json'),
      JSON.stringify({
        peft_type: 'LORA',
        task_type: 'CAUSAL_LM',
        base_model_name_or_path: 'tiny',
        r: 2,
        lora_alpha: 4,
        lora_dropout: 0.0,
        target_modules: ['q_proj', 'v_proj'],
        bias: 'none',
        fan_in_fan_out: false,
        init_lora_weights: true,
        layers_to_transform: null,
        revision: null,
        megatron_config: null,
      }),
    );
    const tensors: Record<string, tf.Tensor> = {};
    for (let layer = 0; layer < 5; layer++) {
      for (const [module, out] of [['q_proj', 32], ['v_proj', 16]] as const) {
        const key = `base_model.model.model.layers.${layer}.self_attn.${module}`;
        tensors[`${key}.lora_A.weight`] = tf.randomNormal([2, 32], 0, 0.1, 'float32', layer);
        tensors[`${key}.lora_B.weight`] = tf.randomNormal([out, 2], 0, 0.1, 'float32', layer + 100);
      }
    }
    fs.writeFileSync(path.join(directory, 'adapter_model.safetensors'), serializeSafetensors(tensors, { metadata: { format: 'pt' } }));

    const model = tinyLlama();
    const input = tinyInput();
    const base = model.forward(input);
    await model.loadAdapter(directory);
    const adapted = model.forward(input);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-4);

    // The same update by hand at one site: y + 2 · x Aᵀ Bᵀ.
    const site = model.adaptationSites().find((s) => s.path === 'model.layers.0.self_attn.q_proj')!;
    if (site.kind !== 'linear') throw new Error('expected a linear site');
    const x = tf.randomNormal([3, 32], 0, 1, 'float32', 9);
    const viaModel = site.linear.apply(x);
    const byHand = tf.add(
      site.linear.applyBase(x),
      tf.mul(tf.matMul(tf.matMul(x, tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'], false, true), tensors['base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight'], false, true), 2),
    );
    expect(maxAbsDiff(viaModel, byHand)).toBeLessThan(1e-5);
    tf.dispose([...Object.values(tensors), input, base, adapted, x, viaModel, byHand]);
    model.dispose();
  });

  it('loads an AdapterHub adapter directory', async () => {
    const directory = path.join(workDir, 'adapterhub');
    fs.mkdirSync(directory);
    fs.writeFileSync(
      path.join(directory, 'adapter_config.json'),
      JSON.stringify({
        config: { architecture: 'lora', r: 2, alpha: 2, attn_matrices: ['q'], selfattn_lora: true, intermediate_lora: false, output_lora: false, composition_mode: 'add', init_weights: 'lora', use_gating: false, dropout: 0.0, leave_out: [], vera_d: null, vera_b: null, dtype: null },
        hidden_size: 32,
        model_class: 'LlamaAdapterModel',
        model_name: 'tiny',
        model_type: 'llama',
        name: 'hub_lora',
        version: 'adapters.1.0.0',
      }),
    );
    const tensors: Record<string, tf.Tensor> = {};
    for (let layer = 0; layer < 5; layer++) {
      tensors[`model.layers.${layer}.self_attn.q_proj.loras.hub_lora.lora_A`] = tf.randomNormal([2, 32], 0, 0.1, 'float32', layer);
      tensors[`model.layers.${layer}.self_attn.q_proj.loras.hub_lora.lora_B`] = tf.randomNormal([32, 2], 0, 0.1, 'float32', layer + 50);
    }
    fs.writeFileSync(path.join(directory, 'adapter.safetensors'), serializeSafetensors(tensors));

    const model = tinyLlama();
    const name = await model.loadAdapter(directory);
    expect(name).toBe('hub_lora');
    const loaded = model.adapterParameters('hub_lora').get('model.layers.3.self_attn.q_proj.lora_B.hub_lora.weight')!;
    expect(Array.from(loaded.value.dataSync())).toEqual(Array.from(tensors['model.layers.3.self_attn.q_proj.loras.hub_lora.lora_B'].dataSync()));
    tf.dispose(Object.values(tensors));
    model.dispose();
  });

  it('a mismatched file lists every problem and leaves the model unchanged', async () => {
    const source = tinyLlama();
    source.addAdapter('a', LoRAConfig({ r: 2 }));
    const files: AdapterFiles = source.serializeAdapter('a');
    source.dispose();

    const contents = parseSafetensors(files.weights);
    const tensors = contents.tensors;
    tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight')!.dispose();
    tensors.delete('base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight');
    tensors.set('base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight', tf.zeros([2, 32]));
    const wrong = 'base_model.model.model.layers.2.self_attn.v_proj.lora_B.weight';
    tensors.get(wrong)!.dispose();
    tensors.set(wrong, tf.zeros([16, 3]));
    const broken: AdapterFiles = { config: files.config, weights: serializeSafetensors(tensors) };
    tf.dispose([...tensors.values()]);

    const model = tinyLlama();
    const names = [...model.namedParameters().keys()];
    const values = snapshotParameters(model);
    const tensorsBefore = tf.memory().numTensors;
    const attempt = model.loadAdapter(broken);
    await expect(attempt).rejects.toThrow(AdapterLoadError);
    await expect(model.loadAdapter(broken)).rejects.toThrow(
      /1 missing tensors \(base_model\.model\.model\.layers\.1\.self_attn\.q_proj\.lora_A\.weight\).*1 unexpected tensors \(base_model\.model\.model\.layers\.9.*1 shape mismatches \(.*v_proj\.lora_B\.weight has shape \[16,3\] but the model needs \[16,2\]/,
    );
    expect([...model.namedParameters().keys()]).toEqual(names);
    expect(snapshotParameters(model)).toEqual(values);
    expect(model.adapterNames).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });

  it('an unrecognised config is a clear error', async () => {
    const model = tinyLlama();
    await expect(model.loadAdapter({ config: { hello: 1 }, weights: new Uint8Array(8) })).rejects.toThrow(/not recognised.*hello/);
    await expect(model.loadAdapter(path.join(workDir, 'does-not-exist'))).rejects.toThrow(/Cannot read adapter_config.json/);
    model.dispose();
  });
});
