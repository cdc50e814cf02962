import { readFileBytes } from '@peftjs/core-tensor';

/**
 * Reads a UTF-8 text file (Node). A missing file raises core-tensor's `InvalidArgumentError`,
 * which names the path.
 *
 * @param path File path.
 */
export async function readTextFile(path: string): Promise<string> {
  return new TextDecoder().decode(await readFileBytes(path));
}
