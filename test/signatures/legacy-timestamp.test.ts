/**
 * cosign's RFC 3161 timestamp on a legacy `.sig` layer (`cosign sign
 * --timestamp-server-url`): the annotation dev.sigstore.cosign/rfc3161timestamp
 * holds `{"SignedRFC3161Timestamp":"<base64 DER TimeStampResp>"}`, a TSA's
 * token over the raw signature bytes (cosign pkg/cosign/verify.go
 * VerifyRFC3161Timestamp). It is verified with the trusted root's timestamp
 * authorities, the certificate must be valid at its time too, and cosign
 * prints it as `RFC3161Timestamp` in optional — which `readme-gen verify`
 * reads back and verifies again.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { RFC3161_TIMESTAMP_ANNOTATION } from '../../src/signatures/cosign-signature.js';
import { type Trust, loadTrust } from '../../src/signatures/trusted-root.js';
import { type SignatureVerdict, verifyStateSignatures } from '../../src/signatures/verify-state.js';
import type { CosignSignatureRecord, Digest, ImageState } from '../../src/state/image-state.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';
import {
  type TestCa,
  type TestLeaf,
  type TestLog,
  createCa,
  createLog,
  createSigningKey,
  issueLeaf,
  payloadFor,
  signLegacy,
  trustedRoot,
  IDENTITY,
  ISSUER,
} from '../helpers/signing.js';
import { type TestTsa, createTsa, timestampAuthorityEntry, timestampResponse } from '../helpers/timestamp-authority.js';
import { resolvedConfig } from '../helpers/resolved-config.js';

const DIGEST: Digest = `sha256:${'ab'.repeat(32)}`;
const REPOSITORY = 'registry.example.com/acme/app';
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);

let ca: TestCa;
let log: TestLog;
let leaf: TestLeaf;
let tsa: TestTsa;

before(async () => {
  ca = await createCa();
  log = createLog();
  leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: new Date(SIGNED_AT) });
  tsa = await createTsa();
});

/** The trusted root with the test TSA (or without any). */
function rootWith(authorities: object[]): object {
  return { ...trustedRoot(ca, log), timestampAuthorities: authorities };
}

function trustFor(t: Parameters<typeof temporaryDirectory>[0], root: object, keyPem?: string): Trust {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(root));
  if (keyPem) writeFileSync(path.join(dir, 'cosign.pub'), keyPem);
  return loadTrust({ trustedRootPath: path.join(dir, 'trusted_root.json'), ...(keyPem ? { keyPath: path.join(dir, 'cosign.pub') } : {}) });
}

/** A keyless, logged legacy signature, with cosign's timestamp annotation over `stamped(signature bytes)`. */
function timestamped(
  options: { genTime?: Date; over?: (signature: Buffer, payload: Buffer) => Buffer; tsa?: TestTsa } = {},
): CosignSignatureRecord {
  const record = signLegacy({
    payload: payloadFor(DIGEST, REPOSITORY),
    privateKey: leaf.privateKey,
    certificatePem: leaf.pem,
    log: { log, logIndex: 4242, integratedTime: SIGNED_AT / 1000 + 60 },
  });
  const signature = Buffer.from(record.annotations['dev.cosignproject.cosign/signature'], 'base64');
  const data = options.over ? options.over(signature, Buffer.from(record.payload, 'base64')) : signature;
  const response = timestampResponse(options.tsa ?? tsa, data, { genTime: options.genTime ?? new Date(SIGNED_AT + 30_000) });
  record.annotations[RFC3161_TIMESTAMP_ANNOTATION] = JSON.stringify({ SignedRFC3161Timestamp: response.toString('base64') });
  return record;
}

function stateWith(signatures: CosignSignatureRecord[]): ImageState {
  return {
    schemaVersion: 1,
    repository: REPOSITORY,
    tags: [{ name: 'latest', digest: DIGEST, mediaType: 'application/vnd.oci.image.index.v1+json' }],
    images: {
      [DIGEST]: { mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [{ os: 'linux', architecture: 'amd64' }], signatures },
    },
  };
}

function verdictOf(record: CosignSignatureRecord, trust: Trust): SignatureVerdict {
  const [verdict, ...more] = verifyStateSignatures(stateWith([record]), [DIGEST], trust, {}).get(DIGEST) ?? [];
  assert.ok(verdict && more.length === 0);
  return verdict;
}

function failure(record: CosignSignatureRecord, trust: Trust): { check: string; message: string } {
  const verdict = verdictOf(record, trust);
  assert.ok(!verdict.verified, 'must not verify');
  return { check: verdict.failure.check, message: verdict.failure.message };
}

const config = resolvedConfig(REPOSITORY);

