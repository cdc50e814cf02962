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
 * package's `assets/stories260K/` folder. It needs Node. In a browser, fetch the files and pass
 * their bytes to the loaders.
 *
 * This module sits two folders below the package root, both as `src/data/assets.ts` and as the
 * compiled `dist/data/assets.js`, so the same relative path works from sources and from an
 * installed package. The paths are joined by hand rather than with `node:path`, so browser
 * bundles of the package need no Node built-ins.
 */
export function stories260KPaths(): Llama2cAssetPaths {
  if (typeof __dirname !== 'string') {
    throw new InvalidArgumentError(
      'stories260KPaths needs Node.js (CommonJS __dirname). In a browser, fetch the asset files and pass their bytes.',
    );
  }
  const separator = __dirname.includes('/') ? '/' : '\\';
  const packageRoot = __dirname.split(/[\\/]/).slice(0, -2).join(separator);
  const folder = [packageRoot, 'assets', 'stories260K'].join(separator);
  return {
    checkpoint: `${folder}${separator}stories260K.bin`,
    tokenizer: `${folder}${separator}tok512.bin`,
  };
}
