#!/usr/bin/env node
import { PeftError } from '@peftjs/core-tensor';

import { createProgram } from '../program';

/**
 * Entry point of the `peftjs` command. Errors a user can cause print one line, `peftjs: <message>`,
 * and exit with status 1; anything else is a bug and prints its stack.
 */
async function main(): Promise<void> {
  try {
    await createProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof PeftError) {
      process.stderr.write(`peftjs: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

void main();
