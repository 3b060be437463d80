/**
 * `readme-gen render` in each of its modes, through the built binary, in a
 * scratch project holding fixtures/glibc-dynamic's config and state.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { END_MARKER, START_MARKER } from '../../src/markdown/inject-region.js';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

const PROJECT_FILES = ['readme-gen.yaml', 'state.json'];

/**
 * The README this config and state rendered historically (the corpus entry
 * fixtures/glibc-dynamic was imported from), not an output of readme-gen.
 */
const HISTORICAL_README = readFileSync(packageFile('fixtures', 'corpus', '006-4675c89', 'expected.md'), 'utf8');
const EDITED_LINE = 'The image is available on `cgr.dev`:';

/** A temporary directory holding a copy of fixtures/glibc-dynamic's config and state. */
function project(t: { after: (fn: () => void) => void }): string {
  const dir = temporaryDirectory(t);
  for (const name of PROJECT_FILES) copyFileSync(packageFile('fixtures', 'glibc-dynamic', name), path.join(dir, name));
  return dir;
}

function readme(dir: string): string {
  return readFileSync(path.join(dir, 'README.md'), 'utf8');
}

/** The lines a unified diff removes and adds, without its ---/+++ file header lines. */
function changedLines(diff: string): string[] {
  return diff.split('\n').filter((line) => /^[-+]/.test(line) && !/^(---|\+\+\+) [ab]\//.test(line));
}

/** A project whose README.md was written by readme-gen and then had one line edited by hand. */
function projectWithEditedReadme(t: { after: (fn: () => void) => void }): { dir: string; edited: string } {
  const dir = project(t);
  assert.equal(runCli(['render', '--write'], dir).status, 0);
  const written = readme(dir);
  assert.equal(written.split(EDITED_LINE).length, 2, 'the line to edit occurs once');
  const edited = written.replace(EDITED_LINE, 'The image is available on Docker Hub:');
  writeFileSync(path.join(dir, 'README.md'), edited);
  return { dir, edited };
}

function assertOneLineError(stderr: string): void {
  assert.match(stderr, /^readme-gen: [^\n]+\n$/, `expected one line on stderr, got ${JSON.stringify(stderr)}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

describe('readme-gen render modes', () => {
  test('the default mode prints the README to stdout and writes nothing', (t) => {
    const dir = project(t);

    const run = runCli(['render'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, HISTORICAL_README);
    assert.equal(run.stderr, '');
    assert.deepEqual(readdirSync(dir).sort(), PROJECT_FILES);
  });

  test('--write creates README.md and says so, and leaves no temporary file', (t) => {
    const dir = project(t);

    const run = runCli(['render', '--write'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, 'readme-gen: wrote README.md\n');
    assert.equal(run.stdout, '');
    assert.equal(readme(dir), HISTORICAL_README);
    assert.deepEqual(readdirSync(dir).sort(), ['README.md', ...PROJECT_FILES]);
  });

  test('a second --write says the file is up to date and does not touch it', (t) => {
    const dir = project(t);
    const file = path.join(dir, 'README.md');
    assert.equal(runCli(['render', '--write'], dir).status, 0);
    const past = new Date('2001-02-03T04:05:06Z');
    utimesSync(file, past, past);
    const before = statSync(file);

    const run = runCli(['render', '--write'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, 'readme-gen: README.md is up to date\n');
    const after = statSync(file);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(after.ino, before.ino);
    assert.deepEqual(readdirSync(dir).sort(), ['README.md', ...PROJECT_FILES]);
  });

  test('--check exits 0 and prints nothing when README.md is up to date', (t) => {
    const dir = project(t);
    assert.equal(runCli(['render', '--write'], dir).status, 0);

    const run = runCli(['render', '--check'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, '');
  });

  test('--check on a README with one line edited exits 1 with a diff of exactly that line, and leaves the file alone', (t) => {
    const { dir, edited } = projectWithEditedReadme(t);

    const run = runCli(['render', '--check'], dir);

    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /^--- a\/README\.md$/m);
    assert.match(run.stdout, /^\+\+\+ b\/README\.md$/m);
    assert.deepEqual(changedLines(run.stdout), ['-The image is available on Docker Hub:', `+${EDITED_LINE}`]);
    assert.equal(run.stderr, 'readme-gen: README.md is out of date; run `readme-gen render --write` to update it\n');
    assert.equal(readme(dir), edited);
  });

  test('--check when README.md is missing exits 1 and does not create it', (t) => {
    const dir = project(t);

    const run = runCli(['render', '--check'], dir);

    assert.equal(run.status, 1);
    assert.match(run.stderr, /README\.md is missing; run `readme-gen render --write`/);
    assert.equal(existsSync(path.join(dir, 'README.md')), false);
  });

  test('--diff prints the same diff as --check and exits 0, leaving the file alone', (t) => {
    const { dir, edited } = projectWithEditedReadme(t);
    const check = runCli(['render', '--check'], dir);

    const run = runCli(['render', '--diff'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(changedLines(run.stdout), ['-The image is available on Docker Hub:', `+${EDITED_LINE}`]);
    assert.equal(run.stdout, check.stdout);
    assert.equal(run.stderr, '');
    assert.equal(readme(dir), edited);
  });

  test('--write with --check is a usage error: exit 2, one line, nothing written', (t) => {
    const dir = project(t);

    const run = runCli(['render', '--write', '--check'], dir);

    assert.equal(run.status, 2);
    assertOneLineError(run.stderr);
    assert.match(run.stderr, /--write and --check cannot be combined/);
    assert.deepEqual(readdirSync(dir).sort(), PROJECT_FILES);
  });

  test('an unknown flag is a usage error: exit 2, one line naming the flag', (t) => {
    const dir = project(t);

    const run = runCli(['render', '--bogus'], dir);

    assert.equal(run.status, 2);
    assertOneLineError(run.stderr);
    assert.match(run.stderr, /unknown flag --bogus; see readme-gen render --help/);
    assert.equal(run.stdout, '');
  });

  test('--write into a README with markers fills the region and keeps every byte around it; --check then passes', (t) => {
    const dir = project(t);
    const head = `# My glibc image\n\nHand-written  intro,\twith odd   spacing.\n\n${START_MARKER}\n`;
    const tail = `${END_MARKER}\n\n## Hand-written footer\n\nNo trailing newline here.`;
    writeFileSync(path.join(dir, 'README.md'), `${head}old generated text\n${tail}`);

    const write = runCli(['render', '--write'], dir);
    const check = runCli(['render', '--check'], dir);

    assert.equal(write.status, 0, write.stderr);
    assert.equal(write.stderr, 'readme-gen: wrote README.md\n');
    assert.equal(readme(dir), `${head}\n${HISTORICAL_README.replace(/\n+$/, '')}\n\n${tail}`);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  test('--write to a file in a missing directory: exit 2, one line naming the file, nothing created', (t) => {
    const dir = project(t);

    const run = runCli(['render', '--write', '--output', 'missing-dir/README.md'], dir);

    assert.equal(run.status, 2);
    assertOneLineError(run.stderr);
    assert.match(run.stderr, /missing-dir\/README\.md/);
    assert.deepEqual(readdirSync(dir).sort(), PROJECT_FILES);
  });
});
