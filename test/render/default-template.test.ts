import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * fixtures/multi-arch: a multi-arch image rendered with our own template.
 * expected.md is generated, then reviewed: UPDATE_GOLDEN=1 rewrites it on
 * purpose, never to make a failing test pass.
 */
const dir = packageFile('fixtures', 'multi-arch');
const expectedFile = packageFile('fixtures', 'multi-arch', 'expected.md');

function renderFixture(): string {
  const config = loadConfig({ cwd: dir });
  assert.ok(config.statePath);
  return renderReadme(config, loadState(config.statePath, dir), loadTemplateSet(config.template), loadTrust());
}

function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('| `'));
}

describe('the default template', () => {
  const rendered = renderFixture();

  test('matches the reviewed golden file', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, rendered);
    assert.ok(existsSync(expectedFile), 'fixtures/multi-arch/expected.md is missing: run the tests with UPDATE_GOLDEN=1 and review it');
    assert.equal(rendered, readFileSync(expectedFile, 'utf8'));
  });

  test('orders rows latest first, then versions newest first, then other tags', () => {
    assert.deepEqual(
      tableRows(rendered).map((row) => row.split(' | ')[0]),
      ['| `latest` `2.36.1` `2.36`', '| `2.35.4` `2.35`', '| `edge`'],
    );
  });

  test('leaves out cosign signature tags', () => {
    assert.doesNotMatch(rendered, /\.sig`/);
  });

  test("lists every platform of a digest with that platform's own manifest digest", () => {
    const [latest] = tableRows(rendered);
    for (const [platform, digest] of [
      ['linux/amd64', 'a1'],
      ['linux/arm64', 'a2'],
      ['linux/arm/v7', 'a3'],
    ] as const) {
      assert.ok(latest?.includes(`\`${platform}\` \`sha256:${digest.repeat(32)}\``), platform);
    }
  });

  test("links a signed digest to its exact Rekor entry, from the signature's bundle", () => {
    const [latest, older] = tableRows(rendered);
    assert.ok(latest?.includes('[Rekor entry 3531608](https://search.sigstore.dev/?logIndex=3531608)'));
    assert.ok(older?.endsWith('| unsigned |'));
    assert.doesNotMatch(rendered, /rekor\.tlog\.dev/);
  });

  test('gives a verify command that names the identity and issuer', () => {
    assert.match(
      rendered,
      /cosign verify \\\n {2}--certificate-identity=https:\/\/github\.com\/distroless\/glibc-dynamic\/\.github\/workflows\/release\.yaml@refs\/heads\/main \\\n {2}--certificate-oidc-issuer=https:\/\/token\.actions\.githubusercontent\.com \\\n {2}registry\.example\.com\/acme\/glibc-dynamic:latest\n/,
    );
  });
});
