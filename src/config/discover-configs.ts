import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

/**
 * The config's name: what --all looks for, and what a command reads when no
 * --config is given. Here, not beside the config's reader, so that finding
 * configs does not load it (the pre-commit hook's check of unchanged images
 * reads no config; see KeptRenders).
 */
export const DEFAULT_CONFIG_FILE = 'readme-gen.yaml';

/**
 * Every readme-gen.yaml under `cwd` (--all), sorted. In a git work tree the
 * files git would consider — tracked or untracked, not ignored — so .gitignore
 * is honoured exactly as git reads it; elsewhere a walk that skips dot
 * directories and node_modules.
 */
export function discoverConfigs(cwd: string): string[] {
  const files = gitFiles(cwd) ?? walk(cwd);
  const configs = files.filter((file) => path.basename(file) === DEFAULT_CONFIG_FILE).map((file) => path.resolve(cwd, file));
  if (configs.length === 0) throw new InputError(`--all: no ${DEFAULT_CONFIG_FILE} under ${cwd}`);
  return configs.sort();
}

function gitFiles(cwd: string): string[] | undefined {
  try {
    const output = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 2 ** 20,
    });
    return output.split('\0').filter((file) => file !== '');
  } catch {
    return undefined;
  }
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory())
      return entry.name.startsWith('.') || entry.name === 'node_modules' ? [] : walk(path.join(dir, entry.name), relative);
    return entry.isFile() ? [relative] : [];
  });
}
