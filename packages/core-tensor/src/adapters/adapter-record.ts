import type { Module } from '../module/module';
import { ModuleDict } from '../module/module-dict';
import type { Parameter } from '../module/parameter';
import type { AdapterBuild, AdapterConfig, AdapterMethod } from './method';

/** The file key prefix PEFT uses for every tensor of a saved adapter. */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** One adapter held by a model: its config, method, built modules and state. */
export class AdapterRecord {
  merged = false;

  constructor(
    readonly name: string,
    readonly config: AdapterConfig,
    readonly method: AdapterMethod,
    readonly build: AdapterBuild,
  ) {}

  /** Parameters keyed by their path in the model, e.g. `…q_proj.lora_A.default.weight`. */
  namedParameters(): Map<string, Parameter> {
    const result = new Map<string, Parameter>();
    for (const placement of this.build.placements) {
      const prefix = joinPath(placement.ownerPath, `${placement.container}.${this.name}`);
      for (const [path, parameter] of placement.module.namedParameters(prefix)) result.set(path, parameter);
    }
    return result;
  }

  /**
   * Parameters keyed by their file key: PEFT's `base_model.model.<owner>.<container>.<path>`,
   * which leaves out the adapter name so a file loads under any name.
   */
  fileParameters(): Map<string, Parameter> {
    const result = new Map<string, Parameter>();
    for (const placement of this.build.placements) {
      const prefix = PEFT_KEY_PREFIX + joinPath(placement.ownerPath, placement.container);
      for (const [path, parameter] of placement.module.namedParameters(prefix)) result.set(path, parameter);
    }
    return result;
  }

  /** Parameters that `trainAdapter` unfreezes. */
  trainableParameters(): Parameter[] {
    const frozen = new Set(this.build.frozenParameters ?? []);
    return [...this.namedParameters().values()].filter((p) => !frozen.has(p));
  }

  /** Counts the scalar values of the adapter's parameters. */
  parameterCount(): number {
    let count = 0;
    for (const p of this.namedParameters().values()) count += p.size;
    return count;
  }

  /** Registers the adapter's modules in the model tree under their containers. */
  attachModules(): void {
    for (const placement of this.build.placements) {
      let container = placement.owner.getModule(placement.container);
      if (container === undefined) container = placement.owner.registerModule(placement.container, new ModuleDict());
      container.registerModule(this.name, placement.module);
    }
  }

  /** Removes the adapter's modules from the tree and drops containers left empty. */
  detachModules(): void {
    for (const placement of this.build.placements) {
      const container = placement.owner.getModule(placement.container) as Module | undefined;
      if (container === undefined) continue;
      if (container.getModule(this.name) === placement.module) container.removeModule(this.name);
      if (container instanceof ModuleDict && container.size === 0) placement.owner.removeModule(placement.container);
    }
  }

  /** Disposes every tensor the adapter owns. */
  dispose(): void {
    for (const placement of this.build.placements) placement.module.dispose();
    this.build.dispose?.();
  }
}

/** Joins two dotted paths, either of which may be empty. */
export function joinPath(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return `${a}.${b}`;
}
