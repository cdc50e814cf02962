import * as tf from '@tensorflow/tfjs';
import { Module, Parameter, deriveSeed, zeros } from '@peftjs/core-tensor';

import type { BnConfigType } from './config';
import { initPHMRule, initPHMWeight } from './phm-init';

/** The config fields that shape and initialise PHM parameters. */
export type PHMOptions = Pick<
  BnConfigType,
  | 'phm_dim'
  | 'phm_rank'
  | 'factorized_phm_W'
  | 'factorized_phm_rule'
  | 'shared_W_phm'
  | 'shared_phm_rule'
  | 'phm_c_init'
  | 'phm_init_range'
  | 'learn_phm'
  | 'hypercomplex_nonlinearity'
  | 'phm_bias'
>;

/**
 * A stack of matrices `[n, rows, columns]` stored whole (`full`) or as the batched product
 * `left @ right` of `[n, rows, rank]` and `[n, rank, columns]` factors.
 */
export interface FactoredStack {
  readonly full: Parameter | null;
  readonly left: Parameter | null;
  readonly right: Parameter | null;
}

/**
 * Returns the stack a {@link FactoredStack} represents: `full`, or `left @ right` per slice.
 *
 * @param stack The stored stack or its factors.
 */
export function assembleStack(stack: FactoredStack): tf.Tensor {
  if (stack.full !== null) return stack.full.value;
  return tf.tidy(() => tf.matMul(stack.left!.value, stack.right!.value));
}

/** A {@link Module} that creates PHM rules and weights under AdapterHub's parameter names. */
export abstract class PHMParameterOwner extends Module {
  /**
   * Registers the rules: `phm_rule` `[n, n, n]`, or `phm_rule_left` `[n, n, 1]` and
   * `phm_rule_right` `[n, 1, n]` when factorized. They are trainable only with `learn_phm`.
   */
  protected registerRule(options: PHMOptions, seed: number): FactoredStack {
    const n = options.phm_dim;
    const create = (name: string, shape: number[]) => {
      const value = initPHMRule(shape, options.phm_c_init, options.phm_init_range, deriveSeed(seed, name));
      return this.registerParameter(name, new Parameter(value, options.learn_phm));
    };
    if (options.factorized_phm_rule) {
      return { full: null, left: create('phm_rule_left', [n, n, 1]), right: create('phm_rule_right', [n, 1, n]) };
    }
    return { full: create('phm_rule', [n, n, n]), left: null, right: null };
  }

  /**
   * Registers the weights of a `[inFeatures, outFeatures]` PHM product: `<name>`
   * `[n, in/n, out/n]`, or `<name>_left` `[n, in/n, rank]` and `<name>_right` `[n, rank, out/n]`
   * when factorized.
   *
   * @param name `W` for a layer's own weights, `W_down` or `W_up` for shared ones.
   * @param zeroOutput Start the product at zero (`W`, or `W_right` when factorized), so the
   *   layer outputs only its bias while the other factor still receives gradients.
   */
  protected registerWeight(
    name: string,
    inFeatures: number,
    outFeatures: number,
    options: PHMOptions,
    seed: number,
    zeroOutput: boolean,
  ): FactoredStack {
    const n = options.phm_dim;
    const rows = inFeatures / n;
    const columns = outFeatures / n;
    const create = (key: string, shape: number[], zero: boolean) => {
      const value = zero
        ? zeros(shape)
        : initPHMWeight(shape, options.hypercomplex_nonlinearity, options.phm_init_range, deriveSeed(seed, key));
      return this.registerParameter(key, new Parameter(value));
    };
    if (options.factorized_phm_W) {
      return {
        full: null,
        left: create(`${name}_left`, [n, rows, options.phm_rank], false),
        right: create(`${name}_right`, [n, options.phm_rank, columns], zeroOutput),
      };
    }
    return { full: create(name, [n, rows, columns], zeroOutput), left: null, right: null };
  }
}
