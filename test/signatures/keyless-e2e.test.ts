/**
 * Signing end to end with a private Sigstore generated here (a Fulcio-like CA,
 * a Rekor-like log key, test/helpers/signing.ts): a workspace holding
 * readme-gen.yaml, a state.json serialised as readme-gen writes it, and a
 * trusted_root.json naming the test CA and log, run through the built binary.
 * Keyless signatures need --trusted-root to verify; keyed ones need --key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Check } from '../../src/signatures/signature-check-error.js';
import type { CosignSignatureRecord, Digest, ImageState } from '../../src/state/image-state.js';
import { serializeState } from '../../src/state/serialize-state.js';
import { type CliRun, runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, createSigningKey, issueLeaf, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';

const LOCATION = 'registry.example.com/acme/app';
const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const DIGEST = digestOf('the acme/app image index');
const OTHER_DIGEST = digestOf('another image index');
const LOG_INDEX = 424_242;
/** The certificate is issued at SIGNED_AT and lives ten minutes; the log takes the entry two minutes in. */
const SIGNED_AT = new Date(Date.UTC(2025, 4, 1, 12, 0, 0));
const INTEGRATED_TIME = SIGNED_AT.getTime() / 1000 + 120;

function digestOf(text: string): Digest {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

// One private Sigstore for the whole file: a CA, a log, and a leaf issued to the release workflow.
const ca = await createCa();
const log = createLog();
const leaf = await issueLeaf(ca, { subject: SUBJECT, issuer: ISSUER, notBefore: SIGNED_AT });

/** A keyless signature of `signedDigest`, logged in the test log. */
function keylessSignature(signedDigest: string = DIGEST): CosignSignatureRecord {
  return signLegacy({
    payload: payloadFor(signedDigest, LOCATION, [['run_id', '7']]),
    privateKey: leaf.privateKey,
    certificatePem: leaf.pem,
    log: { log, logIndex: LOG_INDEX, integratedTime: INTEGRATED_TIME },
  });
}

function stateWith(signature: CosignSignatureRecord): ImageState {
  return {
    schemaVersion: 1,
    repository: LOCATION,
    tags: [{ name: 'latest', digest: DIGEST, mediaType: INDEX_MEDIA_TYPE }],
    images: {
      [DIGEST]: { mediaType: INDEX_MEDIA_TYPE, platforms: [{ os: 'linux', architecture: 'amd64' }], signatures: [signature] },
    },
  };
}

const CONFIG = ['name: app', `location: ${LOCATION}`, 'template: default', 'state: state.json', ''].join('\n');

/** A project directory with readme-gen.yaml, state.json holding `signature`, and root.json trusting the test CA and log. */
function workspace(t: { after: (fn: () => void) => void }, signature: CosignSignatureRecord): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), CONFIG);
  writeFileSync(path.join(dir, 'state.json'), serializeState(stateWith(signature)));
  writeFileSync(path.join(dir, 'root.json'), JSON.stringify(trustedRoot(ca, log)));
  return dir;
}

function assertRejected(run: CliRun, check: Check): void {
  assert.equal(run.status, 4, `not rejected: ${run.stdout}${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^readme-gen: [^\n]+\n$/, 'one line on stderr');
  assert.match(run.stderr, check === 'policy' ? /: check identity policy failed: / : new RegExp(`: check \\(${check}\\) [a-z ]+ failed: `));
}

describe('keyless signing with a private CA and log (--trusted-root)', () => {
  test('render verifies the signature and links its Rekor entry', (t) => {
    const dir = workspace(t, keylessSignature());

    const run = runCli(['render', '--trusted-root', 'root.json'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout.includes(`https://search.sigstore.dev/?logIndex=${LOG_INDEX}`), 'the README links the log entry');
    assert.ok(run.stdout.includes(`by \`${SUBJECT}\` (issuer \`${ISSUER}\`)`), 'the README names the verified signer');
  });

  test('the rendered verify command names the signer and its issuer', (t) => {
    const dir = workspace(t, keylessSignature());

    const run = runCli(['render', '--trusted-root', 'root.json'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.ok(
      run.stdout.includes(
        [
          'cosign verify \\',
          `  --certificate-identity=${SUBJECT} \\`,
          `  --certificate-oidc-issuer=${ISSUER} \\`,
          `  ${LOCATION}:latest`,
        ].join('\n'),
      ),
      run.stdout,
    );
  });

  test('a matching --certificate-identity passes', (t) => {
    const dir = workspace(t, keylessSignature());

    const run = runCli(['render', '--trusted-root', 'root.json', '--certificate-identity', SUBJECT], dir);

    assert.equal(run.status, 0, run.stderr);
  });

  test('another --certificate-identity fails the identity policy', (t) => {
    const dir = workspace(t, keylessSignature());

    const run = runCli(
      [
        'render',
        '--trusted-root',
        'root.json',
        '--certificate-identity',
        'https://github.com/acme/other/.github/workflows/release.yaml@refs/heads/main',
      ],
      dir,
    );

    assertRejected(run, 'policy');
    assert.ok(run.stderr.includes(`signed by ${SUBJECT}`), run.stderr);
  });

  test('without --trusted-root (the public-good root) the certificate does not chain: (c)', (t) => {
    const dir = workspace(t, keylessSignature());

    const run = runCli(['render'], dir);

    assertRejected(run, 'c');
  });

  test('a signature whose payload names another digest fails (a)', (t) => {
    const dir = workspace(t, keylessSignature(OTHER_DIGEST));

    const run = runCli(['render', '--trusted-root', 'root.json'], dir);

    assertRejected(run, 'a');
    assert.ok(run.stderr.includes(`signs ${OTHER_DIGEST}, not this digest`), run.stderr);
  });
});

