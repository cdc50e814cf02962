import { spawnSync } from 'node:child_process';

// `npm run pack-smoke` exports the workspace's prefix and manifest to its children. A child npm
// that inherited them could act on the workspace instead of the scratch project, so they are
// removed. The user's npm settings (cache, registry, certificates) are kept.
function childEnvironment() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    const isRunContext =
      key === 'npm_config_local_prefix' ||
      key === 'npm_command' ||
      key.startsWith('npm_package_') ||
      key.startsWith('npm_lifecycle_');
    if (isRunContext) delete env[key];
  }
  return env;
}

/**
 * Runs a command with inherited output and throws when it fails, naming the command, its folder
 * and its exit status, so that every failing step stops the smoke test loudly.
 *
 * @param command Executable name, looked up on PATH.
 * @param args Arguments, passed without a shell.
 * @param cwd Folder to run in.
 */
export function run(command, args, cwd) {
  console.log(`$ ${[command, ...args].join(' ')}    (in ${cwd})`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: childEnvironment() });
  if (result.error) throw new Error(`Could not start "${command}": ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`"${command} ${args.join(' ')}" failed in ${cwd} with exit status ${result.status ?? result.signal}.`);
  }
}

/**
 * Runs a command and returns its standard output; throws like {@link run} on failure, with the
 * command's standard error in the message.
 *
 * @param command Executable name, looked up on PATH.
 * @param args Arguments, passed without a shell.
 * @param cwd Folder to run in.
 */
export function capture(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: childEnvironment() });
  if (result.error) throw new Error(`Could not start "${command}": ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `"${command} ${args.join(' ')}" failed in ${cwd} with exit status ${result.status ?? result.signal}:\n${result.stderr}`,
    );
  }
  return result.stdout;
}
