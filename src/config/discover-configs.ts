import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { isInside } from '../fs/is-inside.js';
import { DEFAULT_CONFIG_FILE, type LoadConfigOptions, loadConfig } from './load-config.js';
import type { ResolvedConfig } from './readme-gen-config.js';
import { gitTopLevel } from './repository-bounds.js';

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

/** Where findReadmeConfig looked, for the message when it found nothing. */
export interface ReadmeConfigSearch {
  config?: ResolvedConfig;
  /** the directories searched, nearest first */
  searched: string[];
}

/**
 * The config whose output is `readme`: the readme-gen.yaml beside it or in the
 * nearest directory above it, up to the top of its repository (its git work
 * tree; outside one, `cwd` when the README is under it, else the README's own
 * directory), whose output resolves — as `render` resolves it — to the README.
 * A config above that renders another file is passed over.
 */
export function findReadmeConfig(readme: string, options: Omit<LoadConfigOptions, 'configPath'>): ReadmeConfigSearch {
  const target = realpathOrSelf(path.resolve(options.cwd, readme));
  const start = path.dirname(target);
  const top = gitTopLevel(start) ?? (isInside(realpathOrSelf(options.cwd), start) ? realpathOrSelf(options.cwd) : start);
  const searched: string[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    searched.push(dir);
    const candidate = path.join(dir, DEFAULT_CONFIG_FILE);
    if (existsSync(candidate)) {
      const config = loadConfig({ ...options, configPath: candidate });
      if (realpathOrSelf(config.outputPath) === target) return { config, searched };
    }
    if (dir === top || !isInside(top, dir) || path.dirname(dir) === dir) return { searched };
  }
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
