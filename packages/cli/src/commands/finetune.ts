import { Command, Option } from 'commander';
import { initBackend, type ScheduleKind } from '@peftjs/core-tensor';

import { checkFinetuneOptions, finetuneLanguageModel } from '../finetune/lm-job';
import { methodNames, resolveAdapterConfig } from '../methods';
import { fraction, integer, nonNegativeInteger, positiveInteger, positiveNumber } from '../options';

/** Default output directory of `peftjs finetune`, relative to the working directory. */
export const DEFAULT_FINETUNE_OUTPUT = 'runs/finetune';

/** Builds the `finetune` command. */
export function finetuneCommand(): Command {
  return new Command('finetune')
    .description(
      'Fine-tune a language model with an adapter. Without options: the shipped stories260K model ' +
        'learns the shipped review sentences with LoRA, and held-out perplexity is reported before and after.',
    )
    .option('--model <path>', 'llama2.c checkpoint (.bin) or Hugging Face Llama directory (default: shipped stories260K)')
    .option('--tokenizer <path>', 'llama2.c tokenizer file (default: shipped tok512.bin)')
    .option('--data <paths...>', 'text files: text<TAB>label lines or one text per line (default: shipped review sentences)')
    .addOption(new Option('--method <name>', 'adapter method preset').choices(methodNames()).default('lora'))
    .option('--config <json>', 'adapter config as JSON, overriding --method, e.g. \'{"architecture":"lora","r":16,"alpha":32}\'')
    .option('--steps <n>', 'number of optimizer steps', positiveInteger, 150)
    .option('--batch-size <n>', 'sequences per optimizer step', positiveInteger, 16)
    .option('--seq-len <n>', 'longest training and evaluation sequence, in tokens', positiveInteger, 64)
    .option('--lr <rate>', 'peak learning rate of AdamW', positiveNumber, 3e-3)
    .addOption(new Option('--schedule <kind>', 'learning-rate decay after warm-up').choices(['cosine', 'linear', 'constant']).default('cosine'))
    .option('--warmup <steps>', 'steps of linear learning-rate warm-up', nonNegativeInteger, 10)
    .option('--max-grad-norm <norm>', 'clip gradients to this global L2 norm', positiveNumber, 1)
    .option('--held-out <fraction>', 'share of examples held out for evaluation', fraction, 0.1)
    .option('--seed <n>', 'seed of the data split, shuffling and adapter initialisation', integer, 0)
    .option('--eval-interval <steps>', 'steps between held-out evaluations (0: only before and after)', nonNegativeInteger, 50)
    .option('--output <dir>', 'output directory for the adapter, metrics.json and loss.svg', DEFAULT_FINETUNE_OUTPUT)
    .action(async (opts) => {
      await initBackend();
      const adapterConfig = withSeed(resolveAdapterConfig({ method: opts.method, config: opts.config }), opts.seed);

      let interrupted = false;
      const onInterrupt = () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        process.stderr.write('\nInterrupted: finishing the current step and saving the adapter (press Ctrl-C again to quit now).\n');
      };
      process.on('SIGINT', onInterrupt);
      try {
        const options = {
          model: opts.model,
          tokenizer: opts.tokenizer,
          data: opts.data,
          adapterConfig,
          steps: opts.steps,
          batchSize: opts.batchSize,
          sequenceLength: opts.seqLen,
          learningRate: opts.lr,
          schedule: opts.schedule as ScheduleKind,
          warmupSteps: opts.warmup,
          maxGradNorm: opts.maxGradNorm,
          heldOutFraction: opts.heldOut,
          seed: opts.seed,
          evalInterval: opts.evalInterval,
          output: opts.output,
          shouldStop: () => interrupted,
        };
        checkFinetuneOptions(options);
        await finetuneLanguageModel(options);
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}

/** Gives the adapter the run's seed unless its config already sets `init_weights_seed`. */
function withSeed<C extends { architecture: string }>(config: C, seed: number): C {
  const current = (config as { init_weights_seed?: unknown }).init_weights_seed;
  if (!('init_weights_seed' in config) || (current !== null && current !== undefined)) return config;
  return Object.freeze({ ...config, init_weights_seed: seed });
}
