import { Command } from 'commander';

import { finetuneCommand } from './commands/finetune';

/** Builds the `peftjs` program with all its commands. */
export function createProgram(): Command {
  return new Command('peftjs')
    .description('Parameter-efficient fine-tuning for TensorFlow.js: fine-tune, evaluate and run adapters.')
    .version(require('../package.json').version as string)
    .addCommand(finetuneCommand())
    .showHelpAfterError('(run with --help for usage)');
}
