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

/** Where `npm run build` writes the build's identity (scripts/bundle-cli.ts). */
export const BUILD_ID_FILE = ['dist', 'bundle', 'build-id'] as const;

let build: string | null | undefined;

/**
 * The identity of this build of readme-gen: the sha256 of the bundled code
 * and of the files it reads as its own (templates, schemas), which `npm run
 * build` writes. Results kept across runs are keyed by it where the version
 * alone would be too coarse: a checkout rebuilt with changed code is another
 * readme-gen. Undefined when there is no build to name.
 */
export function readmeGenBuild(): string | undefined {
  if (build === undefined) {
    try {
      build = readFileSync(packageFile(...BUILD_ID_FILE), 'utf8').trim();
    } catch {
      build = null;
    }
  }
  return build ?? undefined;
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
