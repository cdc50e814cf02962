import * as tf from '@tensorflow/tfjs';
import {
  Dropout,
  LayerNorm,
  Module,
  Parameter,
  deriveSeed,
  getActivation,
  ones,
  type Activation,
  type Linear,
  type RMSNorm,
  type ResidualAdapterHandler,
  type ResidualState,
} from '@peftjs/core-tensor';

import type { BnConfigType } from './config';
import { AdapterDown, applyProjection, createGate, createProjection, type Projection } from './projections';
import type { SharedPHMParameters } from './shared-phm';
import { downProjectionIndex } from './site-plan';

/** The outputs of one adapter call, as AdapterHub's `Adapter.forward` returns them. */
export interface BottleneckOutputs {
  /** The adapter output, including its own residual for sequential adapters. */
  readonly output: tf.Tensor;
  /** The bottleneck activations: `non_linearity(down(x))`. */
  readonly down: tf.Tensor;
  /** The up projection times `scaling`. */
  readonly up: tf.Tensor;
}

/**
 * A sequential bottleneck adapter at one residual site (AdapterHub's `Adapter`). It has a down
 * projection to the bottleneck width, a non-linearity, an up projection back to the hidden size
 * and a residual connection. Options add LayerNorms before and after, a scaling, dropout and a
 * gate. Both projections become PHM layers with `phm_layer` (Compacter).
 *
 * Child names are AdapterHub's (`adapter_norm_before`, `adapter_down.0`, `adapter_up`,
 * `adapter_norm_after`, `gate`, `scaling`), so paths read
 * `<site>.adapters.<name>.adapter_down.0.weight`.
 *
 * The three steps implement AdapterHub's `pre_forward`, `forward` and `post_forward`. With a
 * block LayerNorm (post-LN models such as BERT) the block output is
 * `LN(adapter(LN(h + r)) + r)` for `seq_bn` and `LN(adapter(h) + r)` for `double_seq_bn`, where
 * `h` is the sub-layer output and `r` the block input. Pre-norm models (Llama) pass no LayerNorm
 * and get the same formulas without the LNs.
 */
export class BottleneckAdapter extends Module implements ResidualAdapterHandler {
  readonly adapterNormBefore: LayerNorm | null;
  readonly adapterDown: AdapterDown;
  readonly adapterUp: Projection;
  readonly adapterNormAfter: LayerNorm | null;
  readonly gate: Linear | null;
  readonly dropout: Dropout | null;
  /** A fixed number, or the learned `scaling` parameter (`[1]` or `[hidden]`). */
  readonly scaling: number | Parameter;
  private readonly activation: Activation;

  /**
   * @param config The adapter config.
   * @param hiddenSize Width of the residual stream at the site.
   * @param width Bottleneck width.
   * @param seed Seed of this site's parameters; it depends on the site, not on the adapter name.
   * @param shared The adapter's shared PHM parameters, when the config shares any.
   */
  constructor(
    readonly config: BnConfigType,
    readonly hiddenSize: number,
    readonly width: number,
    seed: number,
    shared: SharedPHMParameters | null = null,
  ) {
    super();
    const index = downProjectionIndex(config);
    this.adapterNormBefore = config.ln_before ? this.registerModule('adapter_norm_before', new LayerNorm(hiddenSize)) : null;
    const down = createProjection('down', config, hiddenSize, width, deriveSeed(seed, `adapter_down.${index}`), shared);
    this.adapterDown = this.registerModule('adapter_down', new AdapterDown(down, index));
    this.activation = getActivation(config.non_linearity);
    this.adapterUp = this.registerModule('adapter_up', createProjection('up', config, hiddenSize, width, deriveSeed(seed, 'adapter_up'), shared));

    if (config.scaling === 'learned' || config.scaling === 'channel') {
      const shape = config.scaling === 'learned' ? [1] : [hiddenSize];
      this.scaling = this.registerParameter('scaling', new Parameter(ones(shape)));
    } else {
      this.scaling = config.scaling;
    }
    this.adapterNormAfter = config.ln_after ? this.registerModule('adapter_norm_after', new LayerNorm(hiddenSize)) : null;
    this.gate = config.use_gating ? this.registerModule('gate', createGate(config, hiddenSize, deriveSeed(seed, 'gate'))) : null;
    this.dropout = config.dropout > 0 ? this.registerModule('dropout', new Dropout(config.dropout, deriveSeed(seed, 'dropout'))) : null;
  }

