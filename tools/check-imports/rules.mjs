// The package graph of the design, as data. Arrows only point down:
//
//   cli ──► config-union ──► adapters-* ──► core-tensor
//    ├──────────────────────► adapters-*
//    └──► models ────────────────────────► core-tensor
//   test-harness ──► models, core-tensor
//
// Rules are keyed by role rather than by package name, so a new `adapters-<method>` package
// inherits the adapter rules without an edit here.

/** npm scope of every workspace package. */
export const SCOPE = '@peftjs/';

/**
 * Roles that the `src/` of a package of each role may import. `adapter` stands for every
 * `adapters-*` package; `example` is any package under a workspace folder other than `packages/`.
 */
export const SOURCE_IMPORTS = {
  'core-tensor': [],
  models: ['core-tensor'],
  adapter: ['core-tensor'],
  'config-union': ['adapter', 'core-tensor'],
  'test-harness': ['models', 'core-tensor'],
  cli: ['config-union', 'adapter', 'models', 'core-tensor'],
  example: ['cli', 'config-union', 'adapter', 'models', 'test-harness', 'core-tensor'],
};

/**
 * Roles that tests may import on top of what their package's `src/` may import, as fixtures:
 * real models to attach adapters to, and the conformance suites. A test still may not import a
 * package that depends on its own package, because that would make the package graph cyclic.
 */
export const TEST_FIXTURE_ROLES = ['models', 'test-harness'];

/** Dependency fields of package.json and whether they serve `src` or only `test` imports. */
export const DEPENDENCY_FIELDS = [
  { field: 'dependencies', serves: 'src' },
  { field: 'peerDependencies', serves: 'src' },
  { field: 'optionalDependencies', serves: 'src' },
  { field: 'devDependencies', serves: 'test' },
];

/**
 * Returns the role of a workspace package, or `null` when no rule covers it.
 *
 * @param pkg A package record from `readWorkspace`.
 */
export function roleOf(pkg) {
  if (pkg.folder !== 'packages') return 'example';
  if (typeof pkg.name !== 'string' || !pkg.name.startsWith(SCOPE)) return null;

  const shortName = pkg.name.slice(SCOPE.length);
  if (shortName.startsWith('adapters-')) return 'adapter';
  return Object.hasOwn(SOURCE_IMPORTS, shortName) && shortName !== 'example' ? shortName : null;
}

/**
 * Returns a sentence naming the design rule that forbids an import, for violation messages.
 *
 * @param fromRole Role of the importing package.
 * @param toRole Role of the imported package.
 */
export function namedRule(fromRole, toRole) {
  if (fromRole === 'adapter' && toRole === 'models') return 'adapter packages must not import models';
  if (fromRole === 'models' && toRole === 'adapter') return 'models must not import adapter packages';
  return null;
}
