import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { RandomSource } from './random';

/** Settings that turn next-token logits into a token id. */
export interface SamplingOptions {
  /** Softmax temperature; 0 picks the most likely token (greedy). */
  temperature: number;
  /** Keep only the `topK` most likely tokens before sampling; 0 keeps all. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches `topP`; 1 keeps all. */
  topP: number;
}

/**
 * Checks sampling settings and raises an {@link InvalidArgumentError} naming the bad one.
 *
 * @param options The settings to check.
 * @param vocabSize Size of the vocabulary the logits cover.
 */
export function validateSamplingOptions(options: SamplingOptions, vocabSize: number): void {
  const { temperature, topK, topP } = options;
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new InvalidArgumentError(`temperature must be a finite number >= 0 (0 = greedy), got ${temperature}.`);
  }
  if (!Number.isInteger(topK) || topK < 0 || topK > vocabSize) {
    throw new InvalidArgumentError(`topK must be an integer in [0, ${vocabSize}] (0 = off), got ${topK}.`);
  }
  if (!(topP > 0 && topP <= 1)) {
    throw new InvalidArgumentError(`topP must be in (0, 1] (1 = off), got ${topP}.`);
  }
}

/**
 * Returns the index of the largest value, the first one on ties, as run.c's argmax does.
 *
 * @param values Logits or probabilities; must not be empty.
 */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new InvalidArgumentError('argmax needs at least one value, got an empty array.');
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Picks the next token from logits. With temperature 0 it is the argmax. Otherwise it is a draw
 * from the softmax of `logits / temperature`, restricted first to the `topK` most likely tokens
 * and then to the top-p nucleus, the order in which Hugging Face's `generate` applies them.
 *
 * @param logits Next-token logits of one sequence.
 * @param options Temperature, top-k and top-p.
 * @param random Uniform source in [0, 1).
 */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, random: RandomSource): number {
  if (logits.length === 0) throw new InvalidArgumentError('sampleToken needs logits for at least one token.');
  validateSamplingOptions(options, logits.length);
  if (options.temperature === 0) return argmax(logits);

  const order = Array.from({ length: logits.length }, (_, i) => i);
  order.sort((a, b) => logits[b]! - logits[a]! || a - b);
  const kept = options.topK > 0 ? order.slice(0, options.topK) : order;

  const top = logits[kept[0]!]!;
  const weights = kept.map((id) => Math.exp((logits[id]! - top) / options.temperature));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const probabilities = weights.map((w) => w / total);

  let nucleusSize = probabilities.length;
  if (options.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < probabilities.length; i++) {
      cumulative += probabilities[i]!;
      if (cumulative >= options.topP) {
        nucleusSize = i + 1;
        break;
      }
    }
  }
  const nucleusMass = probabilities.slice(0, nucleusSize).reduce((sum, p) => sum + p, 0);

  const target = random() * nucleusMass;
  let cumulative = 0;
  for (let i = 0; i < nucleusSize; i++) {
    cumulative += probabilities[i]!;
    if (target < cumulative) return kept[i]!;
  }
  // Rounding can leave the target just above the last cumulative sum.
  return kept[nucleusSize - 1]!;
}
