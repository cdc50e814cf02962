import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { InvalidArgumentError } from '@peftjs/core-tensor';

/**
 * An output directory that appears only when complete: files are written into a staging
 * directory next to the target, which replaces the target in {@link commit}. If the process dies
 * or {@link abandon} is called, the target keeps its previous content (or stays absent).
 */
export class StagedDirectory {
  private constructor(
    /** The final directory. */
    readonly target: string,
    /** Directory that receives the files until {@link commit}. */
    readonly staging: string,
    /** The outermost parent directory that {@link create} had to make, if any. */
    private readonly createdParent: string | undefined,
  ) {}

  /** Creates the staging directory for `target`. Raises if `target` exists and is not a directory. */
  static async create(target: string): Promise<StagedDirectory> {
    const absolute = resolve(target);
    try {
      if (!(await stat(absolute)).isDirectory()) {
        throw new InvalidArgumentError(`Output path ${target} exists and is not a directory; choose another --output.`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const createdParent = await mkdir(dirname(absolute), { recursive: true });
    const staging = `${absolute}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging);
    return new StagedDirectory(absolute, staging, createdParent);
  }

  /** Moves the staged files into place, replacing any previous content of the target. */
  async commit(): Promise<void> {
    const previous = `${this.target}.previous-${process.pid}`;
    let hadPrevious = false;
    try {
      await rename(this.target, previous);
      hadPrevious = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(this.staging, this.target);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
  }

  /**
   * Deletes the staging directory and the parent directories that {@link create} made, as long
   * as they are empty; the target is left as it was.
   */
  async abandon(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
    if (this.createdParent === undefined) return;
    for (let directory = dirname(this.target); ; directory = dirname(directory)) {
      try {
        await rmdir(directory);
      } catch {
        // Another process wrote into it meanwhile: keep it and its parents.
        return;
      }
      if (directory === this.createdParent) return;
    }
  }
}
