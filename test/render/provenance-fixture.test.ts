import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import type { AttestationRecord, Digest, ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { serializeState } from '../../src/state/serialize-state.js';
import {
  SLSA_V02,
  SLSA_V1,
  SPDX,
  buildkitLayer,
  buildkitProvenanceV02,
  githubProvenance,
  signAttLayer,
  spdxDocument,
  statement,
} from '../helpers/attestation-signing.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, issueLeaf, signBundle, trustedRoot } from '../helpers/signing.js';

/**
 * fixtures/provenance: an image whose latest is signed and has a signed
 * provenance bundle and a signed SBOM (.att), and whose 1.1 has BuildKit's
 * unsigned ones, rendered with the default template. UPDATE_GOLDEN=1 makes
 * the state (signed by a fresh test CA and log), the trusted root and
 * expected.md anew, on purpose; otherwise the committed files are checked:
 * render gives expected.md, verify passes it, and a hand edit of a fact or a
 * statement is exit 4 naming it.
 */
const dir = packageFile('fixtures', 'provenance');
const expectedFile = path.join(dir, 'expected.md');
const LOCATION = 'registry.example.com/acme/app';
const WORKFLOW = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const SOURCE = { repository: 'https://github.com/acme/app', commit: '4f2a9c0e1b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d' };
const OLD_SOURCE = { repository: 'https://github.com/acme/app', commit: '9b8a7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3' };
const SIGNED_AT = new Date(Date.UTC(2026, 10, 20, 9, 30));
const LOGGED_AT = Math.floor(SIGNED_AT.getTime() / 1000) + 45;

const digest = (seed: string): Digest => `sha256:${seed.repeat(64 / seed.length)}`;
const LATEST = digest('5e');
const OLD = digest('0c');
const platforms = (prefix: string) => [
  { os: 'linux', architecture: 'amd64', digest: digest(`${prefix}1`), size: 11_734_002 },
  { os: 'linux', architecture: 'arm64', digest: digest(`${prefix}2`), size: 11_102_311 },
];

async function makeFixture(): Promise<void> {
  const ca = await createCa();
  const log = createLog();
  const leaf = await issueLeaf(ca, { subject: WORKFLOW, issuer: ISSUER, notBefore: SIGNED_AT });
  const provenance = signBundle({
    digest: LATEST,
    statement: statement([LATEST], SLSA_V1, githubProvenance(SOURCE)),
    predicateType: SLSA_V1,
    leaf,
    log,
    logIndex: 7301,
    integratedTime: LOGGED_AT + 5,
  });
  provenance.annotations = { 'dev.sigstore.bundle.predicateType': SLSA_V1 };
  const sbom = signAttLayer({
    statement: statement([LATEST], SPDX, spdxDocument(['busybox', 'ca-certificates', 'glibc', 'libssl3', 'tzdata', 'wolfi-baselayout'])),
    predicateType: SPDX,
    leaf,
    log: { log, logIndex: 7302, integratedTime: LOGGED_AT + 10 },
  });
  const old = platforms('a');
  const unsigned: AttestationRecord[] = old.flatMap((platform) => [
    buildkitLayer(
      platform.digest,
      SLSA_V02,
      statement([platform.digest], SLSA_V02, buildkitProvenanceV02(OLD_SOURCE, 'https://github.com/docker/buildx/releases/tag/v0.19.3')),
    ),
    buildkitLayer(platform.digest, SPDX, statement([platform.digest], SPDX, spdxDocument(['busybox', 'glibc']))),
  ]);
  const state: ImageState = {
    schemaVersion: 1,
    repository: LOCATION,
    tags: [
      { name: 'latest', digest: LATEST, mediaType: INDEX_TYPE },
      { name: '1.2', digest: LATEST, mediaType: INDEX_TYPE },
      { name: '1.2.0', digest: LATEST, mediaType: INDEX_TYPE },
      { name: '1.1', digest: OLD, mediaType: INDEX_TYPE },
    ],
    images: {
      [LATEST]: {
        mediaType: INDEX_TYPE,
        platforms: platforms('b'),
        annotations: { 'org.opencontainers.image.created': '2026-11-20T09:28:00Z' },
        signatures: [signBundle({ digest: LATEST, leaf, log, logIndex: 7300, integratedTime: LOGGED_AT })],
        attestations: [provenance, sbom],
      },
      [OLD]: {
        mediaType: INDEX_TYPE,
        platforms: old,
        annotations: { 'org.opencontainers.image.created': '2026-10-02T14:00:00Z' },
        signatures: [],
        attestations: unsigned,
      },
    },
  };
  writeFileSync(path.join(dir, 'trusted_root.json'), `${JSON.stringify(trustedRoot(ca, log), null, 2)}\n`);
  writeFileSync(path.join(dir, 'state.json'), serializeState(state));
}

function renderFixture(): string {
  const config = loadConfig({ cwd: dir });
  const trust = loadTrust({ trustedRootPath: path.join(dir, 'trusted_root.json') });
  return renderReadme(config, loadState(config.statePath as string, dir), loadTemplateSet('default'), trust).markdown;
}

/** A copy of the fixture to edit, in a directory of its own. */
function copy(t: { after: (fn: () => void) => void }): string {
  const target = path.join(temporaryDirectory(t), 'provenance');
  cpSync(dir, target, { recursive: true });
  return target;
}

describe('the provenance fixture', () => {
  test('renders as the reviewed golden file', async () => {
    if (process.env.UPDATE_GOLDEN === '1') {
      await makeFixture();
      writeFileSync(expectedFile, renderFixture());
    }
    assert.ok(existsSync(expectedFile), 'fixtures/provenance/expected.md is missing: run this test with UPDATE_GOLDEN=1 and review it');
    assert.equal(renderFixture(), readFileSync(expectedFile, 'utf8'));
  });

  test("the README's example is this fixture's Provenance section, as rendered", () => {
    const expected = readFileSync(expectedFile, 'utf8');
    const section = expected.slice(expected.indexOf('## Provenance')).trimEnd();
    assert.ok(
      readFileSync(packageFile('README.md'), 'utf8').includes(`\`\`\`\`markdown\n${section}\n\`\`\`\``),
      'README.md: paste the section again',
    );
  });

  test('render --check passes offline, and verify finds the README authentic against the committed state', () => {
    assert.equal(runCli(['render', '--check', '--offline'], dir).status, 0);
    const verified = runCli(['verify', 'expected.md'], dir);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /authentic/);
  });

  test('a hand-edited provenance fact is exit 4 naming the fact and both values', (t) => {
    const edited = copy(t);
    const readme = path.join(edited, 'expected.md');
    const text = readFileSync(readme, 'utf8');
    const tampered = text.replace(`[${SOURCE.commit}]`, `[${OLD_SOURCE.commit}]`);
    assert.notEqual(tampered, text, 'test setup: the commit is printed');
    writeFileSync(readme, tampered);

    const run = runCli(['verify', 'expected.md'], edited);

    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, /expected\.md:\d+: the provenance fact "Commit" is \[9b8a7c6d.*; the committed state says \[4f2a9c0e/);
  });

  test('a statement whose subject is not the image stops render with exit 4, check (a) naming both digests', (t) => {
    const edited = copy(t);
    const stateFile = path.join(edited, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ImageState;
    const record = state.images[OLD]?.attestations?.[0];
    assert.ok(record?.format === 'buildkit', 'test setup: 1.1 has a BuildKit statement');
    const bytes = Buffer.from(record.payload, 'base64').toString('utf8');
    record.payload = Buffer.from(bytes.replaceAll(record.subject.slice('sha256:'.length), 'f'.repeat(64))).toString('base64');
    writeFileSync(stateFile, serializeState(state));

    const run = runCli(['render', '--check', '--offline'], edited);

    assert.equal(run.status, 4, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`${OLD}: check \\(a\\).*listed for the platform ${record.subject}, but its statement is about sha256:${'f'.repeat(64)}`),
    );
  });

  test('a predicate changed after signing stops render with exit 4, check (e): the statement is not the one the log holds', (t) => {
    const edited = copy(t);
    const stateFile = path.join(edited, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ImageState;
    const record = state.images[LATEST]?.attestations?.find((each) => each.format === 'sigstore-bundle');
    assert.ok(record?.format === 'sigstore-bundle', 'test setup: latest has a provenance bundle');
    const envelope = record.bundle.dsseEnvelope as { payload: string };
    const statement = Buffer.from(envelope.payload, 'base64').toString('utf8');
    assert.ok(statement.includes(SOURCE.commit), 'test setup: the statement names the commit');
    envelope.payload = Buffer.from(statement.replaceAll(SOURCE.commit, OLD_SOURCE.commit)).toString('base64');
    writeFileSync(stateFile, serializeState(state));

    const run = runCli(['render', '--check', '--offline'], edited);

    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, new RegExp(`${LATEST}: check \\(e\\) log entry failed: the statement does not match the logged entry`));
  });
});

describe('the provenance fixture without an image signature', () => {
  test('verify holds its provenance facts to the committed state though it prints no cosign output', (t) => {
    const unsigned = copy(t);
    const stateFile = path.join(unsigned, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ImageState;
    for (const image of Object.values(state.images)) image.signatures = [];
    writeFileSync(stateFile, serializeState(state));
    assert.equal(runCli(['render', '--write', '--offline'], unsigned).status, 0);

    const verified = runCli(['verify', 'expected.md'], unsigned);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(
      verified.stdout,
      /^expected\.md: authentic: registry\.example\.com\/acme\/app:latest sha256:(5e)+ not signed, as the committed state/,
    );

    const readme = path.join(unsigned, 'expected.md');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('6 packages', '7 packages'));
    const tampered = runCli(['verify', 'expected.md'], unsigned);
    assert.equal(tampered.status, 4, tampered.stderr);
    assert.match(tampered.stderr, /the provenance fact "SBOM" is SPDX \(`SPDX-2\.3`\), 7 packages/);
  });
});

describe('the provenance fixture under an attestation-identity', () => {
  test('a signer other than attestation-identity names is exit 4 (policy), though the image signature passes identity', (t) => {
    const edited = copy(t);
    const config = path.join(edited, 'readme-gen.yaml');
    writeFileSync(
      config,
      `${readFileSync(config, 'utf8')}attestation-identity:\n  certificate-identity: https://github.com/acme/provenance/.github/workflows/attest.yml@refs/tags/v1\n  certificate-oidc-issuer: ${ISSUER}\n`,
    );

    const run = runCli(['render', '--check', '--offline'], edited);

    assert.equal(run.status, 4, run.stderr);
    assert.ok(run.stderr.includes(`x`), run.stderr);
  });
});
