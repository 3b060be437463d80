import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Absolute path of a file shipped with the package (templates, JSON Schemas).
 * This module compiles to dist/src/package-root.js, two levels below the root.
 */
export function packageFile(...segments: string[]): string {
  return path.join(fileURLToPath(new URL('../..', import.meta.url)), ...segments);
}
