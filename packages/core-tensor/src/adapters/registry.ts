import { ConfigError, InvalidArgumentError, UnknownMethodError } from '../errors';
import type { AdapterConfig, AdapterMethod } from './method';

const methods = new Map<string, AdapterMethod>();

/**
 * Registers an adapter method under its architecture name, so configs naming that architecture
 * can be added to any model. Registering a second method under the same name raises, unless
 * `replace` is set.
 */
export function registerAdapterMethod(method: AdapterMethod, options: { replace?: boolean } = {}): void {
  if (typeof method?.architecture !== 'string' || method.architecture.length === 0) {
    throw new InvalidArgumentError('An adapter method needs a non-empty string `architecture`.');
  }
  if (methods.has(method.architecture) && methods.get(method.architecture) !== method && !options.replace) {
    throw new InvalidArgumentError(
      `An adapter method is already registered as "${method.architecture}"; pass { replace: true } to replace it.`,
    );
  }
  methods.set(method.architecture, method);
}

/** Removes a registered method; returns whether one was registered. */
export function unregisterAdapterMethod(architecture: string): boolean {
  return methods.delete(architecture);
}

/** Returns the method registered as `architecture`, raising {@link UnknownMethodError} with the known names. */
export function getAdapterMethod(architecture: string): AdapterMethod {
  const method = methods.get(architecture);
  if (method === undefined) {
    const known = [...methods.keys()];
    throw new UnknownMethodError(
      `No adapter method is registered as "${architecture}". Registered: ${known.join(', ') || '(none)'}. ` +
        'Import the package that provides it (for example @peftjs/adapters-lora) before using it.',
    );
  }
  return method;
}

/** Returns the architecture names of all registered methods. */
export function listAdapterMethods(): string[] {
  return [...methods.keys()];
}

/** Returns the registered methods themselves. */
export function registeredAdapterMethods(): AdapterMethod[] {
  return [...methods.values()];
}

/** Validates an unknown value as a config of the method named by its `architecture` field. */
export function parseAdapterConfig(input: unknown): AdapterConfig {
  if (typeof input !== 'object' || input === null || typeof (input as AdapterConfig).architecture !== 'string') {
    throw new ConfigError(
      `Invalid adapter config ${JSON.stringify(input)}: expected an object with a string "architecture" field.`,
    );
  }
  return getAdapterMethod((input as AdapterConfig).architecture).parseConfig(input);
}
