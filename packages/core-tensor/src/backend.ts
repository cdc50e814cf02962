import * as tf from '@tensorflow/tfjs';

import { BackendError, InvalidArgumentError } from './errors';

/** Backend names that peftjs can initialise. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

const KNOWN: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

/** Returns true when running under Node.js rather than in a browser. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node !== undefined;
}

/**
 * Loads an optional backend package, which registers the backend with the tfjs engine when it is
 * evaluated. CommonJS builds use `require`, because a native `import()` is unavailable inside
 * jest's CommonJS module runtime and would silently leave only the cpu backend.
 */
async function loadBackendPackage(name: string): Promise<void> {
  if (typeof require === 'function') {
    require(name);
    return;
  }
  await import(name);
}

/**
 * Selects and initialises a tfjs backend, then returns the name of the active one.
 *
 * Without a preference the order is wasm then cpu in Node (wasm with SIMD runs matMul about 30×
 * faster than tfjs's pure-JavaScript cpu backend), and webgpu, webgl, wasm, cpu in a browser.
 * Each candidate that fails to register or initialise is skipped; if none works a
 * {@link BackendError} lists every failure.
 *
 * @param preferred One backend, or an ordered list of backends to try.
 */
export async function initBackend(preferred?: BackendName | readonly BackendName[]): Promise<BackendName> {
  const order: readonly BackendName[] =
    preferred === undefined
      ? isNode()
        ? ['wasm', 'cpu']
        : ['webgpu', 'webgl', 'wasm', 'cpu']
      : typeof preferred === 'string'
        ? [preferred]
        : preferred;

  for (const name of order) {
    if (!KNOWN.includes(name)) {
      throw new InvalidArgumentError(`Unknown backend "${name}". Use one of: ${KNOWN.join(', ')}.`);
    }
  }

  const failures: string[] = [];
  for (const name of order) {
    try {
      if (name === 'wasm') await loadBackendPackage('@tensorflow/tfjs-backend-wasm');
      if (name === 'webgpu') await loadBackendPackage('@tensorflow/tfjs-backend-webgpu');
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend() as BackendName;
      }
      failures.push(`${name}: setBackend returned false`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new BackendError(
    `No tfjs backend could be initialised (${failures.join('; ')}). ` +
      'Install @tensorflow/tfjs-backend-wasm, or pass "cpu" to initBackend.',
  );
}

/** Returns the name of the active backend after waiting for it to be ready. */
export async function activeBackend(): Promise<string> {
  await tf.ready();
  return tf.getBackend();
}
