import * as tf from '@tensorflow/tfjs';
import { MergeError, allFinite, type MergeSupport, type Parameter } from '@peftjs/core-tensor';

import type { LoRALayer } from './lora-layer';

interface PendingUpdate {
  readonly parameter: Parameter;
  readonly value: tf.Tensor;
}

/**
 * Computes every new base weight first, checks that all are finite, and only then assigns them,
 * so a failure leaves every base weight untouched.
 */
function applyAll(name: string, action: string, compute: () => PendingUpdate[]): void {
  const pending = compute();
  try {
    const bad = pending.find((u) => !allFinite(u.value));
    if (bad !== undefined) {
      throw new MergeError(
        `Cannot ${action} adapter "${name}": the new value of a base weight of shape [${bad.parameter.shape}] ` +
          'contains NaN or Infinity. The base weights were left unchanged; check the adapter weights for non-finite values.',
      );
    }
    for (const update of pending) update.parameter.assign(update.value);
  } finally {
    for (const update of pending) update.value.dispose();
  }
}

/**
 * Merging for LoRA and (IA)³.
 *
 * Add mode: `W ← W + s · B A`. Scale mode: `W ← W ⊙ v` row-wise and `b ← b ⊙ v` with `v = s ·
 * lora_B`. Scaling the bias too keeps merged outputs equal to unmerged ones; AdapterHub's
 * reference merge scales only `W`, which changes the output of layers that have a bias.
 * Unmerging subtracts (add) or divides (scale), so it restores the base weights up to float32
 * rounding; in scale mode a zero in `v` makes unmerging impossible and raises.
 */
export function loraMergeSupport(name: string, layers: readonly LoRALayer[]): MergeSupport {
  return {
    merge() {
      applyAll(name, 'merge', () => layers.flatMap((layer) => layerUpdates(layer, 'merge')));
    },
    unmerge() {
      for (const layer of layers) {
        if (layer.compositionMode !== 'scale') continue;
        const hasZero = tf.tidy(() => tf.any(tf.equal(layer.deltaWeight(), 0)).dataSync()[0] === 1);
        if (hasZero) {
          throw new MergeError(
            `Cannot unmerge adapter "${name}" at ${layer.site.path}: its scaling vector contains zeros, so the merged weight ` +
              'cannot be divided back. Reload the base model instead.',
          );
        }
      }
      applyAll(name, 'unmerge', () => layers.flatMap((layer) => layerUpdates(layer, 'unmerge')));
    },
  };
}

/** New values of one layer's weight (and, in scale mode, bias) after merging or unmerging. */
function layerUpdates(layer: LoRALayer, direction: 'merge' | 'unmerge'): PendingUpdate[] {
  const linear = layer.site.linear;
  if (layer.compositionMode === 'add') {
    const weight = tf.tidy(() => {
      const delta = layer.deltaWeight();
      return direction === 'merge' ? tf.add(linear.weight.value, delta) : tf.sub(linear.weight.value, delta);
    });
    return [{ parameter: linear.weight, value: weight }];
  }

  const apply = (base: tf.Tensor, vector: tf.Tensor) => (direction === 'merge' ? tf.mul(base, vector) : tf.div(base, vector));
  const updates: PendingUpdate[] = [
    { parameter: linear.weight, value: tf.tidy(() => apply(linear.weight.value, layer.deltaWeight())) },
  ];
  if (linear.bias) {
    const bias = linear.bias;
    updates.push({ parameter: bias, value: tf.tidy(() => apply(bias.value, layer.deltaWeight().reshape([-1]))) });
  }
  return updates;
}