describe('readme-gen verify on the README the default template rendered', () => {
  /** A workspace whose README.md readme-gen just wrote. */
  function renderedWorkspace(t: { after: (fn: () => void) => void }): string {
    const dir = workspace(t, keylessSignature());
    const write = runCli(['render', '--write', '--trusted-root', 'root.json'], dir);
    assert.equal(write.status, 0, write.stderr);
    assert.match(readFileSync(path.join(dir, 'README.md'), 'utf8'), /\nVerification for registry\.example\.com\/acme\/app:latest --\n/);
    return dir;
  }

  test('is authentic with --trusted-root', (t) => {
    const dir = renderedWorkspace(t);

    const run = runCli(['verify', 'README.md', '--trusted-root', 'root.json'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      `README.md: authentic: ${LOCATION}:latest ${DIGEST} signed by ${SUBJECT} (issuer ${ISSUER}), Rekor entry ${LOG_INDEX}\n`,
    );
  });

  test('is rejected without it: the public-good root does not hold the test CA (c)', (t) => {
    const dir = renderedWorkspace(t);

    const run = runCli(['verify', 'README.md'], dir);

    assertRejected(run, 'c');
    assert.match(run.stderr, /^readme-gen: README\.md: /);
  });
});

describe('keyed signing (--key)', () => {
  const key = createSigningKey();
  const otherKey = createSigningKey();

  /** A workspace signed with `key`, not logged unless `logged`, with cosign.pub and other.pub beside it. */
  function keyedWorkspace(t: { after: (fn: () => void) => void }, logged = false): string {
    const signature = signLegacy({
      payload: payloadFor(DIGEST, LOCATION),
      privateKey: key.privateKey,
      ...(logged ? { log: { log, logIndex: LOG_INDEX, integratedTime: INTEGRATED_TIME } } : {}),
    });
    const dir = workspace(t, signature);
    writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
    writeFileSync(path.join(dir, 'other.pub'), otherKey.publicKeyPem);
    return dir;
  }

  test('render with the signing key verifies it, and the output says a public key was used', (t) => {
    const dir = keyedWorkspace(t);

    const run = runCli(['render', '--key', 'cosign.pub'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout.includes('  - The signatures were verified against the specified public key\n'), run.stdout);
    // Not logged: cosign must be told not to look the signature up in the log (test/signatures/keyed-unlogged.test.ts).
    assert.ok(run.stdout.includes(`cosign verify --key cosign.pub --insecure-ignore-tlog=true ${LOCATION}:latest\n`), run.stdout);
  });

  test('without --key the signature cannot be checked: (b)', (t) => {
    const dir = keyedWorkspace(t);

    const run = runCli(['render'], dir);

    assertRejected(run, 'b');
  });

  test('with another key the signature does not verify: (b)', (t) => {
    const dir = keyedWorkspace(t);

    const run = runCli(['render', '--key', 'other.pub'], dir);

    assertRejected(run, 'b');
  });

  test('keyed and logged: --key and --trusted-root verify it', (t) => {
    const dir = keyedWorkspace(t, true);

    const run = runCli(['render', '--key', 'cosign.pub', '--trusted-root', 'root.json'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout.includes(`https://search.sigstore.dev/?logIndex=${LOG_INDEX}`), 'the README links the log entry');
    assert.ok(run.stdout.includes('  - Existence of the claims in the transparency log was verified offline\n'), run.stdout);
    assert.ok(run.stdout.includes(`cosign verify --key cosign.pub ${LOCATION}:latest\n`), 'logged: cosign checks the log entry');
  });

  test('keyed and logged: readme-gen verify accepts the rendered README with --key and --trusted-root', (t) => {
    const dir = keyedWorkspace(t, true);
    assert.equal(runCli(['render', '--write', '--key', 'cosign.pub', '--trusted-root', 'root.json'], dir).status, 0);

    const run = runCli(['verify', 'README.md', '--key', 'cosign.pub', '--trusted-root', 'root.json'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `README.md: authentic: ${LOCATION}:latest ${DIGEST} signed with the given key, Rekor entry ${LOG_INDEX}\n`);
  });

  test('keyed and logged: readme-gen verify of the rendered README with another key fails (b)', (t) => {
    const dir = keyedWorkspace(t, true);
    assert.equal(runCli(['render', '--write', '--key', 'cosign.pub', '--trusted-root', 'root.json'], dir).status, 0);

    const run = runCli(['verify', 'README.md', '--key', 'other.pub', '--trusted-root', 'root.json'], dir);

    assertRejected(run, 'b');
  });

  test('keyed and logged: a log the trusted root does not hold fails the SET (d)', (t) => {
    const dir = keyedWorkspace(t, true);

    const run = runCli(['render', '--key', 'cosign.pub'], dir);

    assertRejected(run, 'd');
  });

  test('keyed and logged: another key fails (b) even though the log entry is genuine', (t) => {
    const dir = keyedWorkspace(t, true);

    const run = runCli(['render', '--key', 'other.pub', '--trusted-root', 'root.json'], dir);

    assertRejected(run, 'b');
  });
});
