import { readFileSync } from 'node:fs';
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
