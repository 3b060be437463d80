import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { noteAbsent, notePresent } from '../fs/input-log.js';
import { isInside } from '../fs/is-inside.js';

/**
 * The repository a config belongs to: the git work tree around `dir`, else
 * `dir` itself. Files a config names must stay inside it, so a config (from a
 * pull request, say) cannot make readme-gen read or overwrite files elsewhere.
 */
export function repositoryRoot(dir: string): string {
  const top = gitTopLevel(dir);
  noteDiscovery(dir, top);
  return top ?? dir;
}

/**
 * What git's discovery found between `dir` and the top of its work tree, as
 * inputs of the render under way (see recordInputs): no .git below the top,
 * and the top's own. A .git added or removed there moves the repository's
 * bounds, and a file a config names may no longer be inside them.
 */
function noteDiscovery(dir: string, top: string | undefined): void {
  for (let current = realpath(dir); ; current = path.dirname(current)) {
    const git = path.join(current, '.git');
    if (current === top) return notePresent(git);
    noteAbsent(git);
    if (path.dirname(current) === current) return;
  }
}

/** Top levels git gave, by the real path of the directory asked about (undefined: not in a work tree). */
const topLevels = new Map<string, string | undefined>();

/**
 * The top of the git work tree around `dir`; undefined outside one (or without
 * git). Once per work tree, not per directory: `render --all` over 1,000
 * images spent more time spawning git than checking READMEs. A directory whose
 * ancestor git was asked about, with no .git in between and on the same file
 * system (git's discovery stops at a mount), gets the ancestor's answer, as
 * git's discovery would; anything else is asked of git.
 */
export function gitTopLevel(dir: string): string | undefined {
  const real = realpath(dir);
  const known = knownTopLevel(real);
  if (known !== null) return known;
  let top: string | undefined;
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    top = undefined;
  }
  topLevels.set(real, top);
  if (top !== undefined) topLevels.set(top, top);
  return top;
}

/** The top level known for `real` or an ancestor that must share it; null when git has to be asked. */
function knownTopLevel(real: string): string | undefined | null {
  if (topLevels.has(real)) return topLevels.get(real);
  // These change where git looks (a ceiling may stop it between a directory and its ancestor): git answers each.
  if (['GIT_DIR', 'GIT_WORK_TREE', 'GIT_CEILING_DIRECTORIES'].some((name) => process.env[name] !== undefined)) return null;
  let device: number;
  try {
    device = statSync(real).dev;
  } catch {
    return null;
  }
  for (let dir = real; ;) {
    if (existsSync(path.join(dir, '.git'))) return null;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
    try {
      if (statSync(dir).dev !== device) return null;
    } catch {
      return null;
    }
    // git's discovery from below reaches this directory and goes on as it did when asked here.
    if (topLevels.has(dir)) return topLevels.get(dir);
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
