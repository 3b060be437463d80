import path from 'node:path';

/**
 * Whether `file` is `root` or below it, by path alone (the caller resolves
 * links). A name that merely starts with two dots (`..foo`) is inside.
 */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  if (path.isAbsolute(relative)) return false;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`);
}
