import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { InvalidArgumentError } from '@peftjs/core-tensor';
import {
  loadHuggingFaceLlama,
  loadLlama2cCheckpoint,
  loadLlama2cTokenizer,
  stories260KPaths,
  type Llama2cTokenizer,
  type LlamaForCausalLM,
} from '@peftjs/models';

/** A causal language model and the tokenizer that goes with it. */
export interface LoadedLanguageModel {
  readonly model: LlamaForCausalLM;
  readonly tokenizer: Llama2cTokenizer;
  /** The tokenizer file that was read. */
  readonly tokenizerPath: string;
  /** Human-readable origin, for logs and metrics. */
  readonly description: string;
}

/**
 * File name of the llama2.c tokenizer inside a Hugging Face model directory. `peftjs merge` copies
 * the tokenizer there, and `--model <dir>` uses it when no `--tokenizer` is given.
 */
export const MODEL_DIRECTORY_TOKENIZER = 'tokenizer.bin';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function kindOf(path: string, option: string): Promise<'file' | 'directory'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    throw new InvalidArgumentError(`${option} ${path} does not exist; pass an existing file or directory.`);
  }
}

/**
 * Loads the model named by `--model` and the llama2.c tokenizer named by `--tokenizer`. The model
 * is a llama2.c `.bin` checkpoint or a Hugging Face Llama directory, by default the stories260K
 * checkpoint shipped with `@peftjs/models`. The tokenizer defaults to the model directory's
 * `tokenizer.bin` when there is one, else to the shipped `tok512.bin`.
 *
 * @param options `model` and `tokenizer` paths; omitted ones take the defaults above.
 * @returns The model in evaluation mode, which the caller must `dispose()`, and its tokenizer.
 */
export async function loadLanguageModel(options: { model?: string; tokenizer?: string }): Promise<LoadedLanguageModel> {
  const shipped = stories260KPaths();
  const modelPath = options.model ?? shipped.checkpoint;
  const isDirectory = (await kindOf(modelPath, '--model')) === 'directory';
  let tokenizerPath = options.tokenizer ?? shipped.tokenizer;
  if (options.tokenizer === undefined && isDirectory && (await isFile(join(modelPath, MODEL_DIRECTORY_TOKENIZER)))) {
    tokenizerPath = join(modelPath, MODEL_DIRECTORY_TOKENIZER);
  }
  await kindOf(tokenizerPath, '--tokenizer');

  const model = isDirectory ? await loadHuggingFaceLlama(modelPath) : await loadLlama2cCheckpoint(modelPath);
  let tokenizer: Llama2cTokenizer;
  try {
    tokenizer = await loadLlama2cTokenizer(tokenizerPath, model.config.vocab_size);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const description = options.model === undefined ? 'stories260K (shipped llama2.c checkpoint)' : modelPath;
  return { model, tokenizer, tokenizerPath, description };
}