describe("cosign's rfc3161timestamp annotation on a legacy signature", () => {
  test('verifies with a TSA of the trusted root', (t) => {
    const verdict = verdictOf(timestamped(), trustFor(t, rootWith([timestampAuthorityEntry(tsa)])));
    assert.ok(verdict.verified, verdict.verified ? '' : verdict.failure.message);
  });

  test('is printed as cosign prints it, RFC3161Timestamp in optional in Go key order, and readme-gen verify checks it again', (t) => {
    const record = timestamped();
    const root = rootWith([timestampAuthorityEntry(tsa)]);
    const readme = renderReadme(config, stateWith([record]), loadTemplateSet('default'), trustFor(t, root)).markdown;
    const encoded = (JSON.parse(record.annotations[RFC3161_TIMESTAMP_ANNOTATION] as string) as { SignedRFC3161Timestamp: string })
      .SignedRFC3161Timestamp;
    assert.ok(
      readme.includes(`"RFC3161Timestamp": {\n        "SignedRFC3161Timestamp": "${encoded}"\n      },\n      "Subject": "${IDENTITY}"`),
      'between Issuer and Subject',
    );
    assert.match(readme, /"Issuer": "https:\/\/token\.actions\.githubusercontent\.com",\n {6}"RFC3161Timestamp"/);

    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(root));
    writeFileSync(path.join(dir, 'README.md'), readme);
    const verified = runCli(['verify', 'README.md', '--trusted-root', 'trusted_root.json'], dir);
    assert.equal(verified.status, 0, verified.stderr);

    // The printed timestamp replaced by one over other bytes: verify must refuse it at (f).
    const other = timestampResponse(tsa, Buffer.from('other bytes'), { genTime: new Date(SIGNED_AT + 30_000) }).toString('base64');
    writeFileSync(path.join(dir, 'README.md'), readme.replace(encoded, other));
    const tampered = runCli(['verify', 'README.md', '--trusted-root', 'trusted_root.json'], dir);
    assert.equal(tampered.status, 4, tampered.stderr);
    assert.match(
      tampered.stderr,
      /check \(f\) timestamp failed: the RFC 3161 timestamp of 2026-06-01T12:00:30Z is not over this signature: its message imprint is the hash of other bytes/,
    );
  });

  test('over the payload instead of the signature bytes fails check (f): the imprint is not the signature', (t) => {
    const { check, message } = failure(
      timestamped({ over: (_signature, payload) => payload }),
      trustFor(t, rootWith([timestampAuthorityEntry(tsa)])),
    );
    assert.equal(check, 'f');
    assert.match(message, /is not over this signature: its message imprint is the hash of other bytes$/);
  });

  test('from a TSA the trusted root does not list fails check (f)', async (t) => {
    const stranger = await createTsa({ commonName: 'stranger-tsa' });
    const { check, message } = failure(timestamped({ tsa: stranger }), trustFor(t, rootWith([timestampAuthorityEntry(tsa)])));
    assert.equal(check, 'f');
    assert.match(message, /was signed by a timestamp authority the trusted root does not list$/);
  });

  test('from a TSA outside its trusted-root validity fails check (f), naming the window', (t) => {
    const root = rootWith([timestampAuthorityEntry(tsa, { start: '2020-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' })]);
    const { check, message } = failure(timestamped(), trustFor(t, root));
    assert.equal(check, 'f');
    assert.match(
      message,
      /the RFC 3161 timestamp of 2026-06-01T12:00:30Z was signed by a timestamp authority the trusted root trusts only from 2020-01-01T00:00:00Z to 2026-01-01T00:00:00Z$/,
    );
  });

  test("a day after the certificate expired fails check (c), naming the TSA's time", (t) => {
    const { check, message } = failure(
      timestamped({ genTime: new Date(SIGNED_AT + 86_400_000) }),
      trustFor(t, rootWith([timestampAuthorityEntry(tsa)])),
    );
    assert.equal(check, 'c');
    assert.match(
      message,
      /the certificate, valid from 2026-06-01T12:00:00Z to 2026-06-01T12:10:00Z, was not valid at the TSA timestamp 2026-06-02T12:00:00Z$/,
    );
  });

  test('an annotation cosign could not read fails check (f)', (t) => {
    const record = timestamped();
    record.annotations[RFC3161_TIMESTAMP_ANNOTATION] = '{"SignedRFC3161Timestamp":"not base64!"}';
    const { check, message } = failure(record, trustFor(t, rootWith([timestampAuthorityEntry(tsa)])));
    assert.equal(check, 'f');
    assert.match(message, /dev\.sigstore\.cosign\/rfc3161timestamp annotation lacks SignedRFC3161Timestamp/);
  });

  test('on a keyed signature without a log entry it is verified too', (t) => {
    const key = createSigningKey();
    const record = signLegacy({ payload: payloadFor(DIGEST, REPOSITORY), privateKey: key.privateKey });
    const signature = Buffer.from(record.annotations['dev.cosignproject.cosign/signature'], 'base64');
    const stamp = (data: Buffer) =>
      JSON.stringify({ SignedRFC3161Timestamp: timestampResponse(tsa, data, { genTime: new Date(SIGNED_AT) }).toString('base64') });
    const trust = trustFor(t, rootWith([timestampAuthorityEntry(tsa)]), key.publicKeyPem);

    record.annotations[RFC3161_TIMESTAMP_ANNOTATION] = stamp(signature);
    const verdict = verdictOf(record, trust);
    assert.ok(verdict.verified, verdict.verified ? '' : verdict.failure.message);
    assert.equal(verdict.signer.keyed, true);

    record.annotations[RFC3161_TIMESTAMP_ANNOTATION] = stamp(Buffer.from('other bytes'));
    assert.equal(failure(record, trust).check, 'f');
  });
});
