import type * as tf from '@tensorflow/tfjs';
import { Module, Parameter } from '@peftjs/core-tensor';

/** A module holding one learned vector, registered as `weight`. */
export class VectorModule extends Module {
  readonly weight: Parameter;

  constructor(value: tf.Tensor) {
    super();
    this.weight = this.registerParameter('weight', new Parameter(value));
  }
}
