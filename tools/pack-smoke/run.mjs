#!/usr/bin/env node
// Pack-and-install smoke test. It builds the workspace, packs every package with `npm pack` and
// installs the tarballs with tfjs into a scratch project in the OS temp folder. The folder is
// outside the workspace, so nothing resolves through workspace links or TypeScript sources.
// Then it type-checks consumer/ against the published .d.ts files and runs it. Last, it runs the
// harness test of examples/custom-adapter in a second project that has only the tarballs the
// example needs.
// Usage: node tools/pack-smoke/run.mjs [--keep]   (--keep leaves the scratch folder in place)
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { runExampleOutsideWorkspace } from './example.mjs';
import { run } from './exec.mjs';
import { packPackage } from './pack.mjs';
import { typecheckConsumer } from './typecheck.mjs';

const TOOL_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(TOOL_DIR, '../..');
// The versions the packages' peer ranges target; the registry's latest could differ.
const TFJS_VERSION = '4.22.0';

function installedVersion(name) {
  return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function workspacePackages() {
  const packagesDir = path.join(ROOT, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(packagesDir, entry.name))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ dir, name: manifest.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function step(title) {
  console.log(`\n== pack-smoke: ${title}`);
}

function parseArgs(argv) {
  const unknown = argv.filter((arg) => arg !== '--keep');
  if (unknown.length > 0) {
    throw new Error(`Unexpected arguments "${unknown.join(' ')}". Usage: node tools/pack-smoke/run.mjs [--keep]`);
  }
  return { keep: argv.includes('--keep') };
}

function main() {
  const { keep } = parseArgs(process.argv.slice(2));
  const started = Date.now();

  step('build');
  run('npm', ['run', 'build'], ROOT);

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'peftjs-pack-smoke-'));
  const tarballDir = path.join(scratch, 'tarballs');
  const projectDir = path.join(scratch, 'project');
  mkdirSync(tarballDir);
  mkdirSync(projectDir);
  console.log(`scratch folder: ${scratch}`);

  try {
    step('npm pack');
    const packed = workspacePackages().map((pkg) => packPackage(pkg, tarballDir));
    for (const { name, tarball, fileCount, assetCount, size } of packed) {
      const assets = assetCount > 0 ? ` (${assetCount} under assets/)` : '';
      console.log(`packed ${name}: ${path.basename(tarball)}, ${fileCount} files${assets}, ${(size / 1024).toFixed(1)} KiB`);
    }
    const withBuildInfo = packed.filter((entry) => entry.buildInfoPacked).map((entry) => entry.name);
    if (withBuildInfo.length > 0) {
      console.log(`notice: dist/*.tsbuildinfo is published by ${withBuildInfo.join(', ')}; "!dist/*.tsbuildinfo" in "files" would drop it`);
    }

    step('install the tarballs into a scratch project');
    writeFileSync(
      path.join(projectDir, 'package.json'),
      JSON.stringify({ name: 'peftjs-pack-smoke-consumer', version: '0.0.0', private: true }, null, 2),
    );
    cpSync(path.join(TOOL_DIR, 'consumer'), projectDir, { recursive: true });
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...packed.map((entry) => entry.tarball),
        `@tensorflow/tfjs@${TFJS_VERSION}`,
        `@tensorflow/tfjs-backend-wasm@${TFJS_VERSION}`,
        `typescript@${installedVersion('typescript')}`,
        `@types/node@${installedVersion('@types/node')}`,
      ],
      projectDir,
    );

    step('type-check and compile the consumer against the published .d.ts files');
    const ignored = typecheckConsumer(projectDir);
    console.log(`tsc: no errors in the consumer or the peftjs declarations (${ignored} inside @tensorflow's own .d.ts files ignored)`);

    step('require and use every package');
    run(process.execPath, [path.join('build', 'smoke.js')], projectDir);

    step('run the custom-adapter example\'s harness test against the tarballs');
    runExampleOutsideWorkspace({ root: ROOT, scratch, packed, tfjsVersion: TFJS_VERSION, installedVersion });
  } catch (error) {
    console.error(`\npack-smoke FAILED: ${error.message}`);
    console.error(`The scratch folder is kept for inspection: ${scratch}`);
    process.exitCode = 1;
    return;
  }

  if (keep) console.log(`\nscratch folder kept: ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
  console.log(`\npack-smoke passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

try {
  main();
} catch (error) {
  console.error(`pack-smoke FAILED: ${error.message}`);
  process.exitCode = 1;
}
