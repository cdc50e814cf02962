import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import { Parameter } from './parameter';

const NAME_PATTERN = /^[A-Za-z0-9_]+$/;

/**
 * A node of a model's module tree, in the spirit of PyTorch's `nn.Module`.
 *
 * A module owns named parameters and named child modules. Parameter paths are the dotted
 * concatenation of child names (`model.layers.0.self_attn.q_proj.weight`), so they match the
 * Hugging Face and PEFT key names when modules are named after the Hugging Face modules.
 * Registration order is kept, so paths enumerate in a stable order.
 */
export abstract class Module {
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();
  private isTraining = true;

  /** Whether the module is in training mode (dropout active). Set with {@link train} / {@link eval}. */
  get training(): boolean {
    return this.isTraining;
  }

  /**
   * Registers a parameter under `name` and returns it.
   *
   * @param name A single path segment: letters, digits and `_`.
   * @param parameter The parameter; the module disposes it in {@link dispose}.
   */
  protected registerParameter(name: string, parameter: Parameter): Parameter {
    this.checkFreeName(name);
    this.ownParameters.set(name, parameter);
    return parameter;
  }

  /**
   * Registers a child module under `name` and returns it. Its parameters appear under `name.`.
   *
   * @param name A single path segment: letters, digits and `_` (`0`, `1`, … for list entries).
   * @param module The child; the module disposes it in {@link dispose}.
   */
  registerModule<M extends Module>(name: string, module: M): M {
    this.checkFreeName(name);
    module.train(this.isTraining);
    this.children.set(name, module);
    return module;
  }

  /**
   * Removes a child module and returns it without disposing it.
   * Raises if no child has that name.
   */
  removeModule(name: string): Module {
    const child = this.children.get(name);
    if (child === undefined) {
      throw new InvalidArgumentError(
        `No child module named "${name}"; children are: ${[...this.children.keys()].join(', ') || '(none)'}.`,
      );
    }
    this.children.delete(name);
    return child;
  }

  /**
   * Removes a parameter registered directly on this module and returns it without disposing it.
   * Raises if no parameter has that name.
   */
  protected removeParameter(name: string): Parameter {
    const parameter = this.ownParameters.get(name);
    if (parameter === undefined) {
      throw new InvalidArgumentError(`No parameter named "${name}" on this module.`);
    }
    this.ownParameters.delete(name);
    return parameter;
  }

  /** Returns the direct child registered as `name`, or undefined. */
  getModule(name: string): Module | undefined {
    return this.children.get(name);
  }

  /** Iterates over the direct children as `[name, module]` pairs in registration order. */
  namedChildren(): IterableIterator<[string, Module]> {
    return this.children.entries();
  }

  /**
   * Returns every parameter of this module and its descendants, keyed by dotted path.
   *
   * @param prefix Prepended to every path with a dot (for example `"bert"`).
   */
  namedParameters(prefix = ''): Map<string, Parameter> {
    const result = new Map<string, Parameter>();
    this.collectParameters(prefix, result);
    return result;
  }

  /** Returns every parameter of this module and its descendants in path order. */
  parameters(): Parameter[] {
    return [...this.namedParameters().values()];
  }

  /** Returns the parameters whose `trainable` flag is set. */
  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.trainable);
  }

  /** Counts the scalar values of all parameters (or only the trainable ones). */
  countParameters(options: { trainableOnly?: boolean } = {}): number {
    const list = options.trainableOnly ? this.trainableParameters() : this.parameters();
    return list.reduce((sum, p) => sum + p.size, 0);
  }

  /**
   * Looks up a descendant module by dotted path (`encoder.layer.3.attention`).
   * Raises an {@link InvalidArgumentError} naming the first missing segment.
   */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let current: Module = this;
    for (const segment of path.split('.')) {
      const next = current.children.get(segment);
      if (next === undefined) {
        throw new InvalidArgumentError(
          `Module path "${path}" not found: no child "${segment}". Use namedModules() to list the paths.`,
        );
      }
      current = next;
    }
    return current;
  }

  /** Iterates over this module and every descendant as `[path, module]`, depth first. */
  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.children) {
      yield* child.namedModules(prefix === '' ? name : `${prefix}.${name}`);
    }
  }

  /** Sets `trainable` on every parameter of this module and its descendants. */
  setTrainable(trainable: boolean): void {
    for (const p of this.parameters()) p.trainable = trainable;
  }

  /** Switches this module and its descendants to training mode (dropout active). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.isTraining = mode;
    return this;
  }

  /** Switches this module and its descendants to evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Disposes every parameter of this module and its descendants. */
  dispose(): void {
    for (const p of this.ownParameters.values()) p.dispose();
    for (const child of this.children.values()) child.dispose();
  }

  /**
   * Copies values into parameters by path. Every key of `values` must name an existing parameter
   * with the same shape and dtype; nothing is assigned unless all keys are valid.
   */
  loadParameters(values: Map<string, tf.Tensor> | Record<string, tf.Tensor>): void {
    const entries = values instanceof Map ? [...values.entries()] : Object.entries(values);
    const own = this.namedParameters();
    const problems: string[] = [];
    for (const [path, value] of entries) {
      const p = own.get(path);
      if (p === undefined) problems.push(`unexpected parameter "${path}"`);
      else if (!shapesEqual(p.shape, value.shape)) {
        problems.push(`"${path}" has shape [${value.shape}] but the module expects [${p.shape}]`);
      } else if (value.dtype !== p.value.dtype) {
        // Checked here because tfjs's Variable.assign raises on a dtype change only when it
        // reaches this entry, after the earlier entries were already assigned.
        problems.push(`"${path}" has dtype ${value.dtype} but the module expects ${p.value.dtype}; cast it first`);
      }
    }
    if (problems.length > 0) {
      throw new InvalidArgumentError(`Cannot load parameters: ${problems.join('; ')}.`);
    }
    for (const [path, value] of entries) own.get(path)!.assign(value);
  }

  private collectParameters(prefix: string, out: Map<string, Parameter>): void {
    for (const [name, p] of this.ownParameters) out.set(prefix === '' ? name : `${prefix}.${name}`, p);
    for (const [name, child] of this.children) {
      child.collectParameters(prefix === '' ? name : `${prefix}.${name}`, out);
    }
  }

  private checkFreeName(name: string): void {
    if (!NAME_PATTERN.test(name)) {
      throw new InvalidArgumentError(
        `Invalid module or parameter name "${name}": use letters, digits and "_" only (dots separate path segments).`,
      );
    }
    if (this.ownParameters.has(name) || this.children.has(name)) {
      throw new InvalidArgumentError(`Name "${name}" is already registered on this module; choose another name.`);
    }
  }
}

/** A module with no parameters of its own that holds an ordered list of children (like `nn.ModuleList`). */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  private readonly items: M[] = [];

  /** Appends a module under the next integer name (`0`, `1`, …) and returns it. */
  push(module: M): M {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return module;
  }

  get length(): number {
    return this.items.length;
  }

  /** Returns the module at `index`; raises if the index is out of range. */
  at(index: number): M {
    const item = this.items[index];
    if (item === undefined) {
      throw new InvalidArgumentError(`Index ${index} is outside this list of ${this.items.length} modules.`);
    }
    return item;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

/** Returns true when two shapes have the same rank and sizes. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
