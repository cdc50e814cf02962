// Version actions for `nx release version` on plain npm packages. nx 24 defaults to the
// implementation in the @nx/js plugin, which has no release for nx 24 on the npm registry, so
// nx.json points release.version.versionActions here instead. It reads and writes the version
// and sibling dependency ranges in each package's package.json, and nothing else.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const { VersionActions } = require('nx/release');

const MANIFEST = 'package.json';
const DEPENDENCY_COLLECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

function readManifest(tree, manifestPath) {
  const text = tree.read(manifestPath, 'utf-8');
  if (text === null) throw new Error(`Cannot read ${manifestPath}: the file does not exist.`);
  return JSON.parse(text);
}

function writeManifest(tree, manifestPath, manifest) {
  tree.write(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

// nx names package.json projects after their package, but the metadata wins if it ever differs.
function packageNameOf(projectGraph, projectName) {
  return projectGraph.nodes[projectName]?.data.metadata?.js?.packageName ?? projectName;
}

/** Reads and bumps versions in package.json files for nx release. */
class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = [MANIFEST];

  /**
   * Returns the version in the project's package.json.
   *
   * @param tree nx's virtual file tree.
   */
  async readCurrentVersionFromSourceManifest(tree) {
    const manifestPath = path.join(this.projectGraphNode.data.root, MANIFEST);
    const { version } = readManifest(tree, manifestPath);
    if (typeof version !== 'string') {
      throw new Error(`${manifestPath} has no "version" string; add one such as "0.1.0".`);
    }
    return { currentVersion: version, manifestPath };
  }

  /**
   * Returns null, which nx reports as "registry resolution unsupported": releases start from the
   * version on disk (currentVersionResolver "disk" in nx.json), so no registry request is made.
   */
  async readCurrentVersionFromRegistry() {
    return null;
  }

  /**
   * Returns the range with which this project's package.json requires a sibling, and the
   * dependency field that contains it, or nulls when it does not list the sibling.
   *
   * @param tree nx's virtual file tree.
   * @param projectGraph nx's project graph.
   * @param dependencyProjectName nx project name of the sibling.
   */
  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const manifest = readManifest(tree, path.join(this.projectGraphNode.data.root, MANIFEST));
    const packageName = packageNameOf(projectGraph, dependencyProjectName);
    for (const collection of DEPENDENCY_COLLECTIONS) {
      const range = manifest[collection]?.[packageName];
      if (typeof range === 'string') return { currentVersion: range, dependencyCollection: collection };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  /**
   * Writes the new version into every manifest nx selected for this project; returns log lines.
   *
   * @param tree nx's virtual file tree.
   * @param newVersion Version to write.
   */
  async updateProjectVersion(tree, newVersion) {
    const logs = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      const manifest = readManifest(tree, manifestPath);
      manifest.version = newVersion;
      writeManifest(tree, manifestPath, manifest);
      logs.push(`New version ${newVersion} written to ${manifestPath}`);
    }
    return logs;
  }

  /**
   * Rewrites the ranges of bumped siblings in every dependency field; returns log lines. Ranges
   * using the `workspace:` or `file:` protocols are kept when nx is configured to preserve local protocols.
   *
   * @param tree nx's virtual file tree.
   * @param projectGraph nx's project graph.
   * @param dependenciesToUpdate New range per sibling project name, prefix (`^`, `~`) included.
   */
  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const logs = [];
    for (const { manifestPath, preserveLocalDependencyProtocols } of this.manifestsToUpdate) {
      const manifest = readManifest(tree, manifestPath);
      let updated = 0;
      for (const [projectName, newRange] of Object.entries(dependenciesToUpdate)) {
        const packageName = packageNameOf(projectGraph, projectName);
        for (const collection of DEPENDENCY_COLLECTIONS) {
          const current = manifest[collection]?.[packageName];
          if (typeof current !== 'string') continue;
          if (preserveLocalDependencyProtocols && /^(workspace|file|link):/.test(current)) continue;
          manifest[collection][packageName] = newRange;
          updated += 1;
        }
      }
      if (updated > 0) {
        writeManifest(tree, manifestPath, manifest);
        logs.push(`Updated ${updated} sibling dependency range(s) in ${manifestPath}`);
      }
    }
    return logs;
  }
}

/**
 * Refreshes package-lock.json after a real (not dry) run: it records each workspace package's
 * version and sibling ranges, and `npm ci` rejects a lockfile that disagrees with package.json.
 * Returns the changed files for nx to report.
 *
 * @param cwd Workspace root.
 * @param options nx's `{ dryRun, verbose }`.
 */
async function afterAllProjectsVersioned(cwd, { dryRun, verbose }) {
  if (dryRun) return { changedFiles: [], deletedFiles: [] };

  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd,
    stdio: verbose ? 'inherit' : 'pipe',
  });
  return { changedFiles: ['package-lock.json'], deletedFiles: [] };
}

module.exports = PackageJsonVersionActions;
module.exports.default = PackageJsonVersionActions;
module.exports.afterAllProjectsVersioned = afterAllProjectsVersioned;
