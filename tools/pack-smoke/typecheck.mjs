import { spawnSync } from 'node:child_process';
import path from 'node:path';

// tfjs 4.22's own declaration files do not compile with skipLibCheck off (for example `Long` in
// tfjs-core's hash_util.d.ts is never declared), which is why tfjs users set skipLibCheck. The
// check keeps skipLibCheck off so that errors in the peftjs declarations surface, and ignores
// only errors located inside @tensorflow's packages.
const IGNORED_ERROR_FILES = /^node_modules\/@tensorflow\//;

/**
 * Type-checks and compiles the consumer project with its own TypeScript, and throws when tsc
 * reports an error outside @tensorflow's declaration files. Returns the number of ignored errors.
 *
 * @param projectDir Scratch project folder containing tsconfig.json and node_modules/typescript.
 */
export function typecheckConsumer(projectDir) {
  const tsc = path.join('node_modules', 'typescript', 'bin', 'tsc');
  console.log(`$ node ${tsc} -p tsconfig.json --pretty false    (in ${projectDir})`);
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: projectDir,
    encoding: 'utf8',
  });
  if (result.error) throw new Error(`Could not start tsc: ${result.error.message}`);

  // Each diagnostic starts at column 0 with "file(line,col): error"; indented lines continue it.
  const diagnostics = [];
  for (const line of result.stdout.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line) && diagnostics.length > 0) diagnostics[diagnostics.length - 1] += `\n${line}`;
    else diagnostics.push(line);
  }
  const relevant = diagnostics.filter((diagnostic) => !IGNORED_ERROR_FILES.test(diagnostic));

  if (relevant.length > 0 || (result.status !== 0 && diagnostics.length === 0)) {
    throw new Error(
      `tsc reported ${relevant.length} error(s) in the consumer or the peftjs declarations ` +
        `(exit status ${result.status}):\n${relevant.join('\n') || result.stderr}`,
    );
  }
  return diagnostics.length;
}
