import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Root of the @peftjs/cli package. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
/** The built `peftjs` binary that the tests drive. */
export const BIN = join(PACKAGE_ROOT, 'dist', 'bin', 'peftjs.js');
/** Test data files. */
export const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
export const SMALL_REVIEWS = join(FIXTURES, 'reviews-40.tsv');

/** Output of one run of the binary. */
export interface CliResult {
  /** Exit status, or null when a signal ended the process. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function newestModification(directory: string, extension: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestModification(path, extension));
    else if (entry.name.endsWith(extension)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Raises with instructions when `dist/` is missing or older than `src/`, because the tests would
 * then run old code. `npm test` at the repository root builds first.
 */
export function assertBuilt(): void {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} does not exist: build the packages first with \`npm run build\` at the repository root.`);
  }
  const sources = newestModification(join(PACKAGE_ROOT, 'src'), '.ts');
  const built = newestModification(join(PACKAGE_ROOT, 'dist'), '.js');
  if (sources > built) {
    throw new Error(`packages/cli/dist is older than packages/cli/src: rebuild with \`npm run build\` at the repository root.`);
  }
}

/**
 * Runs `node dist/bin/peftjs.js ...args` and collects its output.
 *
 * @param args Command-line arguments.
 * @param cwd Working directory (default: the package root).
 */
export function runCli(args: readonly string[], cwd = PACKAGE_ROOT): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** Runs the binary and raises with its output unless it exits with status 0. */
export async function runCliOk(args: readonly string[], cwd = PACKAGE_ROOT): Promise<CliResult> {
  const result = await runCli(args, cwd);
  if (result.code !== 0) {
    throw new Error(`peftjs ${args.join(' ')} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`);
  }
  return result;
}

/** Creates an empty temporary directory. */
export function temporaryDirectory(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `peftjs-cli-${label}-`));
}
