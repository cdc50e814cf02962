import { readFileSync } from 'node:fs';
import path from 'node:path';

import { findImports } from './find-imports.mjs';
import { DEPENDENCY_FIELDS, namedRule, roleOf, SCOPE, SOURCE_IMPORTS, TEST_FIXTURE_ROLES } from './rules.mjs';
import { lineOfJsonKey, listSourceFiles, readProjectReferences, readWorkspace, toPosix } from './workspace.mjs';

function isInside(dir, file) {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

// Builds the sets of siblings that each package may import from `src/` and from `test/`.
function buildImportGraph(packages) {
  const role = new Map(packages.map((pkg) => [pkg, roleOf(pkg)]));
  const ruled = packages.filter((pkg) => role.get(pkg) !== null);

  const sourceTargets = new Map();
  for (const pkg of ruled) {
    const roles = SOURCE_IMPORTS[role.get(pkg)];
    sourceTargets.set(pkg, new Set(ruled.filter((target) => target !== pkg && roles.includes(role.get(target)))));
  }

  const dependsOn = (from, to) => {
    const seen = new Set();
    const stack = [from];
    while (stack.length > 0) {
      for (const next of sourceTargets.get(stack.pop()) ?? []) {
        if (next === to) return true;
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return false;
  };

  const testTargets = new Map();
  for (const pkg of ruled) {
    const fixtures = ruled.filter(
      (target) => target !== pkg && TEST_FIXTURE_ROLES.includes(role.get(target)) && !dependsOn(target, pkg),
    );
    testTargets.set(pkg, new Set([...sourceTargets.get(pkg), ...fixtures]));
  }

  const allowed = (pkg, target, folder) => (folder === 'src' ? sourceTargets : testTargets).get(pkg).has(target);

  const forbiddenReason = (pkg, target, folder) => {
    const named = namedRule(role.get(pkg), role.get(target));
    if (named !== null) return named;

    const importer = folder === 'src' ? pkg.name : `tests of ${pkg.name}`;
    if (folder === 'test' && TEST_FIXTURE_ROLES.includes(role.get(target)) && dependsOn(target, pkg)) {
      return `${importer} must not import ${target.name}, which depends on ${pkg.name}`;
    }
    const names = [...(folder === 'src' ? sourceTargets : testTargets).get(pkg)].map((t) => t.name).sort();
    if (names.length === 0) return `${importer} may import no sibling package`;
    return `imports point down the package graph, so ${importer} may import only ${names.join(', ')}`;
  };

  return { role, allowed, forbiddenReason };
}

function splitScopedSpecifier(specifier) {
  const rest = specifier.slice(SCOPE.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { name: specifier, subpath: '' };
  return { name: SCOPE + rest.slice(0, slash), subpath: rest.slice(slash + 1) };
}

function isExportedSubpath(manifest, subpath) {
  const exportsField = manifest.exports;
  if (exportsField === null || typeof exportsField !== 'object') return false;

  const requested = `./${subpath}`;
  return Object.keys(exportsField).some((key) => {
    if (!key.includes('*')) return key === requested;
    const [prefix, suffix] = key.split('*');
    return requested.startsWith(prefix) && requested.endsWith(suffix) && requested.length >= prefix.length + suffix.length;
  });
}

// src/ compiles into dist/ with the same folder layout, so a relative path that leaves src/
// reaches the same file from dist/ only if npm publishes it: package.json, or a "files" entry
// other than dist (such as models' assets/).
function isPublishedOutsideSource(pkg, file) {
  if (file === path.join(pkg.dir, 'package.json')) return true;
  const entries = Array.isArray(pkg.manifest.files) ? pkg.manifest.files : [];
  return entries
    .filter((entry) => typeof entry === 'string' && !['dist', 'src'].includes(entry.replace(/^\.\/|\/$/g, '')))
    .some((entry) => isInside(path.join(pkg.dir, entry), file));
}

function declaredSiblings(pkg, folder) {
  const names = new Set();
  for (const { field, serves } of DEPENDENCY_FIELDS) {
    if (folder === 'src' && serves !== 'src') continue;
    for (const name of Object.keys(pkg.manifest[field] ?? {})) names.add(name);
  }
  return names;
}

/**
 * Checks the import direction rules on every package of an npm workspace: the package graph,
 * package-name-only imports between packages, declared sibling dependencies, and tsconfig
 * project references. Returns `{ packageCount, fileCount, violations }`, where each violation
 * is `{ file, line, message }` with `file` relative to `root`, sorted by file and line.
 *
 * @param root Absolute path of the workspace root (the folder of the root package.json).
 */
export function checkWorkspace(root) {
  const packages = readWorkspace(root);
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const graph = buildImportGraph(packages);
  const violations = [];
  const report = (file, line, message) => violations.push({ file: toPosix(path.relative(root, file)), line, message });

  for (const pkg of packages) {
    if (graph.role.get(pkg) === null) {
      const line = lineOfJsonKey(pkg.manifestText, 'name', 'name');
      report(pkg.manifestPath, line, `package "${pkg.name}": no import rule covers it; give it a role in tools/check-imports/rules.mjs`);
    }
  }
  const ruled = packages.filter((pkg) => graph.role.get(pkg) !== null);

  for (const pkg of ruled) {
    for (const { field, serves } of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(pkg.manifest[field] ?? {})) {
        if (!name.startsWith(SCOPE)) continue;

        const line = lineOfJsonKey(pkg.manifestText, field, name);
        const subject = `${field} lists "${name}"`;
        const target = byName.get(name);
        if (target === undefined) report(pkg.manifestPath, line, `${subject}: no workspace package has this name`);
        else if (target === pkg) report(pkg.manifestPath, line, `${subject}: a package cannot depend on itself`);
        else if (!graph.allowed(pkg, target, serves)) {
          report(pkg.manifestPath, line, `${subject}: ${graph.forbiddenReason(pkg, target, serves)}`);
        }
      }
    }
  }

  let fileCount = 0;
  for (const pkg of ruled) {
    const references = readProjectReferences(pkg);
    // A missing dependency or reference is one fault per package, reported at its first import.
    const reportedOnce = new Set();
    const reportOnce = (key, file, line, message) => {
      if (reportedOnce.has(key)) return;
      reportedOnce.add(key);
      report(file, line, message);
    };

    for (const file of listSourceFiles(pkg)) {
      fileCount += 1;
      for (const { specifier, line } of findImports(file.path, readFileSync(file.path, 'utf8'))) {
        const subject = `imports "${specifier}"`;

        if (specifier.startsWith(SCOPE)) {
          const { name, subpath } = splitScopedSpecifier(specifier);
          const target = byName.get(name);
          if (target === undefined) {
            report(file.path, line, `${subject}: no workspace package is named "${name}"`);
            continue;
          }
          if (subpath !== '' && !isExportedSubpath(target.manifest, subpath)) {
            report(file.path, line, `${subject}: deep import into ${name}; import "${name}" itself, which loads the package's public exports`);
            continue;
          }
          if (target === pkg) {
            if (file.folder === 'src') {
              report(file.path, line, `${subject}: src must import its own modules by relative path, not through its package name`);
            }
            continue;
          }
          if (!graph.allowed(pkg, target, file.folder)) {
            report(file.path, line, `${subject}: ${graph.forbiddenReason(pkg, target, file.folder)}`);
            continue;
          }
          if (!declaredSiblings(pkg, file.folder).has(name)) {
            const fields = file.folder === 'src' ? '"dependencies"' : '"dependencies" or "devDependencies"';
            reportOnce(
              `dependency ${file.folder} ${name}`,
              file.path,
              line,
              `${subject}: ${pkg.relDir}/package.json does not list it in ${fields}; add "${name}": "${target.manifest.version}"`,
            );
          }
          if (file.folder === 'src' && references !== null && !references.includes(target.dir)) {
            const referencePath = toPosix(path.relative(pkg.dir, target.dir));
            reportOnce(
              `reference ${name}`,
              file.path,
              line,
              `${subject}: ${pkg.relDir}/tsconfig.json does not reference ${target.relDir}; add { "path": "${referencePath}" } so tsc -b builds ${name} first`,
            );
          }
          continue;
        }

        if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
          const resolved = path.resolve(path.dirname(file.path), specifier);
          const owner = packages
            .filter((candidate) => isInside(candidate.dir, resolved))
            .sort((a, b) => b.dir.length - a.dir.length)[0];
          if (owner !== undefined && owner !== pkg) {
            report(file.path, line, `${subject}: relative path into ${owner.name}; import "${owner.name}" instead`);
          } else if (
            file.folder === 'src' &&
            !isInside(path.join(pkg.dir, 'src'), resolved) &&
            !isPublishedOutsideSource(pkg, resolved)
          ) {
            report(
              file.path,
              line,
              `${subject}: src may reach outside src/ only for package.json and "files" entries, because npm publishes only those and the dist/ compiled from src/`,
            );
          }
        }
      }
    }
  }

  violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.message.localeCompare(b.message));
  return { packageCount: packages.length, fileCount, violations };
}
