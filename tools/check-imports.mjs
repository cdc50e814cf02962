#!/usr/bin/env node
// Checks that imports between workspace packages follow the package graph of docs/architecture.md.
// Usage: node tools/check-imports.mjs [--root <workspace folder>]
// Exits 1 when it finds a violation (one line each, "file:line ..."), 2 when it cannot run.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkWorkspace } from './check-imports/check-workspace.mjs';

function parseRoot(argv) {
  const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (argv.length === 0) return defaultRoot;
  if (argv.length === 2 && argv[0] === '--root') return path.resolve(argv[1]);
  throw new Error(`Unexpected arguments "${argv.join(' ')}". Usage: node tools/check-imports.mjs [--root <workspace folder>]`);
}

try {
  const root = parseRoot(process.argv.slice(2));
  const { packageCount, fileCount, violations } = checkWorkspace(root);

  for (const { file, line, message } of violations) console.log(`${file}:${line} ${message}`);

  const scope = `${packageCount} packages, ${fileCount} files`;
  if (violations.length > 0) {
    console.log(`check-imports: ${violations.length} violation(s) in ${scope}; rules in docs/architecture.md`);
    process.exitCode = 1;
  } else {
    console.log(`check-imports: ${scope}, no violations`);
  }
} catch (error) {
  console.error(`check-imports failed: ${error.message}`);
  process.exitCode = 2;
}
