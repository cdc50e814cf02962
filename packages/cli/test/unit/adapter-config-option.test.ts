import { ConfigError, initBackend, type AdapterConfig } from '@peftjs/core-tensor';

import { adapterConfigFromOptions } from '../../src/adapter-config-option';

beforeAll(async () => {
  await initBackend();
});

type Fields = AdapterConfig & Record<string, unknown>;

describe('adapterConfigFromOptions', () => {
  it('uses the --method preset without --config', () => {
    const config = adapterConfigFromOptions({ method: 'ia3' }) as Fields;
    expect(config.architecture).toBe('lora');
    expect(config.init_weights).toBe('ia3');
  });

  it('reads JSON and ignores --method', () => {
    const config = adapterConfigFromOptions({ method: 'ia3', config: ' {"architecture":"lora","r":4,"alpha":12}' }) as Fields;
    expect(config.r).toBe(4);
    expect(config.alpha).toBe(12);
    expect(config.init_weights).toBe('lora');
  });

  it('rejects malformed JSON', () => {
    expect(() => adapterConfigFromOptions({ method: 'lora', config: '{"r": 4' })).toThrow(ConfigError);
    expect(() => adapterConfigFromOptions({ method: 'lora', config: '{"r": 4' })).toThrow('--config is not valid JSON');
  });

  it('rejects JSON with an invalid field', () => {
    expect(() => adapterConfigFromOptions({ method: 'lora', config: '{"architecture":"lora","r":-2}' })).toThrow(ConfigError);
  });

  it('reads a config string', () => {
    const config = adapterConfigFromOptions({ method: 'ia3', config: 'lora[r=4,alpha=12]' }) as Fields;
    expect(config.architecture).toBe('lora');
    expect(config.r).toBe(4);
    expect(config.alpha).toBe(12);
  });

  it('reads a union config string', () => {
    const config = adapterConfigFromOptions({ method: 'lora', config: 'lora[r=8,alpha=16]|seq_bn' });
    expect(config.architecture).toBe('union');
  });

  it('names the value of an invalid config string in one line', () => {
    let message = '';
    try {
      adapterConfigFromOptions({ method: 'lora', config: 'lorra[r=8]' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid --config "lorra\[r=8\]": .*"lorra"/);
    expect(message).not.toContain('\n');
  });
});
