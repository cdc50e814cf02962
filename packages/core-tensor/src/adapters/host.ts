import * as tf from '@tensorflow/tfjs';

import { ConfigError, DuplicateAdapterError, MergeError, UnknownAdapterError } from '../errors';
import { deriveSeed } from '../init/seed';
import type { Module } from '../module/module';
import type { AdaptationSite, ModelDescription } from '../sites/sites';
import { AdapterRecord } from './adapter-record';
import { describeSetup, normalizeSetup, setupNames, type AdapterSetup, type AdapterSetupInput } from './composition';
import type { AdapterConfig, AdapterMethod } from './method';
import { getAdapterMethod } from './registry';
import { SiteRuntime } from './site-runtime';
import type { DispatchState } from './site-dispatch';

/** Adapter names become module path segments, so they are limited to these characters. */
const ADAPTER_NAME = /^[A-Za-z0-9_]+$/;

/** Seed used for adapter parameters when a config gives no `init_weights_seed`. */
export const DEFAULT_ADAPTER_SEED = 42;

/** Options of {@link AdapterHost.add}. */
export interface AddAdapterOptions {
  /** Make the new adapter the active setup (default false, as AdapterHub's `add_adapter`). */
  setActive?: boolean;
}

/** The model surface the host needs. */
export interface HostModel extends Module {
  adaptationSites(): readonly AdaptationSite[];
  describe(): ModelDescription;
}

/** Something that receives warnings; `console.warn` by default. */
export type WarningSink = (message: string) => void;

/**
 * The adapter lifecycle of one model: adds, activates, trains, merges and deletes adapters,
 * keeping the per-site runtimes in step. Every operation validates first and changes the model
 * only when nothing can fail any more, so a failed call leaves the model as it was.
 */
export class AdapterHost {
  private readonly records = new Map<string, AdapterRecord>();
  private readonly runtimes = new Map<AdaptationSite, SiteRuntime>();
  private siteList: readonly AdaptationSite[] | null = null;
  private active: AdapterSetup | null = null;
  private disabledDepth = 0;
  private readonly mergedNames = new Set<string>();

  /** Receiver of warnings (merging twice, configs that are legal but degenerate, ...). */
  warn: WarningSink = (message) => console.warn(`peftjs: ${message}`);

  constructor(private readonly model: HostModel) {}

  /** The model's sites, read once. */
  get sites(): readonly AdaptationSite[] {
    if (this.siteList === null) this.siteList = this.model.adaptationSites();
    return this.siteList;
  }

  /** Names of the adapters on the model, in the order they were added. */
  get names(): string[] {
    return [...this.records.keys()];
  }

  /** The active setup, or null when no adapter is active. */
  get activeSetup(): AdapterSetup | null {
    return this.active;
  }

  /** Whether adapters are currently bypassed by {@link withDisabled}. */
  get disabled(): boolean {
    return this.disabledDepth > 0;
  }

  /** Returns the record of `name`, raising {@link UnknownAdapterError} with the known names. */
  record(name: string): AdapterRecord {
    const record = this.records.get(name);
    if (record === undefined) {
      throw new UnknownAdapterError(
        `No adapter named "${name}" on this model. Adapters: ${this.names.join(', ') || '(none)'}. Add it with addAdapter or loadAdapter.`,
      );
    }
    return record;
  }

  /**
   * Validates `config` against the model, builds the adapter and attaches it.
   *
   * @param name Adapter name: letters, digits and `_`; it becomes a module path segment.
   * @param config A config of any registered method (for example `LoRAConfig({ r: 8 })`).
   */
  add(name: string, config: AdapterConfig, options: AddAdapterOptions = {}): AdapterRecord {
    const record = this.prepare(name, config);
    this.attach(record);
    if (options.setActive) this.setActive(name);
    return record;
  }

  /**
   * Builds an adapter without attaching it (used by `add` and by loading, which fills the
   * parameters before attaching). Raises on an invalid name, a duplicate or an invalid config.
   */
  prepare(name: string, config: AdapterConfig): AdapterRecord {
    if (typeof name !== 'string' || !ADAPTER_NAME.test(name)) {
      throw new ConfigError(
        `Invalid adapter name ${JSON.stringify(name)}: use letters, digits and "_" only (it becomes part of parameter paths).`,
      );
    }
    if (this.records.has(name)) {
      throw new DuplicateAdapterError(
        `An adapter named "${name}" already exists on this model; delete it first or choose another name.`,
      );
    }
    const method: AdapterMethod = getAdapterMethod(config?.architecture);
    const parsed = method.parseConfig(config);
    const seedField = (parsed as { init_weights_seed?: number | null }).init_weights_seed;
    const seed = typeof seedField === 'number' ? seedField : DEFAULT_ADAPTER_SEED;

    const build = method.build({
      name,
      config: parsed,
      sites: this.sites,
      model: this.model.describe(),
      seed: deriveSeed(seed, 'adapter'),
      root: this.model,
    });
    for (const message of build.warnings ?? []) this.warn(`adapter "${name}": ${message}`);
    return new AdapterRecord(name, parsed, method, build);
  }

  /** Attaches a prepared record: registers its modules and site handlers. */
  attach(record: AdapterRecord): void {
    record.attachModules();
    for (const binding of record.build.bindings) this.runtimeOf(binding.site).add(record.name, binding.handler);
    this.records.set(record.name, record);
  }

