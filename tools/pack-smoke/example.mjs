import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { run } from './exec.mjs';

// The packages the example needs: its own dependency and the harness with what the harness needs.
const EXAMPLE_PACKAGES = ['@peftjs/core-tensor', '@peftjs/models', '@peftjs/test-harness'];

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    module: 'Node16',
    moduleResolution: 'Node16',
    strict: true,
    esModuleInterop: true,
    // tfjs 4.22's own declaration files do not compile without it (see typecheck.mjs).
    skipLibCheck: true,
    types: ['node', 'jest'],
    rootDir: '.',
    outDir: 'build',
  },
  include: ['src/**/*.ts', 'test/**/*.ts'],
};

const JEST_CONFIG = `module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/build'],
  testMatch: ['**/*.test.js'],
  testTimeout: 120000,
};
`;

/**
 * Copies examples/custom-adapter/src and test/ into a new project outside the workspace,
 * installs only the tarballs of @peftjs/core-tensor, @peftjs/models and @peftjs/test-harness
 * with tfjs, TypeScript and jest, compiles the example with tsc and runs its harness test with
 * jest. Throws when any step fails.
 *
 * @param options `root` of the workspace, `scratch` folder, `packed` tarball list from pack.mjs,
 *   `tfjsVersion`, and `installedVersion(name)` returning the workspace's version of a tool.
 */
export function runExampleOutsideWorkspace({ root, scratch, packed, tfjsVersion, installedVersion }) {
  const exampleSource = path.join(root, 'examples', 'custom-adapter');
  const projectDir = path.join(scratch, 'custom-adapter');
  mkdirSync(projectDir);
  for (const folder of ['src', 'test']) cpSync(path.join(exampleSource, folder), path.join(projectDir, folder), { recursive: true });
  writeFileSync(
    path.join(projectDir, 'package.json'),
    JSON.stringify({ name: 'peftjs-custom-adapter-outside', version: '0.0.0', private: true }, null, 2),
  );
  writeFileSync(path.join(projectDir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(path.join(projectDir, 'jest.config.js'), JEST_CONFIG);

  const tarballs = EXAMPLE_PACKAGES.map((name) => {
    const entry = packed.find((candidate) => candidate.name === name);
    if (entry === undefined) throw new Error(`No tarball of ${name} was packed; the example needs it.`);
    return entry.tarball;
  });
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      ...tarballs,
      `@tensorflow/tfjs@${tfjsVersion}`,
      `@tensorflow/tfjs-backend-wasm@${tfjsVersion}`,
      `typescript@${installedVersion('typescript')}`,
      `@types/node@${installedVersion('@types/node')}`,
      `jest@${installedVersion('jest')}`,
      `@types/jest@${installedVersion('@types/jest')}`,
    ],
    projectDir,
  );
  run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], projectDir);
  run(process.execPath, [path.join('node_modules', 'jest', 'bin', 'jest.js'), '--ci'], projectDir);
}
