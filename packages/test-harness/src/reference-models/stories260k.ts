import * as tf from '@tensorflow/tfjs';
import { loadLlama2cCheckpoint, loadLlama2cTokenizer, stories260KPaths } from '@peftjs/models';

import type { HarnessModel } from './harness-model';
import { causalLanguageModelHarness } from './tiny-llama';

/** Texts of the standard stories260K batch; the shorter row is right-padded. */
const TEXTS = ['Once upon a time, there was a little girl.', 'The dog ran to the park to play.'];

/**
 * Loads the real stories260K model shipped with `@peftjs/models` (a 260K-parameter Llama trained
 * on TinyStories, Node only) with a batch of two short stories, right-padded to the same length.
 * Slower than the tiny models but trained, so checks see realistic activations.
 */
export async function loadStories260KHarnessModel(): Promise<HarnessModel> {
  const paths = stories260KPaths();
  const model = await loadLlama2cCheckpoint(paths.checkpoint);
  const tokenizer = await loadLlama2cTokenizer(paths.tokenizer, model.config.vocab_size);
  const rows = TEXTS.map((text) => tokenizer.encode(text, { bos: true }));
  const length = Math.max(...rows.map((row) => row.length));
  const ids = rows.map((row) => [...row, ...new Array<number>(length - row.length).fill(0)]);
  const mask = rows.map((row) => row.map(() => 1).concat(new Array<number>(length - row.length).fill(0)));
  return causalLanguageModelHarness(
    'stories260K',
    model,
    tf.tensor2d(ids, [ids.length, length], 'int32'),
    tf.tensor2d(mask, [mask.length, length], 'int32'),
  );
}
