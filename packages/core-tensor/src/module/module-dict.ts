import { Module } from './module';

/**
 * A parameter-less module whose children are keyed by name, like `nn.ModuleDict`. The adapter
 * host keeps one per method container (for example `q_proj.lora_A`), with one child per adapter.
 */
export class ModuleDict extends Module {
  /** Number of children. */
  get size(): number {
    return [...this.namedChildren()].length;
  }

  /** Names of the children in insertion order. */
  keys(): string[] {
    return [...this.namedChildren()].map(([name]) => name);
  }
}
