import { LoRAConfig } from '@peftjs/adapters-lora';
import { PrefixTuningConfig } from '@peftjs/adapters-prefix';
import { ConfigError, getAdapterPreset, initBackend } from '@peftjs/core-tensor';

import { ConfigUnion, MAMConfig, parseConfigString, parseConfigStringSyntax } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** Returns the ConfigError `fn` raises, failing the test when it raises nothing or another error. */
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Returns the 0-based column the caret of a config-string error points at, read from its last line. */
function caretOffset(error: Error): number {
  const lines = error.message.split('\n');
  return lines[lines.length - 1].indexOf('^') - 2;
}

describe('parseConfigString', () => {
  it.each([
    ['lora', () => LoRAConfig()],
    ['lora[r=8,alpha=16]', () => LoRAConfig({ r: 8, alpha: 16 })],
    [' lora [ r = 4 , attn_matrices = [q, k, v] ] ', () => LoRAConfig({ r: 4, attn_matrices: ['q', 'k', 'v'] })],
    ['lora[init_weights="bert",use_rslora=true,dropout=0.1]', () => LoRAConfig({ init_weights: 'bert', use_rslora: true, dropout: 0.1 })],
    ["lora[target_modules='q_proj|v_proj']", () => LoRAConfig({ target_modules: 'q_proj|v_proj' })],
    ['lora[init_weights_seed=null,leave_out=[]]', () => LoRAConfig({ init_weights_seed: null, leave_out: [] })],
    ['lora[composition_mode=scale,r=1,init_weights=ia3]', () => LoRAConfig({ composition_mode: 'scale', r: 1, init_weights: 'ia3' })],
    ['prefix_tuning[prefix_length=12,non_linearity=relu]', () => PrefixTuningConfig({ prefix_length: 12, non_linearity: 'relu' })],
    ['compacter++[phm_dim=2]', () => getAdapterPreset('compacter++').create({ phm_dim: 2 })],
    ['pfeiffer[reduction_factor=1e1]', () => getAdapterPreset('seq_bn').create({ reduction_factor: 10 })],
    ['mam', () => MAMConfig()],
    ['lora[r=8,alpha=16]|prefix_tuning', () => ConfigUnion(LoRAConfig({ r: 8, alpha: 16 }), PrefixTuningConfig())],
    ['prefix_tuning|par_bn', () => ConfigUnion(PrefixTuningConfig(), getAdapterPreset('par_bn').create())],
    ['seq_bn[leave_out=[0,1]]|seq_bn[leave_out=[2,3]]', () => ConfigUnion(getAdapterPreset('seq_bn').create({ leave_out: [0, 1] }), getAdapterPreset('seq_bn').create({ leave_out: [2, 3] }))],
  ])('parses %s', (text, expected) => {
    expect(parseConfigString(text)).toEqual(expected());
  });

  it.each([
    ['lora[rr=8]|prefix_tuning', 5, /unknown key "rr" for "lora"; known keys: alpha, alpha_pattern, attn_matrices/],
    ['lora[r=8]|prefx_tuning', 10, /Unknown adapter preset "prefx_tuning"/],
    ['lora[r=8', 4, /the "\[" opened here is never closed/],
    ['lora[attn_matrices=[q,v]', 4, /the "\[" opened here is never closed/],
    ['lora[attn_matrices=[q,v', 19, /the "\[" opened here is never closed/],
    ['lora[r=-1]', 7, /invalid value -1 for "r" of "lora": Invalid LoRA config: r:/],
    ['lora[r=eight]', 7, /invalid value "eight" for "r" of "lora"/],
    ['lora[composition_mode=scale]', 22, /invalid value "scale" for "composition_mode"/],
    ['lora[r=1,r=2]', 9, /the key "r" is given twice/],
    ['lora[r 8]', 7, /expected "=" after the key "r"/],
    ['lora[r=8]]', 9, /unexpected "\]"/],
    ['lora[=8]', 5, /expected a key/],
    ["prefix_tuning[non_linearity='relu]", 28, /no closing '/],
    ['', 0, /expected a preset name/],
    ['lora|', 5, /expected a preset name/],
    ['lora|ia3', 5, /have the same architecture "lora"/],
    ['seq_bn|double_seq_bn', 7, /would both act at the output_adapter residual site/],
    ['mam|seq_bn', 0, /is itself a union/],
    ['mam[bottleneck_size=-5]', 20, /invalid value -5 for "bottleneck_size" of "mam"/],
    ['mam[r=8]', 4, /unknown key "r" for "mam"/],
  ])('rejects %s', (text, offset, message) => {
    const error = errorOf(() => parseConfigString(text));
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`\n  ${text}\n`);
    expect(caretOffset(error)).toBe(offset);
    expect(error.message).toMatch(new RegExp(`at column ${offset + 1}:`));
  });

  it('rejects a non-string', () => {
    expect(() => parseConfigString(42 as unknown as string)).toThrow(/expects a string/);
  });
});

describe('config string syntax', () => {
  it('keeps offsets and value types', () => {
    expect(parseConfigStringSyntax('a[x=1.5,y=[b,"c d",true,None]]|e')).toEqual([
      {
        name: 'a',
        offset: 0,
        arguments: [
          { key: 'x', keyOffset: 2, value: 1.5, valueOffset: 4 },
          { key: 'y', keyOffset: 8, value: ['b', 'c d', true, null], valueOffset: 10 },
        ],
      },
      { name: 'e', offset: 31, arguments: [] },
    ]);
  });
});
