/**
 * Which tests `npm run test:unit` runs: decided here and nowhere else.
 * scripts/test.sh asks this file (run as a program) for the unit set and for
 * the rest, so `npm test` runs each test once; test/unit-suite.test.ts checks
 * that nothing in the unit set starts a registry, a git remote, pre-commit or
 * npm.
 *
 * The unit set is the tests that need none of those and run in seconds:
 * in-process tests, and readme-gen runs against files on disk. Tests that
 * need no service but run the CLI on every corpus case or every signing path
 * (verify-corpus, verify-bundle, load-config, tamper, keyless-e2e: about four
 * minutes together here) are left to the full suite, so the unit set stays
 * under two minutes on a 2-core machine.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../src/package-root.js';

/** Relative to test/: a folder (ending in /) stands for every test under it, now and later. */
export const UNIT_TESTS: readonly string[] = [
  'attestations/',
  'cli/',
  'diff/',
  'fs/',
  'http/',
  'lint/',
  'markdown/',
  'pr/',
  'render/',
  'state/',
  'tags/',
  'text/',
  'validation/',
  'commands/all.test.ts',
  'commands/dockerhub-profile.test.ts',
  'commands/kept-renders.test.ts',
  'commands/render-inputs.test.ts',
  'commands/render-modes.test.ts',
  'config/attestation-identity.test.ts',
  'config/original-flags.test.ts',
  'config/repository-bounds.test.ts',
  'harness/loopback-guard.test.ts',
  'registry/content-cache.test.ts',
  'registry/location.test.ts',
  'signatures/conformance.test.ts',
  'signatures/cosign3-bundles.test.ts',
  'signatures/legacy-timestamp.test.ts',
  'signatures/ordered-json.test.ts',
  'signatures/sigstore-bundle.test.ts',
  'signatures/timestamp-authority.test.ts',
  'signatures/verdict-cache.test.ts',
  'unit-suite.test.ts',
];

const TEST_FILE = /\.test\.ts$/;

/** Every test file under `dir` (absolute), as a path relative to test/, sorted. */
function testFilesUnder(testRoot: string, dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => TEST_FILE.test(name))
    .map((name) => path.relative(testRoot, path.join(dir, name)))
    .sort();
}

/** Every test file of the repository at `root`, relative to test/. */
export function allTests(root: string = packageFile()): string[] {
  const testRoot = path.join(root, 'test');
  return testFilesUnder(testRoot, testRoot);
}

/** The unit set, relative to test/; an entry that names nothing is an error, not an empty set. */
export function unitTests(root: string = packageFile()): string[] {
  const testRoot = path.join(root, 'test');
  const files = UNIT_TESTS.flatMap((entry) => {
    const full = path.join(testRoot, entry);
    if (entry.endsWith('/') && existsSync(full) && statSync(full).isDirectory()) return testFilesUnder(testRoot, full);
    if (TEST_FILE.test(entry) && existsSync(full)) return [entry];
    throw new Error(`test/unit-suite.ts: UNIT_TESTS names test/${entry}, which is not a test file or a folder`);
  });
  return [...new Set(files)].sort();
}

// Run as a program (scripts/test.sh): prints the compiled files of `unit` or of the `rest`, one a line.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const which = process.argv[2];
  if (which !== 'unit' && which !== 'rest') {
    process.stderr.write('usage: node dist/test/unit-suite.js unit|rest\n');
    process.exit(2);
  }
  const unit = new Set(unitTests());
  const chosen = allTests().filter((file) => unit.has(file) === (which === 'unit'));
  process.stdout.write(chosen.map((file) => `${path.join('dist', 'test', file.replace(/\.ts$/, '.js'))}\n`).join(''));
}
