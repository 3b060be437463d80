import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { packageFile } from '../../src/package-root.js';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { serializeState } from '../../src/state/serialize-state.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/** `render --profile dockerhub` on a README well over Docker Hub's 25,000-byte limit. */
function bigImage(t: Parameters<typeof temporaryDirectory>[0], rows: number): string {
  const dir = temporaryDirectory(t);
  const fixture = packageFile('fixtures', 'multi-arch');
  const state = JSON.parse(readFileSync(path.join(fixture, 'state.json'), 'utf8')) as ImageState;
  for (let i = 0; i < rows; i++) {
    const digest: Digest = `sha256:${i.toString(16).padStart(64, '0')}`;
    state.tags.push({ name: `2.${Math.floor(i / 10)}.${i % 10}`, digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    state.images[digest] = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
      signatures: [],
    };
  }
  writeFileSync(path.join(dir, 'state.json'), serializeState(state));
  cpSync(path.join(fixture, 'USAGE.md'), path.join(dir, 'USAGE.md'));
  writeFileSync(
    path.join(dir, 'readme-gen.yaml'),
    readFileSync(path.join(fixture, 'readme-gen.yaml'), 'utf8').replace(
      /^description: .*$/m,
      'description: "Base image. See [the changelog](docs/CHANGELOG.md) and ![logo](assets/logo.png). <!-- maintainers: keep short -->"',
    ),
  );
  return dir;
}

/** The rows of the README's first table, the tags table, as source lines. */
function firstTableRows(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| `'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('| '));
  return lines.slice(start, end);
}

function htmlIn(markdown: string): string[] {
  return [...walk(parseMarkdown(markdown))].flatMap((node) => (node.type === 'html' ? [node.value] : []));
}

describe('--profile dockerhub', () => {
  test('fits under 25,000 bytes by trimming the tags table, and says so', (t) => {
    const dir = bigImage(t, 450);
    const full = runCli(['render'], dir);
    assert.equal(full.status, 0, full.stderr);
    assert.ok(Buffer.byteLength(full.stdout) > 25_000, `the README is ${Buffer.byteLength(full.stdout)} bytes`);

    const hub = runCli(['render', '--profile', 'dockerhub'], dir);
    assert.equal(hub.status, 0, hub.stderr);
    assert.ok(Buffer.byteLength(hub.stdout) <= 25_000, `${Buffer.byteLength(hub.stdout)} bytes`);
    const rows = firstTableRows(hub.stdout);
    assert.ok(rows.length > 10 && rows.length < 453, `${rows.length} rows kept`);
    assert.deepEqual(rows, firstTableRows(full.stdout).slice(0, rows.length), 'the first rows, in order');
    assert.match(
      hub.stdout,
      new RegExp(
        `> \\*\\*Note:\\*\\* ${453 - rows.length} of 453 rows of this table are left out to fit Docker Hub's 25000-byte limit; the full list is in the README at https://github\\.com/acme/glibc-dynamic\\.`,
      ),
    );
    assert.match(hub.stdout, /## Signing/, 'the rest of the README is kept');
  });

  test('removes HTML comments and makes relative links absolute against the repository', (t) => {
    const dir = bigImage(t, 0);
    const hub = runCli(['render', '--profile', 'dockerhub'], dir);
    assert.equal(hub.status, 0, hub.stderr);
    const nodes = [...walk(parseMarkdown(hub.stdout))];
    assert.equal(nodes.filter((node) => node.type === 'html' && node.value.includes('<!--')).length, 0);
    assert.doesNotMatch(hub.stdout, /<!--/);
    assert.ok(hub.stdout.includes('[the changelog](https://github.com/acme/glibc-dynamic/blob/HEAD/docs/CHANGELOG.md)'));
    assert.ok(hub.stdout.includes('![logo](https://github.com/acme/glibc-dynamic/raw/HEAD/assets/logo.png)'));
    assert.ok(hub.stdout.includes('(https://search.sigstore.dev/?logIndex=3531608)'), 'absolute links are left alone');
  });

  for (const fixture of [packageFile('fixtures', 'multi-arch'), packageFile('fixtures', 'corpus', '003-1838479')]) {
    test(`carries no HTML: folded parts become a line linking to the README on the repository (${path.basename(fixture)})`, () => {
      // Arrange
      const full = runCli(['render'], fixture);
      assert.equal(full.status, 0, full.stderr);
      assert.ok(
        htmlIn(full.stdout).some((html) => html.includes('<details>')),
        'test setup: the README folds something',
      );

      // Act
      const hub = runCli(['render', '--profile', 'dockerhub'], fixture);

      // Assert
      assert.equal(hub.status, 0, hub.stderr);
      assert.deepEqual(htmlIn(hub.stdout), []);
      assert.doesNotMatch(hub.stdout, /<\/?(?:details|summary|br|code)\b/);
      assert.match(
        hub.stdout,
        /\*\*[^*\n]+:\*\* in the \[README on the repository\]\(https:\/\/github\.com\/[\w-]+\/glibc-dynamic#readme\), as Docker Hub cannot fold it\./,
      );
    });
  }

  test('the default template: the main tags table, the pull commands and the signing facts stay', () => {
    const hub = runCli(['render', '--profile', 'dockerhub'], packageFile('fixtures', 'multi-arch'));
    assert.equal(hub.status, 0, hub.stderr);
    assert.ok(hub.stdout.includes('| Tags | Platforms | Size | Updated | Signed | Digest |'));
    assert.match(hub.stdout, /\ndocker pull registry\.example\.com\/acme\/glibc-dynamic@sha256:f2203a550c14[0-9a-f]{52}\n/);
    assert.ok(hub.stdout.includes('- **Commit:** [95dda92156661666d99c1236102b748077571d26]'));
    assert.ok(hub.stdout.includes('**What `cosign verify` prints:** in the [README on the repository]'));
  });

  test('other HTML in the README is an error naming its line', (t) => {
    const dir = bigImage(t, 0);
    const config = path.join(dir, 'readme-gen.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(/^description: .*$/m, 'description: \'Base image. <img src="logo.png" width="40">\''),
    );
    const run = runCli(['render', '--profile', 'dockerhub'], dir);
    assert.equal(run.status, 2, run.stderr);
    assert.match(
      run.stderr,
      /--profile dockerhub: README line 5 has HTML \("<img src=\\"logo\.png\\" width=\\"40\\">"\), which Docker Hub shows as text or drops; write it as Markdown\n$/,
    );
  });

  test('will not overwrite the README with the Docker Hub version', (t) => {
    const dir = bigImage(t, 0);
    const run = runCli(['render', '--profile', 'dockerhub', '--write'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--output/);
    const written = runCli(['render', '--profile', 'dockerhub', '--write', '--output', 'README.dockerhub.md'], dir);
    assert.equal(written.status, 0, written.stderr);
    assert.doesNotMatch(readFileSync(path.join(dir, 'README.dockerhub.md'), 'utf8'), /<!--/);
  });
});
