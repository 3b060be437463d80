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
 * It writes the build's identity last (dist/bundle/build-id).
 *
 * Usage: node dist/scripts/bundle-cli.js   (part of npm run build)
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { BUILD_ID_FILE, packageFile } from '../src/package-root.js';

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

/**
 * The build's identity (package-root's readmeGenBuild): every file of the
 * bundle, the generated modules beside dist/src, and what readme-gen reads as
 * its own at run time (templates, JSON Schemas), by path and content.
 */
function buildId(): string {
  const files = [
    ...filesUnder(packageFile('dist', 'bundle')),
    ...filesUnder(packageFile('dist', 'src')).filter((file) => file.endsWith('.cjs')),
    ...filesUnder(packageFile('templates')),
    ...filesUnder(packageFile('src')).filter((file) => file.endsWith('.schema.json')),
    packageFile('package.json'),
  ].filter((file) => file !== packageFile(...BUILD_ID_FILE));
  const digest = createHash('sha256');
  for (const file of files.sort())
    digest
      .update(`${path.relative(packageFile(), file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return digest.digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

writeFileSync(packageFile(...BUILD_ID_FILE), `${buildId()}\n`);
