import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { packageFile } from '../../src/package-root.js';

/**
 * This repository as a clone or an action's checkout holds it: the files git
 * tracks, plus new ones it does not ignore yet (so the change under test is
 * in), as they are in the working tree. No node_modules, no dist: whoever
 * installs from it has to build it.
 */
export function copyCheckout(destination: string): void {
  const root = packageFile();
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  }).split('\0');
  for (const file of files) {
    // Deleted in the working tree but not yet in the index: a clone of the change would not have it either.
    if (file === '' || !existsSync(path.join(root, file))) continue;
    mkdirSync(path.dirname(path.join(destination, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(destination, file));
  }
}

/**
 * Unsets the variables npm gives the scripts it runs (`npm test` is one):
 * `npm_config_prefix`, `npm_config_local_prefix`, `npm_package_*`, … would
 * point an npm started by a test at this repository instead of the user's
 * directory it runs in. The user's own `NPM_CONFIG_*` (upper case) stay.
 */
export function outsideNpmScripts(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => name.startsWith('npm_'))
      .map((name) => [name, undefined]),
  );
}
