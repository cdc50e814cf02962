import { InvalidArgumentError, getAdapterMethod, type AdapterConfig, type AdapterMethod } from '@peftjs/core-tensor';

import type { DegenerateCase, DegenerateKind } from './degenerate-configs';
import type { HarnessModelFactory } from './reference-models/harness-model';
import { CHECK_NAMES, type CheckName } from './report';

/** One named config of the method under test; every check runs once per case. */
export interface AdapterCase {
  /** Unique name, used in test titles and messages. */
  readonly name: string;
  readonly config: AdapterConfig;
  /**
   * The method promises that a new adapter with this config leaves the output unchanged (LoRA's
   * `B = 0`, (IA)³'s ones). Default false: no promise, so the config itself must change the output.
   */
  readonly expectIdentityAtInit?: boolean;
  /**
   * A config of the same method whose initialisation changes the output (LoRA
   * `init_weights: "bert"`). When omitted, the forward-effect check perturbs the adapter's
   * parameters instead.
   */
  readonly nonIdentityConfig?: AdapterConfig;
  /**
   * Whether the adapter can merge into the base weights. When omitted the merge check follows the
   * build: it tests merging when the build has merge support and expects a `MergeError` otherwise.
   */
  readonly canMerge?: boolean;
  /**
   * Tensors the adapter holds on purpose outside its parameters (constants that depend only on
   * the config and the model); default 0. Such tensors are not saved.
   */
  readonly extraTensors?: number;
  /**
   * Name of another case whose adapter gives the same output on purpose (configs that differ only
   * in fields without effect in evaluation, such as dropout). Without it, two cases with equal
   * outputs fail the `distinct-cases` check, because one of them ignores part of its config.
   */
  readonly sameOutputAs?: string;
}

/** Tolerances and sizes of the checks. Every field has a default. */
export interface HarnessTolerances {
  /** Largest output change allowed at an identity initialisation (default 0: bit-identical). */
  readonly identity: number;
  /** Smallest largest-absolute output change that counts as "changes the output" (default 1e-5). */
  readonly minEffect: number;
  /** Largest output difference between a saved adapter and its reloaded copy (default 1e-6). */
  readonly saveLoad: number;
  /** Largest output difference between merged and unmerged forward passes (default 1e-4). */
  readonly merge: number;
  /** Largest base-weight difference after merge and unmerge (default 1e-5). */
  readonly unmerge: number;
  /**
   * Step of the central finite differences (default 3e-2). In float32 the rounding error of the
   * loss, divided by the step, dominates below about 1e-2, while larger steps add truncation error.
   */
  readonly gradientStep: number;
  /**
   * Part of the finite-difference tolerance that scales with the largest compared gradient of the
   * adapter (default 1e-2), which absorbs the float32 noise of coordinates with tiny gradients.
   */
  readonly gradientFloor: number;
  /** Part of the finite-difference tolerance relative to the coordinate's own gradient (default 5e-2). */
  readonly gradientRelative: number;
  /** Largest compared gradient below which the loss counts as independent of the adapter (default 1e-7). */
  readonly gradientMinimum: number;
  /** Coordinates compared per parameter: the largest gradient plus random ones (default 2). */
  readonly gradientCoordinates: number;
  /** Parameters compared per adapter, spread evenly over its parameters (default 24). */
  readonly gradientParameters: number;
  /** Standard deviation of the noise added to adapter parameters by checks that need a non-trivial adapter (default 0.05). */
  readonly perturbation: number;
  /** Optimizer steps of the training check (default 4). */
  readonly trainingSteps: number;
  /** Learning rate of the training check (default 1e-2). */
  readonly learningRate: number;
}

/** The default {@link HarnessTolerances}. */
export const DEFAULT_TOLERANCES: Readonly<HarnessTolerances> = Object.freeze({
  identity: 0,
  minEffect: 1e-5,
  saveLoad: 1e-6,
  merge: 1e-4,
  unmerge: 1e-5,
  gradientStep: 3e-2,
  gradientFloor: 1e-2,
  gradientRelative: 5e-2,
  gradientMinimum: 1e-7,
  gradientCoordinates: 2,
  gradientParameters: 24,
  perturbation: 0.05,
  trainingSteps: 4,
  learningRate: 1e-2,
});

/** Target of the checks: a method, its cases and a model factory. */
export interface HarnessOptions {
  /** The method under test, or its architecture name; it must be registered. */
  readonly method: AdapterMethod | string;
  readonly configs: readonly AdapterCase[];
  /** Returns a new, clean model on every call (see `createTinyBertHarnessModel`). */
  readonly createModel: HarnessModelFactory;
  /** Label of the model in test titles (default: the factory's function name). */
  readonly modelName?: string;
  readonly tolerances?: Partial<HarnessTolerances>;
  /**
   * Degenerate configs the method must reject or warn about at add time: kinds derived from each
   * case's config (see `degenerateConfigsFor`) and explicit cases. Default none.
   */
  readonly degenerateConfigs?: readonly (DegenerateKind | DegenerateCase)[];
  /**
   * Resize each case's config to the model with `sizeConfigToModel` before use (default true), so
   * that for example a reduction factor of 32 does not give a bottleneck of width 1 on a tiny model.
   */
  readonly sizeConfigs?: boolean;
  /** Checks to run (default all). */
  readonly checks?: readonly CheckName[];
}

