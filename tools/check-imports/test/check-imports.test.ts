import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHECKER = path.resolve(__dirname, '../../check-imports.mjs');

interface FakePackage {
  dependencies?: string[];
  devDependencies?: string[];
  references?: string[];
  files?: string[];
}

// A miniature of the real workspace whose manifests and references follow every rule.
const CLEAN_PACKAGES: Record<string, FakePackage> = {
  'core-tensor': {},
  models: { dependencies: ['core-tensor'], references: ['core-tensor'], files: ['dist', 'README.md', 'assets'] },
  'adapters-lora': { dependencies: ['core-tensor'], devDependencies: ['models'], references: ['core-tensor'] },
  'adapters-prefix': { dependencies: ['core-tensor'], references: ['core-tensor'] },
  'config-union': { dependencies: ['core-tensor', 'adapters-lora'], references: ['core-tensor', 'adapters-lora'] },
  'test-harness': { dependencies: ['core-tensor', 'models'], references: ['core-tensor', 'models'] },
  cli: { dependencies: ['core-tensor', 'config-union'], references: ['core-tensor', 'config-union'] },
};

const CLEAN_SOURCES: Record<string, string> = {
  'packages/core-tensor/src/index.ts': "export { Linear } from './linear';\n",
  'packages/core-tensor/src/linear.ts': 'export class Linear {}\n',
  'packages/models/src/index.ts': "import { Linear } from '@peftjs/core-tensor';\nexport const head = new Linear();\n",
  'packages/adapters-lora/src/index.ts': "import type { Linear } from '@peftjs/core-tensor';\nexport type Site = Linear;\n",
  'packages/adapters-lora/test/lora.test.ts': "import '@peftjs/models';\nimport '@peftjs/adapters-lora';\nimport '../src';\n",
  'packages/config-union/src/index.ts': "export * from '@peftjs/adapters-lora';\nexport async function load() {\n  return import('@peftjs/core-tensor');\n}\n",
  'packages/test-harness/src/index.ts': "const models = require('@peftjs/models');\nexport { models };\n",
  'packages/cli/src/index.ts': "import '@peftjs/config-union';\nimport pkg = require('@peftjs/core-tensor/package.json');\nexport { pkg };\n",
  'packages/models/src/vocab.ts': "import vocab from '../assets/vocab.json';\nexport { vocab };\n",
  'packages/cli/src/version.ts': "export const version = require('../package.json').version;\n",
  'packages/cli/test/cli.test.ts': "import '../../../fixtures/data.json';\n",
};

function manifest(name: string, spec: FakePackage): string {
  const versions = (names: string[] = []) => Object.fromEntries(names.map((n) => [`@peftjs/${n}`, '0.1.0']));
  return JSON.stringify(
    {
      name: `@peftjs/${name}`,
      version: '0.1.0',
      exports: { '.': './src/index.ts', './package.json': './package.json' },
      files: spec.files,
      dependencies: versions(spec.dependencies),
      devDependencies: versions(spec.devDependencies),
    },
    null,
    2,
  );
}

function tsconfig(spec: FakePackage): string {
  const references = (spec.references ?? []).map((name) => ({ path: `../${name}` }));
  return JSON.stringify({ compilerOptions: { composite: true }, references }, null, 2);
}

/**
 * Writes a fake workspace into a new temporary folder: the clean packages with `packageOverrides`
 * replacing their specs, then the clean sources with `fileOverrides` added or replacing files.
 */
function makeWorkspace(
  packageOverrides: Record<string, FakePackage> = {},
  fileOverrides: Record<string, string> = {},
): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'check-imports-test-'));
  const write = (relative: string, text: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };

  write('package.json', JSON.stringify({ name: 'fake', private: true, workspaces: ['packages/*'] }));
  for (const [name, spec] of Object.entries({ ...CLEAN_PACKAGES, ...packageOverrides })) {
    write(`packages/${name}/package.json`, manifest(name, spec));
    write(`packages/${name}/tsconfig.json`, tsconfig(spec));
  }
  for (const [relative, text] of Object.entries({ ...CLEAN_SOURCES, ...fileOverrides })) write(relative, text);
  return root;
}

function runChecker(args: string[]): { status: number | null; lines: string[]; stderr: string } {
  const result = spawnSync(process.execPath, [CHECKER, ...args], { encoding: 'utf8' });
  return { status: result.status, lines: result.stdout.trim().split('\n'), stderr: result.stderr };
}

const workspaces: string[] = [];
afterAll(() => {
  for (const root of workspaces) rmSync(root, { recursive: true, force: true });
});

