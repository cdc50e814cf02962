import { Command } from 'commander';
import { initBackend, InvalidArgumentError } from '@peftjs/core-tensor';
import { generate } from '@peftjs/models';

import { resolveAdapterDirectory } from '../adapter-directory';
import { loadLanguageModel } from '../model-loading';
import { integer, nonNegativeInteger, nonNegativeNumber, probability } from '../options';
import { addModelOptions } from './common-options';

/** Builds the `generate` command. */
export function generateCommand(): Command {
  const command = new Command('generate').description(
    'Continue a prompt with the language model, with or without an adapter, and print the text as it is generated.',
  );
  addModelOptions(command)
    .option('--adapter <dir>', 'adapter directory written by peftjs finetune (the run directory or its adapter/ folder)')
    .option('--prompt <text>', 'text to continue; the empty string starts a new story', 'Once upon a time')
    .option('--max-new-tokens <n>', 'maximum number of tokens to generate', nonNegativeInteger, 256)
    .option('--temperature <t>', 'softmax temperature; 0 picks the most likely token every step (greedy)', nonNegativeNumber, 1)
    .option('--top-k <k>', 'sample only among the k most likely tokens (0: all)', nonNegativeInteger, 0)
    .option('--top-p <p>', 'sample only within the smallest set of tokens whose probability reaches p (1: all)', probability, 0.9)
    .option('--seed <n>', 'seed of the sampler (default: random, printed to standard error so a sample can be repeated)', integer)
    .action(async (opts) => {
      await initBackend();
      const adapter = opts.adapter === undefined ? undefined : await resolveAdapterDirectory(opts.adapter);
      if (adapter !== undefined && !adapter.hasAdapter) {
        throw new InvalidArgumentError(
          `--adapter ${adapter.path} contains only a classification head, which cannot generate text; pass a directory with adapter_config.json.`,
        );
      }
      const seed: number = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
      if (opts.seed === undefined && opts.temperature > 0) process.stderr.write(`sampling seed ${seed} (pass --seed ${seed} to repeat)\n`);

      const { model, tokenizer } = await loadLanguageModel(opts);
      try {
        if (adapter !== undefined) await model.loadAdapter(adapter.path);
        const promptIds = tokenizer.encode(opts.prompt, { bos: true });
        process.stdout.write(tokenizer.decode(promptIds));
        let previous = promptIds[promptIds.length - 1];
        await generate(model, promptIds, {
          maxNewTokens: opts.maxNewTokens,
          temperature: opts.temperature,
          topK: opts.topK,
          topP: opts.topP,
          seed,
          onToken: (id) => {
            process.stdout.write(tokenizer.decodePiece(previous, id));
            previous = id;
          },
        });
        process.stdout.write('\n');
      } finally {
        model.dispose();
      }
    });
  return command;
}
