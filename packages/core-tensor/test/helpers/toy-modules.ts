import * as tf from '@tensorflow/tfjs';

import { Dropout, LayerNorm, Linear, Module, ModuleList, Parameter } from '../../src';

/** A module whose parameters are registered from outside, to test the registration rules. */
export class ParameterBag extends Module {
  /**
   * Registers `value` as a parameter named `name`.
   *
   * @param name Path segment of the parameter.
   * @param value Initial value; the bag takes ownership.
   */
  add(name: string, value: tf.Tensor): Parameter {
    return this.registerParameter(name, new Parameter(value));
  }
}

/** One transformer-like block: a projection, a LayerNorm and a dropout. */
export class ToyBlock extends Module {
  readonly proj: Linear;
  readonly norm: LayerNorm;
  readonly dropout: Dropout;

  /**
   * @param dim Width of the block.
   * @param seed Seed of the projection's initialisation.
   */
  constructor(dim: number, seed: number) {
    super();
    this.proj = this.registerModule('proj', new Linear(dim, dim, { seed }));
    this.norm = this.registerModule('norm', new LayerNorm(dim));
    this.dropout = this.registerModule('dropout', new Dropout(0.5, seed));
  }

  /** Applies `norm(x + dropout(proj(x)))`. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.norm.apply(tf.add(x, this.dropout.apply(this.proj.apply(x)))));
  }
}

/** A two-level tree: an input projection, a list of blocks and a bias-free head. */
export class ToyModel extends Module {
  readonly input: Linear;
  readonly layers: ModuleList<ToyBlock>;
  readonly head: Linear;

  /**
   * @param dim Width of every layer.
   * @param numLayers Number of blocks in `layers`.
   */
  constructor(
    readonly dim: number,
    numLayers: number,
  ) {
    super();
    this.input = this.registerModule('input', new Linear(dim, dim, { seed: 1 }));
    this.layers = this.registerModule('layers', new ModuleList<ToyBlock>());
    for (let i = 0; i < numLayers; i++) this.layers.push(new ToyBlock(dim, 10 + i));
    this.head = this.registerModule('head', new Linear(dim, 2, { bias: false, seed: 2 }));
  }

  /** Runs the input projection, every block and the head. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = this.input.apply(x);
      for (const block of this.layers) h = block.apply(h);
      return this.head.apply(h);
    });
  }
}
