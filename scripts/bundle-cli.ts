/**
 * Bundles the CLI (dist/src/cli/main.js and everything it imports, readme-gen's
 * modules and its dependencies) into dist/bundle/ with esbuild: one file for
 * what every command loads, and a chunk for each part loaded only when used
 * (the registry client, TUF, the PR machinery), so laziness is kept. Node
 * resolved and loaded over 400 module files for the pre-commit hook's check
 * of one README, about a third of its time (issue 15, BENCHMARKS.md).
 * dist/src/cli/bin.js runs the bundle; tests import dist/src's modules.
 *
 * dist/bundle/ sits as deep below the repository as dist/src/, so
 * package-root's `../..` names the same root from either.
 *
 * Usage: node dist/scripts/bundle-cli.js   (part of npm run build)
 */
import { build } from 'esbuild';
import { packageFile } from '../src/package-root.js';

await build({
  entryPoints: [packageFile('dist', 'src', 'cli', 'main.js')],
  outdir: packageFile('dist', 'bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // The dependencies bundled are CommonJS modules that require Node's own modules.
  banner: { js: "import { createRequire as __readmeGenRequire } from 'node:module'; const require = __readmeGenRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
