import { InvalidArgumentError } from '../errors';
import { Module } from '../module/module';
import type { Parameter } from '../module/parameter';
import type { AdaptationSite, ModelDescription } from '../sites/sites';
import {
  fillRecordFromFile,
  importAdapterConfig,
  readAdapterFiles,
  serializeAdapterRecord,
  writeAdapterFiles,
  type AdapterFiles,
} from './adapter-files';
import type { AdapterSetup, AdapterSetupInput } from './composition';
import { setupNames } from './composition';
import { AdapterHost, type AddAdapterOptions } from './host';
import type { AdapterConfig } from './method';
import type { AdapterSummary } from './summary';

/** Options of {@link AdaptableModel.loadAdapter}. */
export interface LoadAdapterOptions {
  /**
   * Name to give the loaded adapter. Defaults to the name stored in an AdapterHub config, else
   * `default` (PEFT's name).
   */
  name?: string;
  /** Make the loaded adapter the active setup (default true: a loaded adapter is usually meant to run). */
  setActive?: boolean;
}

/**
 * A model that declares adaptation sites, so every registered adapter method can attach to it,
 * and that offers the adapter lifecycle of PEFT and AdapterHub.
 *
 * Subclasses build their module tree with Hugging Face module names, create their sites while
 * doing so, and return them from {@link adaptationSites}.
 */
export abstract class AdaptableModel extends Module {
  private hostInstance: AdapterHost | null = null;

  /** Returns every adaptation site of the model, in layer order. */
  abstract adaptationSites(): readonly AdaptationSite[];

  /** Returns the shape facts adapter methods validate their configs against. */
  abstract describe(): ModelDescription;

  /** The adapter host of this model (created on first use). */
  get adapterHost(): AdapterHost {
    if (this.hostInstance === null) this.hostInstance = new AdapterHost(this);
    return this.hostInstance;
  }

  /** Names of the adapters on the model, in the order they were added. */
  get adapterNames(): string[] {
    return this.adapterHost.names;
  }

  /** The active adapter setup, or null. */
  get activeAdapters(): AdapterSetup | null {
    return this.adapterHost.activeSetup;
  }

  /**
   * Adds an adapter. The config is validated against the model first (a config that does not
   * fit raises a `ConfigError` and leaves the model unchanged).
   *
   * @param name Adapter name: letters, digits and `_`.
   * @param config A config of a registered method, e.g. `LoRAConfig({ r: 8, alpha: 16 })`.
   * @param options `setActive` (default false) activates it right away.
   */
  addAdapter(name: string, config: AdapterConfig, options: AddAdapterOptions = {}): void {
    this.adapterHost.add(name, config, options);
  }

  /** Deletes an adapter and disposes its tensors; the model is then as before it was added. */
  deleteAdapter(name: string): void {
    this.adapterHost.delete(name);
  }

  /**
   * Sets the adapters that run in forward passes: a name, an array of names (a Stack), a
   * composition block (`new Stack(...)`, `new BatchSplit(...)`, `new Average(...)`), or null.
   */
  setActiveAdapters(setup: AdapterSetupInput | null): void {
    this.adapterHost.setActive(setup);
  }

  /**
   * Freezes the whole model except the trainable parameters of the adapters in `setup`, activates
   * `setup` and switches to training mode, as AdapterHub's `train_adapter`.
   */
  trainAdapter(setup: AdapterSetupInput): void {
    this.adapterHost.train(setup);
  }

  /** Folds a mergeable adapter (LoRA, (IA)³) into the base weights; a second merge only warns. */
  mergeAdapter(name: string): void {
    this.adapterHost.merge(name);
  }

  /** Subtracts a merged adapter from the base weights again. */
  unmergeAdapter(name: string): void {
    this.adapterHost.unmerge(name);
  }

  /** Runs `fn` with all adapters bypassed (also for async `fn`), restoring them afterwards. */
  withAdaptersDisabled<T>(fn: () => T): T {
    return this.adapterHost.withDisabled(fn);
  }

  /** Returns the config of adapter `name`. */
  adapterConfig(name: string): AdapterConfig {
    return this.adapterHost.record(name).config;
  }

  /** Returns the parameters of adapter `name`, keyed by their path in the model. */
  adapterParameters(name: string): Map<string, Parameter> {
    return this.adapterHost.record(name).namedParameters();
  }

  /** Returns, per adapter, its size relative to the base model and its state. */
  adapterSummary(): AdapterSummary {
    const host = this.adapterHost;
    const adapterParams = new Set<Parameter>();
    for (const name of host.names) for (const p of host.record(name).namedParameters().values()) adapterParams.add(p);
    const base = this.parameters().filter((p) => !adapterParams.has(p));
    const baseParameters = base.reduce((sum, p) => sum + p.size, 0);
    const activeNames = host.activeSetup === null ? [] : setupNames(host.activeSetup);

    return {
      adapters: host.names.map((name) => {
        const record = host.record(name);
        const parameters = record.parameterCount();
        return {
          name,
          architecture: record.config.architecture,
          parameters,
          percentOfBase: baseParameters === 0 ? 0 : (100 * parameters) / baseParameters,
          active: activeNames.includes(name),
          trainable: [...record.namedParameters().values()].some((p) => p.trainable),
          merged: record.merged,
        };
      }),
      baseParameters,
      baseTrainableParameters: base.filter((p) => p.trainable).reduce((sum, p) => sum + p.size, 0),
    };
  }

  /** Returns adapter `name` as in-memory files (config object and safetensors bytes). */
  serializeAdapter(name: string): AdapterFiles {
    return serializeAdapterRecord(this.adapterHost.record(name), { sites: this.adapterHost.sites, model: this.describe() });
  }

  /**
   * Saves adapter `name` into `directory` as `adapter_config.json` + `adapter_model.safetensors`
   * with PEFT's tensor keys; only this adapter's tensors are written.
   */
  async saveAdapter(directory: string, name: string): Promise<void> {
    await writeAdapterFiles(directory, this.serializeAdapter(name));
  }

  /**
   * Loads an adapter saved by peftjs, PEFT or AdapterHub from a directory (Node) or from
   * in-memory files, and returns its name. Missing, unexpected or wrongly shaped tensors raise an
   * `AdapterLoadError` that lists them, and the model is left unchanged.
   */
  async loadAdapter(source: string | AdapterFiles, options: LoadAdapterOptions = {}): Promise<string> {
    const files = typeof source === 'string' ? await readAdapterFiles(source) : source;
    if (!(files.weights instanceof Uint8Array)) {
      throw new InvalidArgumentError('loadAdapter: `weights` must be the bytes of a safetensors file (Uint8Array).');
    }
    const host = this.adapterHost;
    const imported = importAdapterConfig(files.config, { sites: host.sites, model: this.describe() });
    for (const warning of imported.warnings ?? []) host.warn(warning);

    const storedName = typeof files.config.name === 'string' ? files.config.name : undefined;
    const name = options.name ?? storedName ?? 'default';
    const record = host.prepare(name, imported.config);
    try {
      fillRecordFromFile(record, files.weights, imported);
    } catch (error) {
      record.dispose();
      throw error;
    }
    host.attach(record);
    if (options.setActive ?? true) host.setActive(name);
    return name;
  }

  /** Deletes every adapter, then disposes all parameters of the model. */
  override dispose(): void {
    this.hostInstance?.deleteAll();
    super.dispose();
  }
}