  /**
   * Runs the bottleneck on `x`: `up = up_proj(non_linearity(down_proj(ln_before(x)))) · scaling`,
   * then dropout and the gate. Returns the intermediates without the adapter's residual.
   */
  protected bottleneck(x: tf.Tensor): { down: tf.Tensor; up: tf.Tensor; output: tf.Tensor } {
    const normed = this.adapterNormBefore ? this.adapterNormBefore.apply(x) : x;
    const down = this.activation(applyProjection(this.adapterDown.projection, normed));
    const scaling = this.scaling instanceof Parameter ? this.scaling.value : this.scaling;
    const up = tf.mul(applyProjection(this.adapterUp, down), scaling);
    let output = this.dropout ? this.dropout.apply(up) : up;
    if (this.gate) output = tf.mul(output, this.gateValue(x));
    return { down, up, output };
  }

  /** Returns `mean over the sequence of sigmoid(gate(x))`, shaped `[batch, 1, 1]` for 3-D inputs. */
  private gateValue(x: tf.Tensor): tf.Tensor {
    const g = tf.sigmoid(this.gate!.applyBase(x));
    if (x.rank <= 2) return g;
    const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
    return tf.mean(g, axes, true);
  }

  /**
   * Runs the adapter on `x` and adds `residual` before or after `ln_after`, as
   * `adapter_residual_before_ln` selects.
   *
   * @param x Adapter input `[batch, length, hidden]`.
   * @param residual The adapter's residual input from {@link preForward}.
   */
  run(x: tf.Tensor, residual: tf.Tensor): BottleneckOutputs {
    return tf.tidy(() => {
      const { down, up, output: raw } = this.bottleneck(x);
      let output = raw;
      if (this.config.adapter_residual_before_ln) output = tf.add(output, residual);
      if (this.adapterNormAfter) output = this.adapterNormAfter.apply(output);
      if (!this.config.adapter_residual_before_ln) output = tf.add(output, residual);
      return { output, down, up };
    });
  }

  /**
   * Returns the adapter input and the adapter's residual. With `original_ln_before` the block's
   * residual add (and LayerNorm) runs first, and `residual_before_ln` picks the tensor the
   * adapter adds back.
   *
   * @param hidden Sub-layer output `[batch, length, hidden]`.
   * @param residual Block input, the same shape.
   * @param layerNorm The block's LayerNorm (post-LN models), or null (pre-norm models).
   */
  preForward(hidden: tf.Tensor, residual: tf.Tensor, layerNorm: LayerNorm | RMSNorm | null): ResidualState {
    return tf.tidy(() => {
      const mode = this.config.residual_before_ln;
      let adapterResidual: tf.Tensor | null = mode === true ? hidden : null;
      let adapterInput = hidden;
      if (this.config.original_ln_before) {
        const sum = tf.add(hidden, residual);
        // AdapterHub leaves the residual unset for "post_add" without a LayerNorm and fails;
        // the sum is the tensor "post_add" names in either case.
        if (mode === 'post_add') adapterResidual = sum;
        adapterInput = layerNorm ? layerNorm.apply(sum) : sum;
      }
      if (mode === false) adapterResidual = adapterInput;
      return { hidden: adapterInput, residual: adapterResidual! };
    });
  }

  /**
   * Runs the adapter on `state.hidden` and adds `state.residual`.
   *
   * @param state Adapter input and residual from {@link preForward}, or the previous adapter of a Stack.
   */
  forward(state: ResidualState): tf.Tensor {
    return tf.tidy(() => this.run(state.hidden, state.residual).output);
  }

  /**
   * Returns the block output: with `original_ln_after`, `adapted + residual` through the block
   * LayerNorm when there is one, and otherwise the adapter output itself.
   *
   * @param adapted Output of the last adapter.
   * @param _hidden Sub-layer output; a sequential adapter has already used it.
   * @param residual Block input.
   * @param layerNorm The block's LayerNorm, or null.
   */
  postForward(adapted: tf.Tensor, _hidden: tf.Tensor, residual: tf.Tensor, layerNorm: LayerNorm | RMSNorm | null): tf.Tensor {
    return tf.tidy(() => {
      if (!this.config.original_ln_after) return tf.clone(adapted);
      const sum = tf.add(adapted, residual);
      return layerNorm ? layerNorm.apply(sum) : sum;
    });
  }
}