  /**
   * Removes adapter `name`: unmerges it if merged, detaches its modules and hooks, drops it from the
   * active setup and disposes its tensors. The model is then exactly as before the adapter was added.
   */
  delete(name: string): void {
    const record = this.record(name);
    if (record.merged) this.unmerge(name);

    for (const binding of record.build.bindings) {
      const runtime = this.runtimeOf(binding.site);
      runtime.remove(name);
      if (runtime.isEmpty) this.runtimes.delete(binding.site);
    }
    record.detachModules();
    this.records.delete(name);
    if (this.active === name) {
      this.active = null;
    } else if (this.active !== null && setupNames(this.active).includes(name)) {
      this.warn(`adapter "${name}" was part of the active setup ${describeSetup(this.active)}; no adapter is active now.`);
      this.active = null;
    }
    record.dispose();
  }

  /**
   * Sets the active setup: a name, an array of names (a Stack) or composition blocks; null
   * deactivates all adapters. Every name must exist and every block must be supported by the
   * methods of the adapters inside it.
   */
  setActive(setup: AdapterSetupInput | null): void {
    if (setup === null) {
      this.active = null;
      return;
    }
    const normalized = normalizeSetup(setup);
    for (const name of setupNames(normalized)) this.record(name);
    this.checkCompositions(normalized);
    this.active = normalized;
  }

  /**
   * Prepares training of the adapters in `setup`: freezes every parameter of the model, unfreezes
   * the adapters' own trainable parameters, activates the setup and switches to training mode.
   */
  train(setup: AdapterSetupInput): void {
    const normalized = normalizeSetup(setup);
    const names = setupNames(normalized);
    for (const name of names) {
      if (this.record(name).merged) {
        throw new MergeError(`Adapter "${name}" is merged into the base weights; unmerge it before training.`);
      }
    }
    this.setActive(normalized);
    this.model.setTrainable(false);
    for (const name of names) for (const p of this.record(name).trainableParameters()) p.trainable = true;
    this.model.train();
  }

  /** Folds adapter `name` into the base weights; merging a merged adapter warns and does nothing. */
  merge(name: string): void {
    const record = this.record(name);
    if (record.build.merge === undefined) {
      throw new MergeError(
        `Adapter "${name}" (${record.config.architecture}) cannot be merged into the base weights: ` +
          'only methods that change linear weights (LoRA, (IA)³) can. Keep it unmerged.',
      );
    }
    if (record.merged) {
      this.warn(`adapter "${name}" is already merged; merging again does nothing.`);
      return;
    }
    record.build.merge.merge();
    record.merged = true;
    this.mergedNames.add(name);
  }

  /** Reverses {@link merge}; unmerging an adapter that is not merged warns and does nothing. */
  unmerge(name: string): void {
    const record = this.record(name);
    if (!record.merged || record.build.merge === undefined) {
      this.warn(`adapter "${name}" is not merged; unmerging does nothing.`);
      return;
    }
    record.build.merge.unmerge();
    record.merged = false;
    this.mergedNames.delete(name);
  }

  /**
   * Runs `fn` with every adapter bypassed and restores the previous state afterwards, also when
   * `fn` throws or its promise rejects. Merged adapters are part of the base weights and cannot be
   * bypassed, so this raises while any adapter is merged.
   */
  withDisabled<T>(fn: () => T): T {
    if (this.mergedNames.size > 0) {
      throw new MergeError(
        `Adapters ${[...this.mergedNames].join(', ')} are merged into the base weights and cannot be disabled; unmerge them first.`,
      );
    }
    this.disabledDepth += 1;
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.disabledDepth -= 1;
      throw error;
    }
    if (result instanceof Promise) {
      return result.finally(() => {
        this.disabledDepth -= 1;
      }) as T;
    }
    this.disabledDepth -= 1;
    return result;
  }

  /** Deletes every adapter. */
  deleteAll(): void {
    for (const name of this.names) this.delete(name);
  }

  private dispatchState(): DispatchState | null {
    if (this.active === null || this.disabledDepth > 0) return null;
    return { setup: this.active, merged: this.mergedNames };
  }

  private runtimeOf(site: AdaptationSite): SiteRuntime {
    let runtime = this.runtimes.get(site);
    if (runtime === undefined) {
      runtime = new SiteRuntime(site, () => this.dispatchState());
      this.runtimes.set(site, runtime);
    }
    return runtime;
  }

  private checkCompositions(setup: AdapterSetup): void {
    if (typeof setup === 'string') return;
    for (const name of setupNames(setup)) {
      const { method, build } = this.record(name);
      const supported = build.supportedCompositions ?? method.supportedCompositions;
      if (!supported.includes(setup.kind)) {
        throw new ConfigError(
          `${describeSetup(setup)} is not supported for adapter "${name}" (${method.architecture}); ` +
            `it supports: ${supported.join(', ') || 'single adapters only'}.`,
        );
      }
    }
    setup.children.forEach((child) => this.checkCompositions(child));
  }
}

/** Returns true when every value of `tensor` is finite. */
export function allFinite(tensor: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(tensor)).dataSync()[0] === 1);
}
