import * as tf from '@tensorflow/tfjs';

import { InvalidArgumentError } from '@peftjs/core-tensor';

import type { Encoding } from '../tokenizers';
import type { BertConfig } from './config';

/** Inputs of a BERT forward call as int32 tensors `[batch, length]`. */
export interface BertInputs {
  inputIds: tf.Tensor;
  attentionMask: tf.Tensor;
  tokenTypeIds: tf.Tensor;
}

/**
 * Stacks tokenizer encodings of one length into int32 tensors for a forward call. Encode with
 * `padding: 'longest'` or `'max_length'` so the lengths agree. The caller owns the tensors.
 *
 * @param encodings Encodings from `encode` or `encodeBatch`, all of the same length.
 */
export function encodingsToTensors(encodings: readonly Encoding[]): BertInputs {
  if (!Array.isArray(encodings) || encodings.length === 0) {
    throw new InvalidArgumentError('encodingsToTensors needs at least one encoding.');
  }
  const length = encodings[0].inputIds.length;
  encodings.forEach((encoding, index) => {
    if (encoding.inputIds.length !== length) {
      throw new InvalidArgumentError(
        `Encoding ${index} has ${encoding.inputIds.length} tokens but encoding 0 has ${length}. ` +
          "Encode the batch with padding: 'longest'.",
      );
    }
  });
  const shape: [number, number] = [encodings.length, length];
  return {
    inputIds: tf.tensor2d(encodings.map((e) => e.inputIds), shape, 'int32'),
    attentionMask: tf.tensor2d(encodings.map((e) => e.attentionMask), shape, 'int32'),
    tokenTypeIds: tf.tensor2d(encodings.map((e) => e.tokenTypeIds), shape, 'int32'),
  };
}

/**
 * Checks the tensors of a forward call against the config and returns `[batch, length]`.
 *
 * @param config Model configuration.
 * @param inputIds Token ids.
 * @param tokenTypeIds Segment ids, or undefined.
 */
export function checkBertInputs(config: BertConfig, inputIds: tf.Tensor, tokenTypeIds: tf.Tensor | undefined): [number, number] {
  if (!(inputIds instanceof tf.Tensor) || inputIds.rank !== 2 || inputIds.dtype !== 'int32') {
    const got = inputIds instanceof tf.Tensor ? `a ${inputIds.dtype} tensor of shape [${inputIds.shape}]` : String(inputIds);
    throw new InvalidArgumentError(
      `BERT inputIds must be an int32 tensor of shape [batch, length], got ${got}. ` +
        "Create it with tf.tensor2d(ids, [batch, length], 'int32') or encodingsToTensors().",
    );
  }
  const [batch, length] = inputIds.shape as [number, number];
  if (batch === 0 || length === 0) {
    throw new InvalidArgumentError(`BERT inputIds must hold at least one token, got shape [${inputIds.shape}].`);
  }
  if (length > config.max_position_embeddings) {
    throw new InvalidArgumentError(
      `The input has ${length} tokens, more than max_position_embeddings = ${config.max_position_embeddings}. ` +
        'Truncate it, for example with the tokenizer option maxLength.',
    );
  }
  if (tokenTypeIds !== undefined) {
    if (!(tokenTypeIds instanceof tf.Tensor) || tokenTypeIds.dtype !== 'int32' || tokenTypeIds.rank !== 2 ||
      tokenTypeIds.shape[0] !== batch || tokenTypeIds.shape[1] !== length) {
      const got = tokenTypeIds instanceof tf.Tensor ? `a ${tokenTypeIds.dtype} tensor of shape [${tokenTypeIds.shape}]` : String(tokenTypeIds);
      throw new InvalidArgumentError(`BERT tokenTypeIds must be an int32 tensor of shape [${batch}, ${length}] like inputIds, got ${got}.`);
    }
  }
  return [batch, length];
}
