import type * as tf from '@tensorflow/tfjs';

import { deriveSeed, Embedding, Linear, normal, zeros, type Parameter } from '@peftjs/core-tensor';

/**
 * Creates a linear layer initialised as transformers' `BertPreTrainedModel._init_weights` does:
 * weight N(0, std²) and zero bias.
 *
 * @param inFeatures Input width.
 * @param outFeatures Output width.
 * @param seed Seed of the weight draw.
 * @param std Standard deviation, `initializer_range` of the config.
 */
export function bertLinear(inFeatures: number, outFeatures: number, seed: number, std: number): Linear {
  const layer = new Linear(inFeatures, outFeatures, { seed });
  assignAndDispose(layer.weight, normal([outFeatures, inFeatures], deriveSeed(seed, 'weight'), 0, std));
  if (layer.bias) assignAndDispose(layer.bias, zeros([outFeatures]));
  return layer;
}

/**
 * Creates an embedding table initialised as transformers does for BERT: N(0, std²), with the row
 * of `paddingIndex` (if given) set to zero.
 *
 * @param rows Number of ids.
 * @param dim Vector width.
 * @param seed Seed of the draw.
 * @param std Standard deviation, `initializer_range` of the config.
 * @param paddingIndex Row to zero, or null.
 */
export function bertEmbedding(rows: number, dim: number, seed: number, std: number, paddingIndex: number | null): Embedding {
  const table = new Embedding(rows, dim, seed);
  const values = normal([rows, dim], deriveSeed(seed, 'weight'), 0, std);
  if (paddingIndex === null || paddingIndex >= rows) {
    assignAndDispose(table.weight, values);
    return table;
  }
  const buffer = values.bufferSync();
  for (let j = 0; j < dim; j++) buffer.set(0, paddingIndex, j);
  values.dispose();
  assignAndDispose(table.weight, buffer.toTensor());
  return table;
}

function assignAndDispose(target: Parameter, value: tf.Tensor): void {
  target.assign(value);
  value.dispose();
}