/** {@link HarnessOptions} after validation, with defaults filled in. */
export interface HarnessTarget {
  readonly method: AdapterMethod;
  readonly cases: readonly AdapterCase[];
  readonly createModel: HarnessModelFactory;
  readonly modelName: string;
  readonly tolerances: HarnessTolerances;
  readonly degenerateConfigs: readonly (DegenerateKind | DegenerateCase)[];
  readonly sizeConfigs: boolean;
  readonly checks: readonly CheckName[];
}

const resolved = new WeakMap<HarnessOptions, HarnessTarget>();

/**
 * Validates harness options and fills in defaults. The same options object always resolves to
 * the same target, so checks called one by one share what they record.
 *
 * @param options Method, cases, model factory and tolerances.
 */
export function resolveHarnessOptions(options: HarnessOptions): HarnessTarget {
  const cached = resolved.get(options);
  if (cached !== undefined) return cached;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`Harness options must be an object with method, configs and createModel, got ${String(options)}.`);
  }
  const method = resolveMethod(options.method);
  const cases = checkCases(options.configs, method);
  if (typeof options.createModel !== 'function') {
    throw new InvalidArgumentError(
      `createModel must be a function returning a new HarnessModel, got ${typeof options.createModel}; ` +
        'use createTinyBertHarnessModel or createTinyLlamaHarnessModel.',
    );
  }
  const checks = options.checks ?? [...CHECK_NAMES];
  for (const check of checks) {
    if (!(CHECK_NAMES as readonly string[]).includes(check)) {
      throw new InvalidArgumentError(`Unknown check "${check}" in checks; known checks: ${CHECK_NAMES.join(', ')}.`);
    }
  }
  const target: HarnessTarget = {
    method,
    cases,
    createModel: options.createModel,
    modelName: options.modelName ?? (options.createModel.name || 'model'),
    tolerances: checkTolerances(options.tolerances ?? {}),
    degenerateConfigs: options.degenerateConfigs ?? [],
    sizeConfigs: options.sizeConfigs ?? true,
    checks,
  };
  resolved.set(options, target);
  return target;
}

function resolveMethod(method: AdapterMethod | string): AdapterMethod {
  const architecture = typeof method === 'string' ? method : method?.architecture;
  if (typeof architecture !== 'string') {
    throw new InvalidArgumentError(`method must be an AdapterMethod or an architecture name, got ${String(method)}.`);
  }
  const registered = getAdapterMethod(architecture);
  if (typeof method !== 'string' && registered !== method) {
    throw new InvalidArgumentError(
      `The method object passed as "${architecture}" is not the one registered under that name; ` +
        'register it with registerAdapterMethod(method, { replace: true }) before running the harness.',
    );
  }
  return registered;
}

function checkCases(configs: readonly AdapterCase[], method: AdapterMethod): AdapterCase[] {
  if (!Array.isArray(configs) || configs.length === 0) {
    throw new InvalidArgumentError('configs must be a non-empty array of { name, config } cases.');
  }
  const names = new Set<string>();
  for (const testCase of configs) {
    if (typeof testCase?.name !== 'string' || testCase.name.length === 0) {
      throw new InvalidArgumentError(`Every case needs a non-empty string name, got ${JSON.stringify(testCase?.name)}.`);
    }
    if (names.has(testCase.name)) {
      throw new InvalidArgumentError(`Two cases are named "${testCase.name}"; give every case a unique name.`);
    }
    names.add(testCase.name);
    for (const [field, config] of [['config', testCase.config], ['nonIdentityConfig', testCase.nonIdentityConfig]] as const) {
      if (config === undefined && field === 'nonIdentityConfig') continue;
      if (config?.architecture !== method.architecture) {
        throw new InvalidArgumentError(
          `Case "${testCase.name}": ${field} has architecture ${JSON.stringify(config?.architecture)} but the method under test is ` +
            `"${method.architecture}"; run each method's configs in its own suite.`,
        );
      }
    }
  }
  for (const testCase of configs) {
    if (testCase.sameOutputAs !== undefined && !names.has(testCase.sameOutputAs)) {
      throw new InvalidArgumentError(
        `Case "${testCase.name}": sameOutputAs names "${testCase.sameOutputAs}", which is not a case; cases: ${[...names].join(', ')}.`,
      );
    }
  }
  return [...configs];
}

function checkTolerances(overrides: Partial<HarnessTolerances>): HarnessTolerances {
  const tolerances = { ...DEFAULT_TOLERANCES, ...overrides };
  for (const [key, value] of Object.entries(tolerances)) {
    if (!(key in DEFAULT_TOLERANCES)) {
      throw new InvalidArgumentError(`Unknown tolerance "${key}"; known: ${Object.keys(DEFAULT_TOLERANCES).join(', ')}.`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`Tolerance ${key} must be a finite number ≥ 0, got ${String(value)}.`);
    }
  }
  for (const key of ['gradientCoordinates', 'gradientParameters', 'trainingSteps'] as const) {
    if (!Number.isInteger(tolerances[key]) || tolerances[key] < 1) {
      throw new InvalidArgumentError(`Tolerance ${key} must be a positive integer, got ${tolerances[key]}.`);
    }
  }
  for (const key of ['gradientStep', 'learningRate', 'perturbation'] as const) {
    if (!(tolerances[key] > 0)) throw new InvalidArgumentError(`Tolerance ${key} must be positive, got ${tolerances[key]}.`);
  }
  return tolerances;
}
