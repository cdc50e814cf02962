import { Command } from 'commander';
import { initBackend, InvalidArgumentError } from '@peftjs/core-tensor';

import { resolveAdapterDirectory } from '../adapter-directory';
import type { DataPart } from '../data/split';
import { evaluateClassifierRun } from '../evaluation/classifier-evaluation';
import { evaluateLanguageModel } from '../evaluation/lm-evaluation';
import { addModelOptions, addSequenceLengthOption, addSplitOptions, splitOption, taskOption } from './common-options';

/** Builds the `eval` command. */
export function evalCommand(): Command {
  const command = new Command('eval').description(
    'Measure held-out perplexity (language modelling) or accuracy (classification) of a model, with or without an adapter. ' +
      'With the same --data, --held-out and --seed as finetune, it scores the examples finetune held out.',
  );
  addModelOptions(command)
    .option('--adapter <dir>', 'adapter directory written by peftjs finetune (the run directory or its adapter/ folder)')
    .addOption(taskOption('lm: perplexity; classify: accuracy of the saved head (default: classify when --adapter contains a head, else lm)'))
    .option('--data <paths...>', 'data files as for finetune (default: shipped review sentences)')
    .addOption(splitOption());
  addSplitOptions(command, '');
  addSequenceLengthOption(command, 'scored')
    .option('--json', 'print the result as one JSON object instead of a sentence')
    .action(async (opts) => {
      await initBackend();
      const adapter = opts.adapter === undefined ? undefined : await resolveAdapterDirectory(opts.adapter);
      const task: 'lm' | 'classify' = opts.task ?? (adapter?.hasHead ? 'classify' : 'lm');
      const part: DataPart = opts.split ?? (opts.data === undefined ? 'held-out' : 'all');
      const common = {
        model: opts.model,
        tokenizer: opts.tokenizer,
        data: opts.data,
        part,
        heldOutFraction: opts.heldOut,
        seed: opts.seed,
        sequenceLength: opts.seqLen,
      };

      if (task === 'classify') {
        if (adapter === undefined) {
          throw new InvalidArgumentError(
            '--task classify scores a trained classification head; pass --adapter with the output of peftjs finetune --task classify.',
          );
        }
        const result = await evaluateClassifierRun({ ...common, adapter });
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          process.stdout.write(
            `accuracy ${(100 * result.accuracy).toFixed(2)}% (${result.correct} of ${result.examples} ${part} examples; ` +
              `loss ${result.loss.toFixed(4)} nats/example)\n`,
          );
        }
        return;
      }

      const result = await evaluateLanguageModel({ ...common, adapter });
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        process.stdout.write(
          `perplexity ${result.perplexity.toFixed(3)} (loss ${result.loss.toFixed(4)} nats/token) on ${result.examples} ${part} examples` +
            `${adapter === undefined ? ', no adapter' : `, adapter ${adapter.path}`}\n`,
        );
      }
    });
  return command;
}