describe('check-imports on a clean workspace', () => {
  let result: ReturnType<typeof runChecker>;
  beforeAll(() => {
    const root = makeWorkspace();
    workspaces.push(root);
    result = runChecker(['--root', root]);
  });

  it('exits 0', () => {
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('prints only the summary', () => {
    expect(result.lines).toEqual(['check-imports: 7 packages, 11 files, no violations']);
  });
});

describe('check-imports on a workspace with violations', () => {
  const files: Record<string, string> = {
    'packages/adapters-lora/src/uses-model.ts': "// Loads a model.\n\nimport { Llama } from '@peftjs/models';\nexport { Llama };\n",
    'packages/models/src/uses-lora.ts': "import type { LoraConfig } from '@peftjs/adapters-lora';\nexport type C = LoraConfig;\n",
    'packages/core-tensor/src/uses-models.ts': "export * from '@peftjs/models';\n",
    'packages/adapters-prefix/src/deep.ts': "import { Linear } from '@peftjs/core-tensor/src/linear';\nexport { Linear };\n",
    'packages/adapters-prefix/src/relative.ts': "export { Linear } from '../../core-tensor/src/linear';\n",
    'packages/adapters-prefix/src/leaves-src.ts': "import { helper } from '../test/helper';\nexport { helper };\n",
    'packages/adapters-prefix/src/self.ts': "export * from '@peftjs/adapters-prefix';\n",
    'packages/adapters-prefix/src/unknown.ts': "import '@peftjs/nonexistent';\n",
    'packages/config-union/src/uses-cli.ts': "const cli = require('@peftjs/cli');\nexport { cli };\n",
    'packages/cli/src/lazy.ts': "export async function lora() {\n  return import('@peftjs/adapters-prefix');\n}\n",
    'packages/cli/src/types.ts': "export type P = typeof import('@peftjs/adapters-prefix');\n",
    'packages/models/test/harness.test.ts': "import '@peftjs/test-harness';\n",
    'packages/core-tensor/test/model.test.ts': "jest.mock('@peftjs/models');\n",
    'packages/adapters-prefix/test/model.test.ts': "import '@peftjs/models';\n",
  };
  const packages: Record<string, FakePackage> = {
    // Declares an edge the graph forbids, and misses the tsconfig reference for core-tensor.
    'test-harness': { dependencies: ['core-tensor', 'models', 'adapters-lora'], references: ['models'] },
    foo: {},
  };

  const expected = [
    'packages/adapters-lora/src/uses-model.ts:3 imports "@peftjs/models": adapter packages must not import models',
    'packages/adapters-prefix/src/deep.ts:1 imports "@peftjs/core-tensor/src/linear": deep import into @peftjs/core-tensor; import "@peftjs/core-tensor" itself, which loads the package\'s public exports',
    'packages/adapters-prefix/src/leaves-src.ts:1 imports "../test/helper": src may reach outside src/ only for package.json and "files" entries, because npm publishes only those and the dist/ compiled from src/',
    'packages/adapters-prefix/src/relative.ts:1 imports "../../core-tensor/src/linear": relative path into @peftjs/core-tensor; import "@peftjs/core-tensor" instead',
    'packages/adapters-prefix/src/self.ts:1 imports "@peftjs/adapters-prefix": src must import its own modules by relative path, not through its package name',
    'packages/adapters-prefix/src/unknown.ts:1 imports "@peftjs/nonexistent": no workspace package is named "@peftjs/nonexistent"',
    'packages/adapters-prefix/test/model.test.ts:1 imports "@peftjs/models": packages/adapters-prefix/package.json does not list it in "dependencies" or "devDependencies"; add "@peftjs/models": "0.1.0"',
    'packages/cli/src/lazy.ts:2 imports "@peftjs/adapters-prefix": packages/cli/package.json does not list it in "dependencies"; add "@peftjs/adapters-prefix": "0.1.0"',
    'packages/cli/src/lazy.ts:2 imports "@peftjs/adapters-prefix": packages/cli/tsconfig.json does not reference packages/adapters-prefix; add { "path": "../adapters-prefix" } so tsc -b builds @peftjs/adapters-prefix first',
    'packages/config-union/src/uses-cli.ts:1 imports "@peftjs/cli": imports point down the package graph, so @peftjs/config-union may import only @peftjs/adapters-lora, @peftjs/adapters-prefix, @peftjs/core-tensor',
    'packages/core-tensor/src/uses-models.ts:1 imports "@peftjs/models": @peftjs/core-tensor may import no sibling package',
    'packages/core-tensor/test/model.test.ts:1 imports "@peftjs/models": tests of @peftjs/core-tensor must not import @peftjs/models, which depends on @peftjs/core-tensor',
    'packages/foo/package.json:2 package "@peftjs/foo": no import rule covers it; give it a role in tools/check-imports/rules.mjs',
    'packages/models/src/uses-lora.ts:1 imports "@peftjs/adapters-lora": models must not import adapter packages',
    'packages/models/test/harness.test.ts:1 imports "@peftjs/test-harness": tests of @peftjs/models must not import @peftjs/test-harness, which depends on @peftjs/models',
    'packages/test-harness/package.json:11 dependencies lists "@peftjs/adapters-lora": imports point down the package graph, so @peftjs/test-harness may import only @peftjs/core-tensor, @peftjs/models',
    'packages/test-harness/src/index.ts:2 imports "@peftjs/core-tensor": packages/test-harness/tsconfig.json does not reference packages/core-tensor; add { "path": "../core-tensor" } so tsc -b builds @peftjs/core-tensor first',
  ];

  let result: ReturnType<typeof runChecker>;
  beforeAll(() => {
    // The test-harness source must import core-tensor for the missing reference to show.
    const root = makeWorkspace(packages, {
      ...files,
      'packages/test-harness/src/index.ts': "import '@peftjs/models';\nimport '@peftjs/core-tensor';\n",
    });
    workspaces.push(root);
    result = runChecker(['--root', root]);
  });

  it('exits 1', () => {
    expect(result.status).toBe(1);
  });

  it.each(expected)('reports %s', (line) => {
    expect(result.lines).toContain(line);
  });

  it('reports nothing else', () => {
    const violations = result.lines.slice(0, -1);
    expect(violations).toEqual(expected);
  });

  it('ends with a summary naming the count', () => {
    expect(result.lines[result.lines.length - 1]).toMatch(/^check-imports: 17 violation\(s\) in 8 packages, \d+ files;/);
  });
});

describe('check-imports arguments', () => {
  it('rejects an unknown argument with exit 2', () => {
    const result = runChecker(['--fix']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unexpected arguments "--fix"');
  });
});
