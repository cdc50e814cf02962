// Runs inside the scratch project that tools/pack-smoke/run.mjs creates, against the installed
// tarballs: requires every @peftjs package listed in the project's package.json, checks that it
// exports something and shares the project's single copy of tfjs, then runs uses/<package>.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A module in uses/: exercises one package, returns a one-line summary, throws on failure. */
interface PackageUse {
  use(): Promise<string>;
}

const SCOPE = '@peftjs/';
// Compiled to build/smoke.js, so the project folder is one level up.
const projectDir = path.resolve(__dirname, '..');
const installDir = path.join(projectDir, 'node_modules');

function installedPackages(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8'));
  return Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith(SCOPE))
    .sort();
}

function checkInstalledCopy(name: string): void {
  const entry = require.resolve(name);
  if (!entry.startsWith(installDir + path.sep)) {
    throw new Error(`${name} resolved to ${entry}, outside ${installDir}; the smoke test must load the packed tarball.`);
  }

  // Two copies of tfjs mean two engines and two backend registries, so every package must
  // resolve the project's copy.
  const projectTfjs = require.resolve('@tensorflow/tfjs', { paths: [projectDir] });
  const packageTfjs = require.resolve('@tensorflow/tfjs', { paths: [path.dirname(entry)] });
  if (packageTfjs !== projectTfjs) {
    throw new Error(`${name} loads its own @tensorflow/tfjs (${packageTfjs}) instead of ${projectTfjs}; declare tfjs as a peer dependency.`);
  }
}

async function smokeTest(name: string): Promise<string> {
  checkInstalledCopy(name);

  const exported = Object.keys(require(name));
  if (exported.length === 0) throw new Error(`${name} exports nothing; expected its public API from dist/index.js.`);

  const useFile = path.join(__dirname, 'uses', `${name.slice(SCOPE.length)}.js`);
  if (!existsSync(useFile)) return `${exported.length} exports (no use in tools/pack-smoke/consumer/uses yet)`;

  const { use } = require(useFile) as PackageUse;
  return `${exported.length} exports; ${await use()}`;
}

async function main(): Promise<void> {
  const names = installedPackages();
  if (names.length === 0) throw new Error(`No ${SCOPE} package is listed in ${projectDir}/package.json.`);

  let failures = 0;
  for (const name of names) {
    try {
      console.log(`ok   ${name}: ${await smokeTest(name)}`);
    } catch (error) {
      failures += 1;
      console.log(`FAIL ${name}: ${(error as Error).stack ?? String(error)}`);
    }
  }
  if (failures > 0) throw new Error(`${failures} of ${names.length} packages failed the smoke test.`);
  console.log(`All ${names.length} packages load from their tarballs.`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
