import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * The 85 READMEs the original generator wrote (fixtures/corpus/<case>/expected.md,
 * imported from ../shared/corpus by scripts/import-corpus.ts) must come out of
 * the distroless template from their config and state. Two things the original
 * did are not reproduced, by design: the random order of table rows (compared
 * as a set here) and cosign's stderr noise captured in files 013–027 (removed
 * from the expected text before comparing).
 */

const corpusDir = packageFile('fixtures', 'corpus');
const cases = readdirSync(corpusDir).filter((name) => /^\d{3}-[0-9a-f]{7}$/.test(name)).sort();

const TUF_NOISE = /(?:tuf: warning using deprecated ecdsa hex-encoded keys\n)+\n/;

/**
 * 008 was edited by hand after generation: someone renamed the organisation in
 * the printed Subject too, but the certificate it came from names the old
 * organisation. readme-gen prints the certificate's SAN, so that line differs,
 * and must differ in exactly this way.
 */
const HAND_EDITED: Record<string, { printed: string; fromCertificate: string }> = {
  '008-7f0afbd': {
    printed: '      "Subject": "https://github.com/chainguard-images/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main",',
    fromCertificate: '      "Subject": "https://github.com/distroless/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main",',
  },
};

function renderCase(name: string): string {
  const dir = path.join(corpusDir, name);
  const config = loadConfig({ cwd: dir, configPath: 'readme-gen.yaml' });
  assert.ok(config.statePath, `${name}: the fixture config names its state`);
  return renderReadme(config, loadState(config.statePath, dir), loadTemplateSet(config.template));
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

  for (const name of cases) {
    test(name, () => {
      const expected = readFileSync(path.join(corpusDir, name, 'expected.md'), 'utf8').replace(TUF_NOISE, '');
      const rendered = renderCase(name);
      const edit = HAND_EDITED[name];
      const want = splitRows(edit ? expected.replace(edit.printed, edit.fromCertificate) : expected);
      const got = splitRows(rendered);
      if (edit) assert.ok(expected.includes(edit.printed), `${name}: the hand-edited line is where the corpus notes say`);
      assert.deepEqual(got.rows, want.rows, `${name}: table rows`);
      assert.equal(got.rest.join('\n'), want.rest.join('\n'), `${name}: everything outside the table rows`);
    });
  }

  test('the seed README is reproduced byte for byte, rows and all', () => {
    const seed = readFileSync(path.join(corpusDir, '006-4675c89', 'expected.md'), 'utf8');
    assert.equal(renderCase('006-4675c89'), seed);
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
