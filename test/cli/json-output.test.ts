import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/**
 * --json on render and verify: one JSON object on stdout, for scripts, with
 * the same exit codes as the text output. (snapshot's is tested in
 * test/commands/snapshot-check.test.ts and test/registry/snapshot.test.ts,
 * pr's in test/commands/pr.test.ts.)
 */

/** The multi-arch example: its latest digest carries a real 2022 public-good signature. */
function workspace(t: Parameters<typeof temporaryDirectory>[0]): string {
  const dir = temporaryDirectory(t);
  const fixture = packageFile('fixtures', 'multi-arch');
  for (const file of ['state.json', 'USAGE.md']) cpSync(path.join(fixture, file), path.join(dir, file));
  writeFileSync(
    path.join(dir, 'readme-gen.yaml'),
    readFileSync(path.join(fixture, 'readme-gen.yaml'), 'utf8').replace(/^output: .*$/m, 'output: README.md'),
  );
  return dir;
}

interface RenderJson {
  mode: string;
  readmes: { config: string; output: string; upToDate: boolean; missing: boolean; written: boolean; content?: string; diff?: string }[];
}

describe('render --json', () => {
  test('print: the README the text output prints, as content, and nothing on stderr', (t) => {
    const dir = workspace(t);
    const text = runCli(['render'], dir);

    const run = runCli(['render', '--json'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const json = JSON.parse(run.stdout) as RenderJson;
    assert.deepEqual(json, {
      mode: 'print',
      readmes: [{ config: 'readme-gen.yaml', output: 'README.md', upToDate: false, missing: true, written: false, content: text.stdout }],
    });
  });

  test('check: exit 1 with the diff while stale; write; then exit 0 and up to date', (t) => {
    const dir = workspace(t);

    const stale = runCli(['render', '--check', '--json'], dir);
    const written = runCli(['render', '--write', '--json'], dir);
    const current = runCli(['render', '--check', '--json'], dir);

    assert.equal(stale.status, 1);
    const staleJson = JSON.parse(stale.stdout) as RenderJson;
    assert.match(staleJson.readmes[0]?.diff ?? '', /^--- a\/README\.md\n\+\+\+ b\/README\.md\n/);
    assert.equal(written.status, 0);
    assert.deepEqual(
      (JSON.parse(written.stdout) as RenderJson).readmes.map((readme) => [readme.written, readme.upToDate]),
      [[true, false]],
    );
    assert.equal(current.status, 0);
    assert.deepEqual(JSON.parse(current.stdout), {
      mode: 'check',
      readmes: [{ config: 'readme-gen.yaml', output: 'README.md', upToDate: true, missing: false, written: false, diff: '' }],
    });
  });
});

describe('verify --json', () => {
  test('an authentic README: its reference, digest, signer and log entry; a hand-edited one: the failed check, exit 4', (t) => {
    const dir = workspace(t);
    assert.equal(runCli(['render', '--write'], dir).status, 0);
    const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as { tags: { name: string; digest: string }[] };
    const latest = state.tags.find((tag) => tag.name === 'latest')?.digest;

    const run = runCli(['verify', 'README.md', '--json'], dir);

    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout) as {
      authentic: boolean;
      readmes: {
        file: string;
        authentic: boolean;
        reference: string;
        digest: string;
        signers: { subject?: string; keyed: boolean }[];
        logIndexes: number[];
      }[];
    };
    assert.equal(json.authentic, true);
    const [readme] = json.readmes;
    assert.deepEqual(
      [readme?.file, readme?.authentic, readme?.reference, readme?.digest],
      ['README.md', true, 'registry.example.com/acme/glibc-dynamic:latest', latest],
    );
    assert.equal(readme?.signers.length, 1);
    assert.equal(readme?.signers[0]?.keyed, false);
    assert.match(readme?.signers[0]?.subject ?? '', /^https:\/\/github\.com\//);
    assert.equal(readme?.logIndexes.length, 1);

    const file = path.join(dir, 'README.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/"docker-reference": "[^"]*"/, '"docker-reference": "registry.example.com/acme/other"'),
    );
    const edited = runCli(['verify', 'README.md', '--json'], dir);

    assert.equal(edited.status, 4);
    const failed = JSON.parse(edited.stdout) as { authentic: boolean; readmes: { authentic: boolean; check?: string; message: string }[] };
    assert.equal(failed.authentic, false);
    // The edited claims no longer hash to what the log entry recorded.
    assert.deepEqual([failed.readmes[0]?.authentic, failed.readmes[0]?.check], [false, 'e']);
    assert.match(failed.readmes[0]?.message ?? '', /^README\.md: sha256:[0-9a-f]{64}: check \(e\) log entry failed: /);
  });
});
