import type * as FsPromises from 'node:fs/promises';
import type * as NodePath from 'node:path';

import { isNode } from '../backend';
import { InvalidArgumentError } from '../errors';

/** The `node:fs/promises` module. */
export type FsPromisesModule = typeof FsPromises;

/** The `node:path` module. */
export type PathModule = typeof NodePath;

/**
 * Imports a Node built-in at call time. The specifier is held in a variable so browser bundlers
 * do not try to resolve the module, which keeps the byte-based APIs usable in a browser bundle.
 */
async function importBuiltin<T>(specifier: string, operation: string): Promise<T> {
  if (!isNode()) {
    throw new InvalidArgumentError(
      `${operation} takes a file path, which needs Node.js (no Node.js runtime was found). ` +
        'In a browser, pass the file contents as an ArrayBuffer or Uint8Array instead.',
    );
  }
  return (await import(specifier)) as T;
}

/**
 * Loads `node:fs/promises`, raising {@link InvalidArgumentError} outside Node.js.
 *
 * @param operation Name of the calling function, used in the error message.
 */
export function loadFs(operation: string): Promise<FsPromisesModule> {
  return importBuiltin<FsPromisesModule>('node:fs/promises', operation);
}

/**
 * Loads `node:path`, raising {@link InvalidArgumentError} outside Node.js.
 *
 * @param operation Name of the calling function, used in the error message.
 */
export function loadPath(operation: string): Promise<PathModule> {
  return importBuiltin<PathModule>('node:path', operation);
}

/**
 * Checks that `path` is a non-empty string, raising {@link InvalidArgumentError} otherwise.
 *
 * @param path The value passed as a file path.
 * @param operation Name of the calling function, used in the error message.
 */
export function checkPath(path: unknown, operation: string): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) {
    const pathText = typeof path === 'string' ? '""' : String(path);
    throw new InvalidArgumentError(
      `${operation}: invalid path ${pathText} (${typeof path}); expected a non-empty file path string.`,
    );
  }
}

/** Returns the `code` of a Node system error (`ENOENT`, `EISDIR`, ...), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
