import { InvalidArgumentError } from '../errors';

/** Shape of the learning-rate curve after warm-up. */
export type ScheduleKind = 'constant' | 'linear' | 'cosine';

/** A learning-rate schedule with linear warm-up, as Hugging Face's `get_*_schedule_with_warmup`. */
export interface LearningRateSchedule {
  /** Peak learning rate, reached at the end of warm-up. */
  readonly learningRate: number;
  /** Steps of linear warm-up from 0 to `learningRate` (default 0). */
  readonly warmupSteps?: number;
  /** Total number of optimizer steps; required by `linear` and `cosine`. */
  readonly totalSteps?: number;
  readonly kind?: ScheduleKind;
  /** Floor of the decay as a fraction of `learningRate` (default 0). */
  readonly minRatio?: number;
}

/**
 * Returns the learning rate for optimizer step `step` (0-based): linear warm-up over
 * `warmupSteps`, then constant, linear decay to `minRatio · lr` at `totalSteps`, or half-cosine
 * decay to the same floor.
 */
export function learningRateAt(step: number, schedule: LearningRateSchedule): number {
  const { learningRate, warmupSteps = 0, totalSteps, kind = 'constant', minRatio = 0 } = schedule;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new InvalidArgumentError(`Learning rate must be a positive finite number, got ${learningRate}.`);
  }
  if (!Number.isInteger(step) || step < 0) throw new InvalidArgumentError(`Step must be a non-negative integer, got ${step}.`);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new InvalidArgumentError(`warmupSteps must be a non-negative integer, got ${warmupSteps}.`);
  }
  if (!(minRatio >= 0 && minRatio <= 1)) throw new InvalidArgumentError(`minRatio must be in [0, 1], got ${minRatio}.`);

  if (step < warmupSteps) return (learningRate * (step + 1)) / warmupSteps;
  if (kind === 'constant') return learningRate;
  if (totalSteps === undefined || !Number.isInteger(totalSteps) || totalSteps <= warmupSteps) {
    throw new InvalidArgumentError(
      `A ${kind} schedule needs totalSteps greater than warmupSteps (${warmupSteps}), got ${totalSteps}.`,
    );
  }
  const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
  const decay = kind === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return learningRate * (minRatio + (1 - minRatio) * decay);
}
