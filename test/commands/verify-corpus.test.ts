/**
 * The 85 real 2022 READMEs (../shared/corpus/glibc-dynamic, or their byte
 * copies fixtures/corpus/<case>/expected.md when the shared corpus is absent)
 * carry real Sigstore signatures. 84 are authentic; 008 was edited by hand
 * after generation (the organisation renamed inside the cosign output), so the
 * printed docker-reference no longer matches what was signed, and it must be
 * rejected at check (e): the payload rebuilt from the printed claims does not
 * hash to the logged entry's data hash.
 *
 * Checked three ways: `readme-gen verify` on the README files, the imported
 * state fixtures verified in-process, and `readme-gen render` of 008's fixture.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import type { SignatureVerdict } from '../../src/signatures/verify-state.js';
import { verifyStateSignatures } from '../../src/signatures/verify-state.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { loadState } from '../../src/state/load-state.js';
import { type CliRun, runCli, runCliAsync } from '../helpers/run-cli.js';

const HAND_EDITED = '008-7f0afbd';
const CASE_NAME = /^\d{3}-[0-9a-f]{7}$/;
const SHARED_CORPUS = path.resolve(packageFile(), '..', 'shared', 'corpus', 'glibc-dynamic');
const FIXTURE_CORPUS = packageFile('fixtures', 'corpus');

interface CorpusReadme {
  /** e.g. 006-4675c89 */
  name: string;
  /** the directory readme-gen runs in */
  cwd: string;
  /** the path passed to readme-gen, relative to cwd: how its messages name the file */
  file: string;
}

/** Every corpus README, from the shared corpus when present, else from the fixtures' byte copies. */
function corpusReadmes(): CorpusReadme[] {
  if (existsSync(SHARED_CORPUS)) {
    return readdirSync(SHARED_CORPUS)
      .filter((file) => CASE_NAME.test(file.replace(/\.md$/, '')) && file.endsWith('.md'))
      .sort()
      .map((file) => ({ name: file.replace(/\.md$/, ''), cwd: SHARED_CORPUS, file }));
  }
  return readdirSync(FIXTURE_CORPUS)
    .filter((name) => CASE_NAME.test(name))
    .sort()
    .map((name) => ({ name, cwd: FIXTURE_CORPUS, file: path.join(name, 'expected.md') }));
}

const readmes = corpusReadmes();
const authentic = readmes.filter((readme) => readme.name !== HAND_EDITED);
const handEdited = readmes.find((readme) => readme.name === HAND_EDITED);
const fixtureCases = readdirSync(FIXTURE_CORPUS)
  .filter((name) => CASE_NAME.test(name))
  .sort();

function assertOneLine(stderr: string): void {
  assert.match(stderr, /^readme-gen: [^\n]+\n$/, `expected one line on stderr, got ${JSON.stringify(stderr)}`);
}

/** The message a check-(e) failure of a payload rebuilt from a README carries. */
const PRINTED_PAYLOAD_MISMATCH = /check \(e\) log entry failed: the printed payload does not match the logged entry/;

describe('the corpus is complete', () => {
  test('85 READMEs, one of them the hand-edited 008', () => {
    assert.equal(readmes.length, 85);
    assert.ok(handEdited, `${HAND_EDITED} is in the corpus`);
  });

  test('85 imported state fixtures', () => {
    assert.equal(fixtureCases.length, 85);
    assert.ok(fixtureCases.includes(HAND_EDITED));
  });
});

