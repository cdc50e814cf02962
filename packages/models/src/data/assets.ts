import { existsSync } from 'node:fs';
import * as path from 'node:path';

import { InvalidArgumentError } from '@peftjs/core-tensor';

/** Paths of a llama2.c checkpoint and its tokenizer. */
export interface Llama2cAssetPaths {
  /** The model weights (`stories260K.bin`). */
  checkpoint: string;
  /** The tokenizer (`tok512.bin`). */
  tokenizer: string;
}

/**
 * Returns the paths of the stories260K checkpoint and its 512-token tokenizer shipped in this
 * package's `assets/stories260K/` folder (Node only). This module sits two folders below the
 * package root both as `src/data/assets.ts` and as the compiled `dist/data/assets.js`, so the
 * same relative path works from sources and from an installed package.
 */
export function stories260KPaths(): Llama2cAssetPaths {
  const folder = path.join(__dirname, '..', '..', 'assets', 'stories260K');
  const paths = {
    checkpoint: path.join(folder, 'stories260K.bin'),
    tokenizer: path.join(folder, 'tok512.bin'),
  };
  for (const file of Object.values(paths)) {
    if (!existsSync(file)) {
      throw new InvalidArgumentError(
        `The stories260K asset ${file} is missing; reinstall @peftjs/models (its "files" must include "assets").`,
      );
    }
  }
  return paths;
}
