import * as tf from '@tensorflow/tfjs';

import { initBackend, InvalidArgumentError } from '../src';

describe('initBackend', () => {
  it('selects wasm by default in Node', async () => {
    expect(await initBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('falls back through an ordered list', async () => {
    expect(await initBackend(['cpu', 'wasm'])).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
  });

  it('rejects unknown backend names', async () => {
    await expect(initBackend('tpu' as never)).rejects.toThrow(InvalidArgumentError);
  });
});
