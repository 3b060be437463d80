import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { isInside } from '../fs/is-inside.js';
import { DEFAULT_CONFIG_FILE } from './discover-configs.js';
import { type LoadConfigOptions, loadConfig } from './load-config.js';
import type { ResolvedConfig } from './readme-gen-config.js';
import { gitTopLevel } from './repository-bounds.js';

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
