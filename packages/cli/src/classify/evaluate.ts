import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';
import type { LlamaForSequenceClassification } from '@peftjs/models';

import { classificationBatch, disposeClassificationBatch } from '../data/classification-batches';
import type { ClassificationExample } from '../data/classification-data';
import { softmaxCrossEntropy } from './cross-entropy';

/** Held-out quality of a classifier at one point of training. */
export interface ClassifierEvaluation {
  readonly step: number;
  /** Share of examples whose highest-scoring class is their label, in [0, 1]. */
  readonly accuracy: number;
  /** Mean softmax cross-entropy in nats per example. */
  readonly loss: number;
  readonly correct: number;
  readonly count: number;
}

/**
 * Scores examples with the classifier in its current mode (call `model.eval()` first to turn
 * dropout off) and returns accuracy and mean cross-entropy.
 *
 * @param model The classifier.
 * @param examples Encoded examples, at least one.
 * @param options `batchSize` (examples per forward call), `maxLength` (longest sequence kept, in
 *   tokens) and `step` (the training step recorded with the result, default 0).
 */
export async function evaluateClassifier(
  model: LlamaForSequenceClassification,
  examples: readonly ClassificationExample[],
  options: { batchSize: number; maxLength: number; step?: number },
): Promise<ClassifierEvaluation> {
  if (examples.length === 0) throw new InvalidArgumentError('There are no examples to evaluate; pass a data file with labelled lines.');
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < examples.length; start += options.batchSize) {
    const slice = examples.slice(start, start + options.batchSize);
    const batch = classificationBatch(slice, options.maxLength);
    try {
      const [predicted, loss] = tf.tidy(() => {
        const logits = model.forward(batch.inputIds, { attentionMask: batch.attentionMask });
        return [tf.argMax(logits, -1), softmaxCrossEntropy(logits, batch.labels)];
      });
      const predictions = await predicted.data();
      lossSum += (await loss.data())[0] * slice.length;
      tf.dispose([predicted, loss]);
      slice.forEach((example, i) => {
        if (predictions[i] === example.label) correct += 1;
      });
    } finally {
      disposeClassificationBatch(batch);
    }
  }
  return { step: options.step ?? 0, accuracy: correct / examples.length, loss: lossSum / examples.length, correct, count: examples.length };
}
