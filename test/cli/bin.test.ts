import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { runCli } from '../helpers/run-cli.js';

/** `npx readme-gen`, the README's first command, runs the bin file itself: it must be executable. */
test('the readme-gen bin runs as a program, not only through node', () => {
  const bin = packageFile('dist', 'src', 'cli', 'bin.js');
  const run = runCli(['--version'], process.cwd(), {}, { node: null });
  assert.equal(run.error, undefined, `spawning ${bin}: ${run.error?.message}`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${(JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version}\n`);
});
