// Shared jest settings for every workspace package. TypeScript is compiled by swc (no type
// checking here: the root `npm run typecheck` covers tests and sources in one tsc program).
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Resolve sibling workspace packages to their TypeScript sources, so tests never need a build.
  testEnvironmentOptions: {
    customExportConditions: ['@peftjs/source', 'node', 'require', 'default'],
  },
  setupFiles: [path.join(__dirname, 'tools/jest/setup-tfjs.js')],
  testTimeout: 120000,
};
