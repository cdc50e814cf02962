module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  // The CLI tests spawn the peftjs binary; two at a time keep both cores of a small CI machine busy.
  maxConcurrency: 2,
};
