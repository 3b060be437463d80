import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Absolute path of a file shipped with the package (templates, JSON Schemas).
 * This module compiles to dist/src/package-root.js, two levels below the root.
 */
export function packageFile(...segments: string[]): string {
  return path.join(fileURLToPath(new URL('../..', import.meta.url)), ...segments);
}

let version: string | undefined;

/** readme-gen's version, from its package.json, read once per process. */
export function readmeGenVersion(): string {
  return (version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version);
}

/**
 * A CommonJS module `npm run build` generated under dist/src (precompiled
 * schemas and templates), loaded synchronously; undefined when the build did
 * not make it. Found by its place in dist/src, not beside the caller: the CLI
 * runs its code from dist/bundle.
 */
export function builtModule<T>(...segments: string[]): T | undefined {
  try {
    return createRequire(import.meta.url)(packageFile('dist', 'src', ...segments)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return undefined;
  }
}
