import type * as FsPromises from 'node:fs/promises';
import type * as NodeOs from 'node:os';
import type * as NodePath from 'node:path';

/**
 * Imports Node built-ins at call time. The specifiers are held in variables so browser bundlers do
 * not try to resolve them; only the Node-only functions (saving, temporary checkpoints) call this.
 */
export async function importNodeModules(): Promise<{ fs: typeof FsPromises; os: typeof NodeOs; path: typeof NodePath }> {
  const specifiers = ['node:fs/promises', 'node:os', 'node:path'];
  const [fs, os, path] = await Promise.all(specifiers.map((specifier) => import(specifier)));
  return { fs, os, path };
}
