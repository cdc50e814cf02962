import path from 'node:path';

import { capture } from './exec.mjs';

// Files a published package may contain: its manifest, README and licence, the compiled dist/,
// and the assets/ it reads at run time (models' and cli's data). Sources and tests stay in the
// repository.
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICEN[CS]E(\.\w+)?$/, /^dist\//, /^assets\//];
const REQUIRED = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts'];

/**
 * Packs one workspace package into `destination` with `npm pack` and checks the file list.
 * Returns `{ name, tarball, fileCount, assetCount, size, buildInfoPacked }`, or throws naming the missing or unexpected files.
 *
 * @param pkg `{ name, dir }` of the package to pack.
 * @param destination Folder that receives the tarball.
 */
export function packPackage(pkg, destination) {
  const output = capture('npm', ['pack', '--json', '--pack-destination', destination], pkg.dir);
  const [report] = JSON.parse(output);
  const files = report.files.map((file) => file.path);

  const missing = REQUIRED.filter((file) => !files.includes(file));
  const unexpected = files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
  const problems = [];
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')} (build first with npm run build, and give every package a README.md)`);
  if (unexpected.length > 0) problems.push(`unexpected ${unexpected.join(', ')} (limit "files" in ${pkg.dir}/package.json to dist, assets and README.md)`);
  if (problems.length > 0) throw new Error(`The tarball of ${pkg.name} is invalid: ${problems.join('; ')}.`);

  return {
    name: pkg.name,
    tarball: path.join(destination, report.filename),
    fileCount: files.length,
    assetCount: files.filter((file) => file.startsWith('assets/')).length,
    size: report.size,
    buildInfoPacked: files.some((file) => file.endsWith('.tsbuildinfo')),
  };
}
