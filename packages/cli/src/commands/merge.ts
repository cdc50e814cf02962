import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Command } from 'commander';
import { initBackend, InvalidArgumentError } from '@peftjs/core-tensor';
import { saveHuggingFaceLlama } from '@peftjs/models';

import { resolveAdapterDirectory } from '../adapter-directory';
import { loadLanguageModel, MODEL_DIRECTORY_TOKENIZER } from '../model-loading';
import { StagedDirectory } from '../output-dir';
import { addModelOptions } from './common-options';

/** Default output directory of `peftjs merge`, relative to the working directory. */
export const DEFAULT_MERGE_OUTPUT = 'runs/merged';

/** Builds the `merge` command. */
export function mergeCommand(): Command {
  const command = new Command('merge').description(
    'Fold a LoRA or (IA)³ adapter into the base weights and save the result as a Hugging Face Llama directory ' +
      `(config.json, model.safetensors and the llama2.c tokenizer as ${MODEL_DIRECTORY_TOKENIZER}), which --model accepts.`,
  );
  addModelOptions(command)
    .requiredOption('--adapter <dir>', 'adapter directory written by peftjs finetune (the run directory or its adapter/ folder)')
    .option('--output <dir>', 'output directory of the merged checkpoint', DEFAULT_MERGE_OUTPUT)
    .action(async (opts) => {
      await initBackend();
      const adapter = await resolveAdapterDirectory(opts.adapter);
      if (!adapter.hasAdapter) {
        throw new InvalidArgumentError(`--adapter ${adapter.path} contains only a classification head and no adapter, so there is nothing to merge.`);
      }
      const output = await StagedDirectory.create(opts.output);
      try {
        const { model, tokenizerPath } = await loadLanguageModel(opts);
        try {
          const name = await model.loadAdapter(adapter.path);
          model.mergeAdapter(name);
          await saveHuggingFaceLlama(model, output.staging);
          await copyFile(tokenizerPath, join(output.staging, MODEL_DIRECTORY_TOKENIZER));
        } finally {
          model.dispose();
        }
        await output.commit();
      } catch (error) {
        await output.abandon();
        throw error;
      }
      if (adapter.hasHead) {
        process.stderr.write(`note: the classification head in ${adapter.path} is not part of a causal language model and was not merged.\n`);
      }
      process.stdout.write(`saved the merged model to ${output.target}\n`);
    });
  return command;
}