describe('readme-gen verify on all corpus READMEs in one run', () => {
  // One invocation; every test below reads its own file's verdict from it.
  let batch: CliRun | undefined;
  const cwd = readmes[0]?.cwd ?? SHARED_CORPUS;
  const run = (): CliRun => (batch ??= runCli(['verify', ...readmes.map((readme) => readme.file)], cwd));
  const stdoutLines = (): string[] =>
    run()
      .stdout.split('\n')
      .filter((line) => line !== '');

  test('exits 4, with exactly 84 "authentic" lines on stdout', () => {
    const result = run();

    assert.equal(result.status, 4, result.stderr);
    assert.equal(stdoutLines().length, 84);
    assert.equal(stdoutLines().filter((line) => line.includes(': authentic: ')).length, 84);
  });

  test('the only failure reported is 008, at check (e)', () => {
    const result = run();

    assertOneLine(result.stderr);
    assert.ok(handEdited);
    assert.ok(result.stderr.startsWith(`readme-gen: ${handEdited.file}: sha256:`), result.stderr);
    assert.match(result.stderr, PRINTED_PAYLOAD_MISMATCH);
  });

  test('008 is not among the authentic lines', () => {
    assert.ok(handEdited);
    assert.equal(stdoutLines().filter((line) => line.startsWith(`${handEdited.file}:`)).length, 0);
  });

  for (const readme of authentic) {
    test(`${readme.name} is reported authentic, signed by the glibc-dynamic release workflow`, () => {
      const lines = stdoutLines().filter((line) => line.startsWith(`${readme.file}: `));

      assert.equal(lines.length, 1, `one line for ${readme.file}`);
      assert.match(
        lines[0] ?? '',
        /: authentic: cgr\.dev\/chainguard\/glibc-dynamic:latest sha256:[0-9a-f]{64} signed by https:\/\/github\.com\/(distroless|chainguard-images)\/glibc-dynamic\/\.github\/workflows\/release\.yaml@refs\/heads\/main \(issuer https:\/\/token\.actions\.githubusercontent\.com\), Rekor entry \d+$/,
      );
    });
  }
});

describe('readme-gen verify on each corpus README alone', { concurrency: 4 }, () => {
  for (const readme of authentic) {
    test(`${readme.name} exits 0`, async () => {
      const result = await runCliAsync(['verify', readme.file], readme.cwd);

      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.ok(result.stdout.startsWith(`${readme.file}: authentic: `), result.stdout);
    });
  }

  test('008 exits 4 with one stderr line: the printed payload does not match the logged entry (e)', async () => {
    assert.ok(handEdited);

    const result = await runCliAsync(['verify', handEdited.file], handEdited.cwd);

    assert.equal(result.status, 4);
    assert.equal(result.stdout, '');
    assertOneLine(result.stderr);
    assert.match(result.stderr, new RegExp(`^readme-gen: ${handEdited.file.replace(/[.]/g, '\\.')}: sha256:[0-9a-f]{64}: `));
    assert.match(result.stderr, PRINTED_PAYLOAD_MISMATCH);
  });
});

describe('the imported corpus states, verified in-process against the public-good root', () => {
  const trust = loadTrust();

  /** Every signature verdict of a fixture state, over all of its images. */
  function verdictsOf(name: string): SignatureVerdict[] {
    const dir = path.join(FIXTURE_CORPUS, name);
    const state = loadState(path.join(dir, 'state.json'), dir);
    return [...verifyStateSignatures(state, Object.keys(state.images), trust, {}).values()].flat();
  }

  for (const name of fixtureCases.filter((name) => name !== HAND_EDITED)) {
    test(`${name}: its one signature is verified`, () => {
      const verdicts = verdictsOf(name);

      assert.equal(verdicts.length, 1, 'the corpus state records one signature');
      const [verdict] = verdicts;
      assert.ok(verdict?.verified, verdict && !verdict.verified ? verdict.failure.message : 'no verdict');
      assert.equal(verdict.signer.keyed, false);
      assert.equal(verdict.signer.issuer, 'https://token.actions.githubusercontent.com');
    });
  }

  test('008: its one signature fails check (e), the payload does not match the logged entry', () => {
    const verdicts = verdictsOf(HAND_EDITED);

    assert.equal(verdicts.length, 1);
    const [verdict] = verdicts;
    assert.ok(verdict && !verdict.verified, '008 must not verify');
    assert.equal(verdict.failure.check, 'e');
    assert.match(verdict.failure.message, /the payload does not match the logged entry: its sha256 differs from the entry's data hash/);
  });
});

describe('readme-gen render of the 008 fixture', () => {
  const config = path.join('fixtures', 'corpus', HAND_EDITED, 'readme-gen.yaml');

  test('exits 4 with one stderr line naming check (e), and prints no README', () => {
    const result = runCli(['render', '--config', config], packageFile());

    assert.equal(result.status, 4);
    assert.equal(result.stdout, '');
    assertOneLine(result.stderr);
    assert.match(result.stderr, /^readme-gen: sha256:[0-9a-f]{64}: check \(e\) log entry failed: /);
  });

  test('with --allow-unverified exits 0 and renders a visible warning instead of the cosign output', () => {
    const result = runCli(['render', '--config', config, '--allow-unverified'], packageFile());

    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\*\*Warning:\*\*/);
    assert.match(result.stdout, /check \\\(e\\\) log entry failed/);
    assert.doesNotMatch(result.stdout, /Verification for /, 'an unverified signature is not shown as cosign output');
  });
});
