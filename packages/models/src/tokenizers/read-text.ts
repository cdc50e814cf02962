import { InvalidArgumentError } from '@peftjs/core-tensor';

/**
 * Reads a UTF-8 text file in Node. The `fs` module is imported on first use so that bundles for
 * the browser, which pass file contents instead of paths, do not need it.
 *
 * @param path File path.
 * @param what What the file is, for the error message (for example `"vocabulary"`).
 */
export async function readTextFile(path: string, what: string): Promise<string> {
  const fs = await import('node:fs/promises');
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `Cannot read the ${what} file "${path}": ${(error as Error).message}. Check the path, or pass the file's contents.`,
    );
  }
}
