import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import type { Parameter } from '../module/parameter';

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** Initial learning rate (default 1e-3); change it per step with {@link AdamW.setLearningRate}. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (Loshchilov and Hutter), applied as `p ← p − lr · wd · p` (default 0). */
  weightDecay?: number;
}

/**
 * Adam with decoupled weight decay on top of tfjs's `AdamOptimizer`. tfjs has no AdamW, and its
 * Adam reads the learning rate from a field on every step, so a schedule can change it in place.
 */
export class AdamW {
  private readonly adam: tf.AdamOptimizer;
  private lr: number;
  readonly weightDecay: number;

  constructor(options: AdamWOptions = {}) {
    const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = options;
    if (!(learningRate > 0)) throw new InvalidArgumentError(`learningRate must be positive, got ${learningRate}.`);
    if (!(weightDecay >= 0)) throw new InvalidArgumentError(`weightDecay must be non-negative, got ${weightDecay}.`);
    this.adam = tf.train.adam(learningRate, beta1, beta2, epsilon);
    this.lr = learningRate;
    this.weightDecay = weightDecay;
  }

  get learningRate(): number {
    return this.lr;
  }

  /** Sets the learning rate used by the next {@link applyGradients}. */
  setLearningRate(value: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`Learning rate must be a non-negative finite number, got ${value}.`);
    }
    this.lr = value;
    (this.adam as unknown as { learningRate: number }).learningRate = value;
  }

  /**
   * Applies one update. `grads` maps variable names (as `tf.variableGrads` returns them) to
   * gradients; `parameters` are the parameters being trained (for weight decay).
   */
  applyGradients(grads: tf.NamedTensorMap, parameters: readonly Parameter[]): void {
    if (this.weightDecay > 0 && this.lr > 0) {
      const factor = 1 - this.lr * this.weightDecay;
      tf.tidy(() => {
        for (const p of parameters) if (grads[p.variable.name] !== undefined) p.assign(tf.mul(p.value, factor));
      });
    }
    this.adam.applyGradients(grads as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
  }

  /** Releases the optimizer's moment estimates. */
  dispose(): void {
    this.adam.dispose();
  }
}
