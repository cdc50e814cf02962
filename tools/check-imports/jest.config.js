// Tests of the import checker. They spawn Node on tools/check-imports.mjs, so they need neither
// tfjs nor the workspace packages, unlike the shared preset's setup.
module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  setupFiles: [],
};
