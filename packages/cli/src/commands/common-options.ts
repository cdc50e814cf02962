import { Option, type Command } from 'commander';

import { DATA_PARTS } from '../data/split';
import { fraction, integer, positiveInteger } from '../options';

/** Default share of examples held out for evaluation, the same in every command. */
export const DEFAULT_HELD_OUT_FRACTION = 0.1;
/** Default longest sequence, in tokens, the same in every command. */
export const DEFAULT_SEQUENCE_LENGTH = 64;

/** Adds `--model` and `--tokenizer`. */
export function addModelOptions(command: Command): Command {
  return command
    .option('--model <path>', 'llama2.c checkpoint (.bin) or Hugging Face Llama directory (default: shipped stories260K)')
    .option(
      '--tokenizer <path>',
      'llama2.c tokenizer file (default: tokenizer.bin in a --model directory if present, else the shipped tok512.bin)',
    );
}

/** Adds `--held-out` and `--seed`, which together select the seeded train/held-out split. */
export function addSplitOptions(command: Command, seedUse: string): Command {
  return command
    .option('--held-out <fraction>', 'share of examples held out for evaluation', fraction, DEFAULT_HELD_OUT_FRACTION)
    .option('--seed <n>', `seed of the data split${seedUse}`, integer, 0);
}

/** Adds `--seq-len`. */
export function addSequenceLengthOption(command: Command, use: string): Command {
  return command.option('--seq-len <n>', `longest ${use} sequence, in tokens; longer ones keep their start`, positiveInteger, DEFAULT_SEQUENCE_LENGTH);
}

/** Returns the `--task` option: language modelling or classification. */
export function taskOption(description: string, defaultValue?: string): Option {
  const option = new Option('--task <task>', description).choices(['lm', 'classify']);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** Returns the `--split` option of commands that score data. */
export function splitOption(): Option {
  return new Option(
    '--split <part>',
    'examples to score: held-out (the part finetune holds out with the same --held-out and --seed), train, or all ' +
      '(default: held-out for the shipped data, all for --data files)',
  ).choices([...DATA_PARTS]);
}
