import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '../errors';
import type { Parameter } from '../module/parameter';

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** Initial learning rate (default 1e-3); change it per step with {@link AdamW.setLearningRate}. */
  learningRate?: number;
  /** Decay rate of the first-moment estimate, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the second-moment estimate, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to the root of the second moment before dividing (default 1e-8). */
  epsilon?: number;
  /** Decoupled weight decay (Loshchilov and Hutter), applied as `p ← p − lr · wd · p` (default 0). */
  weightDecay?: number;
}

/** The two moment estimates of one variable. */
interface Moments {
  readonly first: tf.Variable;
  readonly second: tf.Variable;
}

/**
 * Adam (Kingma and Ba) with decoupled weight decay. The update is the one of tfjs 4.22's
 * `AdamOptimizer`, op for op in float32, but each variable is updated in its own small scopes.
 * tfjs's optimizer keeps every intermediate of every variable until the whole update ends. That
 * is about ten times the trained parameters' size (an estimate: over 4 GiB for BERT-base, more
 * than a wasm heap holds). It also keys the moments by position in the gradient map, so a step
 * whose gradient map has other names mixes them up; here they are keyed by variable name.
 */
export class AdamW {
  private lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly moments = new Map<string, Moments>();
  /** `beta1^t` and `beta2^t` after step t, rounded to float32 as tfjs's optimizer keeps them. */
  private beta1Power: number;
  private beta2Power: number;

  constructor(options: AdamWOptions = {}) {
    const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = options;
    if (!(learningRate > 0)) throw new InvalidArgumentError(`learningRate must be positive, got ${learningRate}.`);
    if (!(weightDecay >= 0)) throw new InvalidArgumentError(`weightDecay must be non-negative, got ${weightDecay}.`);
    for (const [name, value] of [['beta1', beta1], ['beta2', beta2]] as const) {
      if (!(value >= 0 && value < 1)) throw new InvalidArgumentError(`${name} must be in [0, 1), got ${value}.`);
    }
    if (!(epsilon > 0)) throw new InvalidArgumentError(`epsilon must be positive, got ${epsilon}.`);
    this.lr = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
    this.beta1Power = Math.fround(beta1);
    this.beta2Power = Math.fround(beta2);
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
  }

  /**
   * Applies one update. `grads` maps variable names (as `tf.variableGrads` returns them) to
   * gradients; `parameters` are the parameters being trained (for weight decay). Every name in
   * `grads` must be a registered variable.
   */
  applyGradients(grads: tf.NamedTensorMap, parameters: readonly Parameter[]): void {
    if (this.weightDecay > 0 && this.lr > 0) {
      const factor = 1 - this.lr * this.weightDecay;
      for (const p of parameters) {
        if (grads[p.variable.name] !== undefined) tf.tidy(() => p.assign(tf.mul(p.value, factor)));
      }
    }

    const firstCorrection = Math.fround(1 - this.beta1Power);
    const secondCorrection = Math.fround(1 - this.beta2Power);
    for (const [name, gradient] of Object.entries(grads)) {
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) {
        throw new InvalidArgumentError(`AdamW received a gradient for "${name}", which is not a registered variable.`);
      }
      const { first, second } = this.momentsOf(variable);
      this.assignOwned(first, tf.tidy(() => tf.add(tf.mul(first, this.beta1), tf.mul(gradient, 1 - this.beta1))));
      this.assignOwned(second, tf.tidy(() => tf.add(tf.mul(second, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2))));
      const denominator = tf.tidy(() => tf.add(tf.sqrt(tf.div(second, secondCorrection)), this.epsilon));
      const step = tf.tidy(() => tf.mul(tf.div(tf.div(first, firstCorrection), denominator), -this.lr));
      denominator.dispose();
      this.assignOwned(variable, tf.tidy(() => tf.add(step, variable)));
      step.dispose();
    }
    this.beta1Power = Math.fround(this.beta1Power * Math.fround(this.beta1));
    this.beta2Power = Math.fround(this.beta2Power * Math.fround(this.beta2));
  }

  /** Releases the optimizer's moment estimates. */
  dispose(): void {
    for (const { first, second } of this.moments.values()) tf.dispose([first, second]);
    this.moments.clear();
  }

  private momentsOf(variable: tf.Variable): Moments {
    let moments = this.moments.get(variable.name);
    if (moments === undefined) {
      moments = {
        first: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        second: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      };
      this.moments.set(variable.name, moments);
    }
    return moments;
  }

  private assignOwned(variable: tf.Variable, value: tf.Tensor): void {
    variable.assign(value);
    value.dispose();
  }
}
