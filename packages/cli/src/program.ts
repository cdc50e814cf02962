import { Command } from 'commander';

import { evalCommand } from './commands/eval';
import { finetuneCommand } from './commands/finetune';
import { generateCommand } from './commands/generate';
import { mergeCommand } from './commands/merge';
import { summaryCommand } from './commands/summary';

/**
 * Builds the `peftjs` program with all its commands. Usage errors are printed as one line,
 * `peftjs: <message>`, like the errors the commands raise.
 */
export function createProgram(): Command {
  const program = new Command('peftjs')
    .description('Parameter-efficient fine-tuning for TensorFlow.js: fine-tune, evaluate and run adapters.')
    .version(require('../package.json').version as string)
    .addCommand(finetuneCommand())
    .addCommand(evalCommand())
    .addCommand(generateCommand())
    .addCommand(mergeCommand())
    .addCommand(summaryCommand());
  const outputError = (message: string, write: (text: string) => void) => write(`peftjs: ${message.replace(/^error: /, '')}`);
  program.configureOutput({ outputError });
  for (const command of program.commands) command.configureOutput({ outputError });
  return program;
}
