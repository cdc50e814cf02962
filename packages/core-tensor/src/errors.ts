/**
 * Typed errors raised by peftjs. Every message names the offending value, what was expected and
 * how to fix it, so a caller can act on the message alone. Catch `PeftError` to handle any of them.
 */

/** Base class of every error peftjs raises on purpose. */
export class PeftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An adapter or model configuration field is invalid, or does not fit the model it is applied to. */
export class ConfigError extends PeftError {}

/** A checkpoint, tokenizer or safetensors file is malformed or does not match its header. */
export class CheckpointFormatError extends PeftError {}

/** A tensor's shape does not match the shape the model or file requires. */
export class ShapeMismatchError extends PeftError {}

/** An adapter name is not present on the model. */
export class UnknownAdapterError extends PeftError {}

/** An adapter with the same name is already present on the model. */
export class DuplicateAdapterError extends PeftError {}

/** No adapter method is registered under the requested architecture name. */
export class UnknownMethodError extends PeftError {}

/** An adapter cannot be merged into, or unmerged from, the base weights. */
export class MergeError extends PeftError {}

/** An adapter file set is missing tensors, has unexpected ones, or does not match the model. */
export class AdapterLoadError extends PeftError {}

/** A function received an argument outside its documented domain. */
export class InvalidArgumentError extends PeftError {}

/** A tfjs backend could not be initialised. */
export class BackendError extends PeftError {}
