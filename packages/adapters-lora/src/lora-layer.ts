import * as tf from '@tensorflow/tfjs';
import {
  Dropout,
  Linear,
  Module,
  Parameter,
  deriveSeed,
  kaimingUniform,
  normal,
  ones,
  zeros,
  type LinearAdapterHandler,
  type LinearSite,
} from '@peftjs/core-tensor';

import type { LoRAConfigType } from './config';

/** The hyper-parameters of LoRA at one linear site, after rank and alpha patterns are resolved. */
export interface LoRASiteSettings {
  readonly r: number;
  readonly alpha: number;
  /** `alpha / r`, or `alpha / √r` with rsLoRA. */
  readonly scaling: number;
}

/**
 * LoRA at one linear layer `y = x Wᵀ + b` of shape `[out, in]`.
 *
 * In `add` mode it has `lora_A` (`[r, in]`) and `lora_B` (`[out, r]`) and contributes
 * `s · dropout(x) Aᵀ Bᵀ`. In `scale` mode ((IA)³) it has only `lora_B` (`[out, 1]`), and the
 * output is multiplied by `s · lora_B`. With gating, `sigmoid(gate(x))` averaged over the sequence
 * replaces `s`. The modules are placed in the model tree by the adapter host as
 * `<layer>.lora_A.<name>`, `<layer>.lora_B.<name>`, `<layer>.lora_dropout.<name>` and
 * `<layer>.lora_gate.<name>`, the names PEFT uses.
 */
export class LoRALayer implements LinearAdapterHandler {
  readonly compositionMode: 'add' | 'scale';
  /** `[r, in]` projection; null in scale mode. */
  readonly loraA: Linear | null;
  /** `[out, r]` projection, or the `[out, 1]` scaling vector in scale mode. */
  readonly loraB: Linear;
  readonly dropout: Dropout | null;
  readonly gate: Linear | null;

  /**
   * @param site The linear site.
   * @param config The adapter config.
   * @param settings Rank, alpha and scaling for this site.
   * @param seed Seed of this site's initialisation.
   */
  constructor(
    readonly site: LinearSite,
    readonly config: LoRAConfigType,
    readonly settings: LoRASiteSettings,
    seed: number,
  ) {
    const { inFeatures, outFeatures } = site.linear;
    const { r } = settings;
    this.compositionMode = config.composition_mode;

    this.loraA = this.compositionMode === 'add' ? new Linear(inFeatures, r, { bias: false }) : null;
    this.loraB = new Linear(r, outFeatures, { bias: false });
    this.initialize(seed);

    this.dropout = config.dropout > 0 ? new Dropout(config.dropout, deriveSeed(seed, 'dropout')) : null;
    this.gate = config.use_gating ? new Linear(inFeatures, 1, { seed: deriveSeed(seed, 'gate') }) : null;
    if (this.gate) {
      // AdapterHub starts the gate weight from normal(0, 0.02) so the initial gate is close to 0.5.
      this.gate.weight.assignOwned(normal([1, inFeatures], deriveSeed(seed, 'gate_weight'), 0, 0.02));
    }
  }

  /** Returns the modules to place in the model, with their container names. */
  modules(): [container: string, module: Module][] {
    const result: [string, Module][] = [];
    if (this.loraA) result.push(['lora_A', this.loraA]);
    result.push(['lora_B', this.loraB]);
    if (this.dropout) result.push(['lora_dropout', this.dropout]);
    if (this.gate) result.push(['lora_gate', this.gate]);
    return result;
  }

  /** `lora_A`'s weight; only in add mode. */
  get weightA(): Parameter | null {
    return this.loraA?.weight ?? null;
  }

  get weightB(): Parameter {
    return this.loraB.weight;
  }

  delta(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const scale = this.gate ? this.gateValue(input) : tf.scalar(this.settings.scaling);
      if (this.compositionMode === 'scale') {
        const vector = this.loraB.weight.value.reshape([this.site.linear.outFeatures]);
        return tf.mul(vector, scale);
      }
      const x = this.dropout ? this.dropout.apply(input) : input;
      const low = this.loraA!.applyBase(x);
      return tf.mul(this.loraB.applyBase(low), scale);
    });
  }

  /**
   * Returns the weight update of this site in `[out, in]` layout: `s · B A` in add mode, the scaling
   * vector `s · lora_B` (`[out, 1]`) in scale mode.
   */
  deltaWeight(): tf.Tensor {
    return tf.tidy(() => {
      if (this.compositionMode === 'scale') return tf.mul(this.loraB.weight.value, this.settings.scaling);
      return tf.mul(tf.matMul(this.loraB.weight.value, this.loraA!.weight.value), this.settings.scaling);
    });
  }

  /**
   * Gate value `mean_t sigmoid(gate(x_t))`, shaped to broadcast over `[batch, seq, out]`
   * (or `[batch, out]` for 2-D inputs).
   */
  private gateValue(input: tf.Tensor): tf.Tensor {
    const g = tf.sigmoid(this.gate!.applyBase(input));
    if (input.rank <= 2) return g;
    const axes = Array.from({ length: input.rank - 2 }, (_, i) => i + 1);
    return tf.mean(g, axes, true);
  }

  private initialize(seed: number): void {
    const { inFeatures, outFeatures } = this.site.linear;
    const { r } = this.settings;
    const seedA = deriveSeed(seed, 'lora_A');
    const seedB = deriveSeed(seed, 'lora_B');
    const shapeB = [outFeatures, r];

    switch (this.config.init_weights) {
      case 'lora':
        this.loraA?.weight.assignOwned(kaimingUniform([r, inFeatures], seedA));
        this.loraB.weight.assignOwned(zeros(shapeB));
        break;
      case 'bert':
        this.loraA?.weight.assignOwned(normal([r, inFeatures], seedA, 0, 0.02));
        this.loraB.weight.assignOwned(normal(shapeB, seedB, 0, 0.02));
        break;
      case 'gaussian':
        this.loraA?.weight.assignOwned(normal([r, inFeatures], seedA, 0, 1 / r));
        this.loraB.weight.assignOwned(zeros(shapeB));
        break;
      case 'ia3':
        this.loraA?.weight.assignOwned(ones([r, inFeatures]));
        this.loraB.weight.assignOwned(ones(shapeB));
        break;
    }
  }
}
