import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { isInside } from '../fs/is-inside.js';

/**
 * The repository a config belongs to: the git work tree around `dir`, else
 * `dir` itself. Files a config names must stay inside it, so a config (from a
 * pull request, say) cannot make readme-gen read or overwrite files elsewhere.
 */
export function repositoryRoot(dir: string): string {
  return gitTopLevel(dir) ?? dir;
}

/** The top of the git work tree around `dir`; undefined outside one (or without git). */
export function gitTopLevel(dir: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Refuses `file` when it resolves outside `root` — through `..`, an absolute
 * path or a symbolic link. A file that does not exist yet (an output) is
 * judged by the nearest directory above it that does.
 */
export function assertInside(root: string, file: string, where: () => string): void {
  const realRoot = realpath(root);
  const real = realpathOfNearest(file);
  if (isInside(realRoot, real)) return;
  const resolved = real === path.resolve(file) ? '' : ` (it resolves to ${real})`;
  throw new InputError(
    `${where()}: ${file}${resolved} is outside the repository (${root}); keep it inside, or pass --allow-outside if that is intended`,
  );
}

function realpathOfNearest(file: string): string {
  const rest: string[] = [];
  let current = path.resolve(file);
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return path.join(current, ...rest);
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

function realpath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
