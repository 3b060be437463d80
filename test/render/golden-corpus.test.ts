import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { SignatureCheckError } from '../../src/signatures/signature-check-error.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * The 85 READMEs the original generator wrote (fixtures/corpus/<case>/expected.md,
 * imported from ../shared/corpus by scripts/import-corpus.ts) must come out of
 * the distroless template from their config and state, every signature
 * verified against the Sigstore public-good trusted root. Two things the
 * original did are not reproduced, by design: the random order of table rows
 * (compared as a set here) and cosign's stderr noise captured in files 013–027
 * (removed from the expected text before comparing). 008 was edited by hand
 * after generation and must be refused.
 */

const corpusDir = packageFile('fixtures', 'corpus');
const cases = readdirSync(corpusDir)
  .filter((name) => /^\d{3}-[0-9a-f]{7}$/.test(name))
  .sort();

const TUF_NOISE = /(?:tuf: warning using deprecated ecdsa hex-encoded keys\n)+\n/;

const HAND_EDITED = '008-7f0afbd';
const trust = loadTrust();

function renderCase(name: string, allowUnverified = false): string {
  const dir = path.join(corpusDir, name);
  const config = loadConfig({ cwd: dir, configPath: 'readme-gen.yaml' });
  assert.ok(config.statePath, `${name}: the fixture config names its state`);
  return renderReadme(config, loadState(config.statePath, dir), loadTemplateSet(config.template), trust, { allowUnverified }).markdown;
}

function expectedText(name: string): string {
  return readFileSync(path.join(corpusDir, name, 'expected.md'), 'utf8').replace(TUF_NOISE, '');
}

/** The README with its Signing section (up to the next heading) cut out. */
function outsideSigning(markdown: string): string {
  return markdown.replace(/\n## Signing\n[\s\S]*?\n## /, '\n## Signing\n(cut)\n## ');
}

function isTableRow(line: string): boolean {
  return line.startsWith('| `');
}

/** The lines outside the tags table in order, and the table rows as a sorted list. */
function splitRows(markdown: string): { rest: string[]; rows: string[] } {
  const lines = markdown.split('\n');
  return { rest: lines.filter((line) => !isTableRow(line)), rows: lines.filter(isTableRow).sort() };
}

describe('the distroless template reproduces the original generator', () => {
  test('the corpus is all there', () => {
    assert.equal(cases.length, 85);
  });

  for (const name of cases.filter((name) => name !== HAND_EDITED)) {
    test(name, () => {
      const want = splitRows(expectedText(name));
      const got = splitRows(renderCase(name));
      assert.deepEqual(got.rows, want.rows, `${name}: table rows`);
      assert.equal(got.rest.join('\n'), want.rest.join('\n'), `${name}: everything outside the table rows`);
    });
  }

  test(`${HAND_EDITED}, edited by hand, is refused: its printed payload does not match the logged entry`, () => {
    assert.throws(
      () => renderCase(HAND_EDITED),
      (error: unknown) =>
        error instanceof SignatureCheckError && error.check === 'e' && /payload does not match the logged entry/.test(error.message),
    );
  });

  test(`${HAND_EDITED} with --allow-unverified: a visible warning replaces the claim, the rest is reproduced`, () => {
    const rendered = renderCase(HAND_EDITED, true);
    assert.equal(outsideSigning(rendered), outsideSigning(expectedText(HAND_EDITED)));
    assert.match(
      rendered,
      /\n## Signing\n\n> \*\*Warning:\*\* the signature of `cgr\.dev\/chainguard\/glibc-dynamic:latest` could not be verified: .*check \\\(e\\\) log entry failed/,
    );
    assert.doesNotMatch(rendered, /The following checks were performed/);
  });

  test('the seed README is reproduced byte for byte, rows and all', () => {
    const seed = readFileSync(path.join(corpusDir, '006-4675c89', 'expected.md'), 'utf8');
    assert.equal(renderCase('006-4675c89'), seed);
  });

  test('the seed without ci-workflow: the same README without its CI badge', () => {
    const dir = path.join(corpusDir, '006-4675c89');
    const { ciWorkflow, ...config } = loadConfig({ cwd: dir, configPath: 'readme-gen.yaml' });
    assert.equal(ciWorkflow, 'release.yaml', 'test setup: the fixture config names the workflow');
    const seed = readFileSync(path.join(dir, 'expected.md'), 'utf8');
    const badge =
      /^\[!\[CI status\]\(https:\/\/github\.com\/distroless\/glibc-dynamic\/actions\/workflows\/release\.yaml\/badge\.svg\)\]\([^)]+\)\n\n/m;
    assert.match(seed, badge, 'test setup: the seed has the badge');

    const rendered = renderReadme(config, loadState(config.statePath as string, dir), loadTemplateSet(config.template), trust).markdown;

    assert.equal(rendered, seed.replace(badge, ''));
  });

  test('rows come in a fixed order: latest first, then the rest by their first tag', () => {
    const rendered = renderCase('087-ef75992');
    const firstTags = rendered
      .split('\n')
      .filter(isTableRow)
      .map((line) => /^\| `([^`]+)`/.exec(line)?.[1]);
    assert.equal(firstTags.length, 15);
    assert.equal(firstTags[0], 'latest');
    const rest = firstTags.slice(1);
    assert.deepEqual(rest, [...rest].sort());
    assert.equal(renderCase('087-ef75992'), rendered, 'the same input renders the same bytes');
  });
});
