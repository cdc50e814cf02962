import { ConfigError } from '../errors';

/**
 * Composition blocks that define how several adapters act together, after AdapterHub's
 * `adapters.composition`. A setup is an adapter name or a block whose children are names or
 * blocks; an array of names is read as a {@link Stack}.
 */

/** Runs the children one after another, each on the output of the previous one. */
export class Stack {
  readonly kind = 'stack' as const;
  readonly children: readonly AdapterSetup[];

  constructor(...children: AdapterSetupInput[]) {
    this.children = Object.freeze(children.map(normalizeSetup));
    checkNonEmpty('Stack', this.children);
  }
}

/** Runs every child on its own copy of the batch; the batch grows by the number of children. */
export class Parallel {
  readonly kind = 'parallel' as const;
  readonly children: readonly AdapterSetup[];

  constructor(...children: AdapterSetupInput[]) {
    this.children = Object.freeze(children.map(normalizeSetup));
    checkNonEmpty('Parallel', this.children);
  }
}

/** Splits the batch into consecutive slices of `batchSizes` rows and gives slice i to child i. */
export class BatchSplit {
  readonly kind = 'batch_split' as const;
  readonly children: readonly AdapterSetup[];
  readonly batchSizes: readonly number[];

  /**
   * @param children One setup per slice.
   * @param batchSizes Rows per slice; there must be one per child and their sum must equal the
   *   batch size of every forward pass.
   */
  constructor(children: readonly AdapterSetupInput[], batchSizes: readonly number[]) {
    this.children = Object.freeze(children.map(normalizeSetup));
    checkNonEmpty('BatchSplit', this.children);
    if (batchSizes.length !== this.children.length) {
      throw new ConfigError(
        `BatchSplit has ${this.children.length} children but ${batchSizes.length} batch sizes; give one size per child.`,
      );
    }
    for (const size of batchSizes) {
      if (!Number.isInteger(size) || size <= 0) {
        throw new ConfigError(`BatchSplit batch size ${size} is invalid: every size must be a positive integer.`);
      }
    }
    this.batchSizes = Object.freeze([...batchSizes]);
  }
}

/**
 * Averages the outputs (for LoRA: the weight deltas) of the children with `weights`. With
 * `normalizeWeights` (default true) the weights are divided by their sum.
 */
export class Average {
  readonly kind = 'average' as const;
  readonly children: readonly AdapterSetup[];
  readonly weights: readonly number[];

  /**
   * @param children Setups to average; equal weights when `weights` is omitted.
   * @param weights One finite weight per child.
   * @param normalizeWeights Whether to divide the weights by their sum (default true).
   */
  constructor(children: readonly AdapterSetupInput[], weights?: readonly number[], normalizeWeights = true) {
    this.children = Object.freeze(children.map(normalizeSetup));
    checkNonEmpty('Average', this.children);
    const raw = weights ?? this.children.map(() => 1);
    if (raw.length !== this.children.length) {
      throw new ConfigError(
        `Average has ${this.children.length} children but ${raw.length} weights; give one weight per child.`,
      );
    }
    if (!raw.every(Number.isFinite)) {
      throw new ConfigError(`Average weights [${raw}] must all be finite numbers.`);
    }
    const sum = raw.reduce((a, b) => a + b, 0);
    if (normalizeWeights && sum === 0) {
      throw new ConfigError(`Average weights [${raw}] sum to 0 and cannot be normalised; pass normalizeWeights false.`);
    }
    this.weights = Object.freeze(normalizeWeights ? raw.map((w) => w / sum) : [...raw]);
  }
}

/** A composition block. */
export type CompositionBlock = Stack | Parallel | BatchSplit | Average;

/** A normalised adapter setup: a name or a block. */
export type AdapterSetup = string | CompositionBlock;

/** Setup accepted from callers: a setup, or an array of names and blocks meaning a {@link Stack}. */
export type AdapterSetupInput = AdapterSetup | readonly AdapterSetupInput[];

/** Converts arrays to {@link Stack} blocks (a one-element array becomes its element) and checks names. */
export function normalizeSetup(input: AdapterSetupInput): AdapterSetup {
  if (typeof input === 'string') {
    if (input.length === 0) throw new ConfigError('An adapter name in a setup is empty; use the name given to addAdapter.');
    return input;
  }
  if (Array.isArray(input)) {
    const items = input as readonly AdapterSetupInput[];
    return items.length === 1 ? normalizeSetup(items[0]) : new Stack(...items);
  }
  if (input instanceof Stack || input instanceof Parallel || input instanceof BatchSplit || input instanceof Average) {
    return input;
  }
  throw new ConfigError(
    `Invalid adapter setup ${JSON.stringify(input)}: use an adapter name, an array of names, or Stack/Parallel/BatchSplit/Average.`,
  );
}

/** Returns every adapter name in a setup, in order, without duplicates. */
export function setupNames(setup: AdapterSetup): string[] {
  const names: string[] = [];
  const visit = (s: AdapterSetup): void => {
    if (typeof s === 'string') {
      if (!names.includes(s)) names.push(s);
      return;
    }
    s.children.forEach(visit);
  };
  visit(setup);
  return names;
}

/** Returns the setup as a short human-readable string, e.g. `Stack[a, Average[b, c]]`. */
export function describeSetup(setup: AdapterSetup): string {
  if (typeof setup === 'string') return setup;
  const label = { stack: 'Stack', parallel: 'Parallel', batch_split: 'BatchSplit', average: 'Average' }[setup.kind];
  return `${label}[${setup.children.map(describeSetup).join(', ')}]`;
}

function checkNonEmpty(block: string, children: readonly AdapterSetup[]): void {
  if (children.length === 0) throw new ConfigError(`${block} needs at least one child adapter.`);
}
