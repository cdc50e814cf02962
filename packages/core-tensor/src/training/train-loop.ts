import type * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import type { Parameter } from '../module/parameter';
import { AdamW, type AdamWOptions } from './adamw';
import { learningRateAt, type LearningRateSchedule } from './schedule';
import { trainStep } from './train-step';

/** Progress report of one optimizer step of {@link runTraining}. */
export interface StepReport {
  /** 1-based number of the step just taken. */
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly gradNorm: number;
  /** Milliseconds spent in this step. */
  readonly milliseconds: number;
}

/** Options of {@link runTraining}. */
export interface TrainingOptions<B> {
  /** Parameters to train; only those with `trainable` set receive updates. */
  readonly parameters: readonly Parameter[];
  /** Returns the batch for 0-based step `step`. The loop disposes nothing the batch owns. */
  readonly nextBatch: (step: number) => B;
  /** Returns the scalar loss of a batch; runs inside the gradient tape. */
  readonly loss: (batch: B) => tf.Scalar;
  /** Releases a batch after its step (for example its input tensors). */
  readonly releaseBatch?: (batch: B) => void;
  /** Number of optimizer steps. */
  readonly steps: number;
  /** Learning-rate schedule; `totalSteps` defaults to `steps`. */
  readonly schedule: LearningRateSchedule;
  /** Adam settings other than the learning rate. */
  readonly optimizer?: Omit<AdamWOptions, 'learningRate'>;
  /** Clip gradients to this global L2 norm. */
  readonly maxGradNorm?: number;
  /** Called after every step, for progress bars and logs. */
  readonly onStep?: (report: StepReport) => void | Promise<void>;
  /** Checked before every step; returning true ends the loop early (for example on Ctrl-C). */
  readonly shouldStop?: () => boolean;
}

/** Result of {@link runTraining}. */
export interface TrainingResult {
  /** Loss of every step taken, in order. */
  readonly losses: number[];
  readonly stepsCompleted: number;
  /** True when `shouldStop` ended the loop before `steps`. */
  readonly stopped: boolean;
  readonly milliseconds: number;
}

/**
 * Trains the trainable parameters with AdamW, a warm-up learning-rate schedule and optional
 * gradient clipping. The loop is independent of models and tasks, because the caller provides
 * batches and the loss. The optimizer's state is released when the loop ends, also on error.
 */
export async function runTraining<B>(options: TrainingOptions<B>): Promise<TrainingResult> {
  const { steps, parameters } = options;
  if (!Number.isInteger(steps) || steps <= 0) {
    throw new InvalidArgumentError(`steps must be a positive integer, got ${steps}.`);
  }
  const schedule: LearningRateSchedule = { totalSteps: steps, ...options.schedule };
  learningRateAt(0, schedule);

  const optimizer = new AdamW({ ...options.optimizer, learningRate: schedule.learningRate });
  const losses: number[] = [];
  const started = performance.now();
  let stopped = false;
  try {
    for (let step = 0; step < steps; step++) {
      if (options.shouldStop?.()) {
        stopped = true;
        break;
      }
      const learningRate = learningRateAt(step, schedule);
      optimizer.setLearningRate(learningRate);

      const stepStart = performance.now();
      const batch = options.nextBatch(step);
      let result;
      try {
        result = trainStep(parameters, () => options.loss(batch), optimizer, { maxGradNorm: options.maxGradNorm });
      } finally {
        options.releaseBatch?.(batch);
      }
      losses.push(result.loss);
      await options.onStep?.({
        step: step + 1,
        totalSteps: steps,
        loss: result.loss,
        learningRate,
        gradNorm: result.gradNorm,
        milliseconds: performance.now() - stepStart,
      });
    }
  } finally {
    optimizer.dispose();
  }
  return { losses, stepsCompleted: losses.length, stopped, milliseconds: performance.now() - started };
}
