import { stat } from 'node:fs/promises';

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
  /** Human-readable origin, for logs and metrics. */
  readonly description: string;
}

async function kindOf(path: string, option: string): Promise<'file' | 'directory'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    throw new InvalidArgumentError(`${option} ${path} does not exist; pass an existing file or directory.`);
  }
}

/**
 * Loads the model named by `--model` (a llama2.c `.bin` checkpoint or a Hugging Face Llama
 * directory; default: the stories260K checkpoint shipped with `@peftjs/models`) and the llama2.c
 * tokenizer named by `--tokenizer` (default: the shipped `tok512.bin`).
 */
export async function loadLanguageModel(options: { model?: string; tokenizer?: string }): Promise<LoadedLanguageModel> {
  const shipped = stories260KPaths();
  const modelPath = options.model ?? shipped.checkpoint;
  const tokenizerPath = options.tokenizer ?? shipped.tokenizer;

  const model =
    (await kindOf(modelPath, '--model')) === 'directory'
      ? await loadHuggingFaceLlama(modelPath)
      : await loadLlama2cCheckpoint(modelPath);
  await kindOf(tokenizerPath, '--tokenizer');
  const tokenizer = await loadLlama2cTokenizer(tokenizerPath, model.config.vocab_size);
  const description = options.model === undefined ? 'stories260K (shipped llama2.c checkpoint)' : modelPath;
  return { model, tokenizer, description };
}
