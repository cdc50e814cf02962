import { InvalidArgumentError } from '../errors';
import { checkPath, errorCode, type FsPromisesModule, loadFs, loadPath } from './node-builtins';

let temporaryCounter = 0;

/** Returns a name no other writer in this or another process picks for the same target. */
function temporaryName(baseName: string): string {
  temporaryCounter += 1;
  const random = Math.floor(Math.random() * 0x1_0000_0000).toString(16);
  return `.${baseName}.${process.pid}.${temporaryCounter}.${random}.tmp`;
}

async function checkDirectory(fs: FsPromisesModule, directory: string, path: string): Promise<void> {
  try {
    const stats = await fs.stat(directory);
    if (stats.isDirectory()) return;
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  throw new InvalidArgumentError(
    `writeFileAtomic: cannot write "${path}": directory "${directory}" does not exist. ` +
      'Create the directory first.',
  );
}

/** Returns the permission bits of the file at `path`, or undefined when there is no such file. */
async function existingMode(fs: FsPromisesModule, path: string): Promise<number | undefined> {
  try {
    return (await fs.stat(path)).mode & 0o7777;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Flushes the directory entry so the rename survives a power loss on POSIX file systems. On a
 * platform that cannot open or sync a directory the failure is ignored, because the file data
 * itself was already flushed before the rename.
 */
async function syncDirectory(fs: FsPromisesModule, directory: string): Promise<void> {
  let handle: Awaited<ReturnType<FsPromisesModule['open']>> | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort, as described above.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes a file atomically (Node.js only): the data goes to a temporary file in the same
 * directory, which is flushed to disk and then renamed over `path`. Readers see either the old
 * file or the complete new one, never a partial write, and a crash leaves the old file in place.
 *
 * A file that already exists at `path` keeps its permission bits. A symbolic link at `path` is
 * replaced by a regular file rather than followed.
 *
 * @param path Destination file path. Its directory must exist.
 * @param data File contents; a string is written as UTF-8.
 * @throws InvalidArgumentError if `path` is not a non-empty string, its directory does not exist,
 *   `data` is neither a Uint8Array nor a string, or when not running under Node.js. Errors of the
 *   file system (permissions, disk full, `path` naming a directory) propagate unchanged after
 *   the temporary file has been removed.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  checkPath(path, 'writeFileAtomic');
  if (!(data instanceof Uint8Array) && typeof data !== 'string') {
    throw new InvalidArgumentError(
      `writeFileAtomic: invalid data of type ${typeof data} for "${path}"; expected a Uint8Array or a string.`,
    );
  }

  const fs = await loadFs('writeFileAtomic');
  const pathModule = await loadPath('writeFileAtomic');
  const directory = pathModule.dirname(path);
  await checkDirectory(fs, directory, path);
  const mode = await existingMode(fs, path);
  const temporaryPath = pathModule.join(directory, temporaryName(pathModule.basename(path)));

  let handle: Awaited<ReturnType<FsPromisesModule['open']>> | undefined;
  try {
    // 'wx' fails instead of truncating if the temporary name somehow exists already.
    handle = await fs.open(temporaryPath, 'wx', 0o666);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // The mode passed to open is reduced by the umask, so the old bits are restored explicitly.
    if (mode !== undefined) await fs.chmod(temporaryPath, mode);
    await fs.rename(temporaryPath, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temporaryPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(fs, directory);
}
