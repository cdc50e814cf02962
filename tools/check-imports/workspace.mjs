import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

import { SOURCE_EXTENSIONS } from './find-imports.mjs';

/** Top-level folders of a package whose files are checked, and the rule set each one follows. */
export const CHECKED_FOLDERS = ['src', 'test'];

const SKIPPED_FOLDERS = new Set(['node_modules', 'dist']);

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

// npm accepts full globs in "workspaces", but this workspace only needs "folder/*" and literal
// folders. Anything else is rejected rather than half-matched, so no package is skipped silently.
function expandWorkspacePattern(root, pattern) {
  if (pattern.endsWith('/*') && !pattern.slice(0, -2).includes('*')) {
    const parent = path.join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(parent, entry.name))
      .sort();
  }
  if (!pattern.includes('*')) return [path.join(root, pattern)];
  throw new Error(
    `Unsupported workspaces pattern "${pattern}" in package.json: check-imports handles "folder/*" ` +
      'and literal folders. Extend expandWorkspacePattern in tools/check-imports/workspace.mjs.',
  );
}

/**
 * Reads the npm workspaces listed in the root package.json. Returns one record per package:
 * `{ name, dir, relDir, folder, manifest, manifestText, manifestPath }`, where `folder` is the
 * first segment of the workspace pattern (`packages`, `examples`).
 *
 * @param root Absolute path of the workspace root.
 */
export function readWorkspace(root) {
  const rootManifest = readJson(path.join(root, 'package.json'));
  const patterns = Array.isArray(rootManifest.workspaces)
    ? rootManifest.workspaces
    : (rootManifest.workspaces?.packages ?? []);

  const packages = [];
  for (const pattern of patterns) {
    for (const dir of expandWorkspacePattern(root, pattern)) {
      const manifestPath = path.join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;

      const manifestText = readFileSync(manifestPath, 'utf8');
      packages.push({
        name: JSON.parse(manifestText).name,
        dir,
        relDir: toPosix(path.relative(root, dir)),
        folder: pattern.split('/')[0],
        manifest: JSON.parse(manifestText),
        manifestText,
        manifestPath,
      });
    }
  }
  return packages;
}

/**
 * Lists the source files under a package's `src/` and `test/` folders, sorted, each as
 * `{ path, folder }` where `folder` is `src` or `test`.
 *
 * @param pkg A package record from `readWorkspace`.
 */
export function listSourceFiles(pkg) {
  const files = [];
  const walk = (dir, folder) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full, folder);
      } else if (SOURCE_EXTENSIONS.includes(path.extname(entry.name))) {
        files.push({ path: full, folder });
      }
    }
  };
  for (const folder of CHECKED_FOLDERS) {
    const dir = path.join(pkg.dir, folder);
    if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir, folder);
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Returns the absolute folders that a composite package's tsconfig.json references, or `null`
 * when the package has no composite tsconfig.json (and so is not built by `tsc -b`).
 *
 * @param pkg A package record from `readWorkspace`.
 */
export function readProjectReferences(pkg) {
  const configPath = path.join(pkg.dir, 'tsconfig.json');
  if (!existsSync(configPath)) return null;

  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) {
    const reason = ts.flattenDiagnosticMessageText(error.messageText, '\n');
    throw new Error(`Cannot read ${configPath}: ${reason}`);
  }
  if (config.compilerOptions?.composite !== true) return null;

  return (config.references ?? []).map((reference) => {
    const target = path.resolve(pkg.dir, reference.path);
    return target.endsWith('.json') ? path.dirname(target) : target;
  });
}

/**
 * Returns the 1-based line of the first `"key"` after `"section"` in a JSON text, or 1 when
 * either is missing, so a package.json violation can point at the offending entry.
 *
 * @param text JSON source.
 * @param section Name of the enclosing object, such as `dependencies`.
 * @param key Name of the entry.
 */
export function lineOfJsonKey(text, section, key) {
  const sectionAt = text.indexOf(`"${section}"`);
  if (sectionAt < 0) return 1;
  const keyAt = text.indexOf(`"${key}"`, sectionAt);
  if (keyAt < 0) return 1;
  return text.slice(0, keyAt).split('\n').length;
}

/**
 * Converts a path to forward slashes for stable output on every platform.
 *
 * @param file A relative path.
 */
export function toPosix(file) {
  return file.split(path.sep).join('/');
}
