/**
 * The Sigstore conformance vectors (sigstore/sigstore-conformance @ a73de49,
 * test/assets/bundle-verify, Apache-2.0; copied to fixtures/sigstore-conformance
 * with their README) run through readme-gen's own verification path: the
 * bundle is read as a referrer's bundle is read (parseSigstoreBundle), a DSSE
 * statement must name the artifact among its subjects (checkStatementSubject,
 * the half of the image step that applies to any artifact), and the core
 * (verifyBundle) verifies it with the case's trusted root — or the shipped
 * public-good root — its key.pub as --key, and its identity as the policy.
 * Only the image-specific half is set aside: these are artifact signatures, so
 * no predicate type cosign/sign/v1 and no image digest.
 *
 * Every case is run. A `_fail` case must fail with the check written in
 * EXPECTED_FAILURES below, which was written from each case's README and
 * bundle (what was changed, and so which check sigstore-js reaches first in
 * its order: (f) timestamps, (c) certificate at each trusted time, (d)
 * inclusion promise / checkpoint / inclusion proof, (e) entry vs signature,
 * (b) signature), not from running the code. Every other case must verify.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { AttestationVerdict, ProvenanceFacts } from '../../src/attestations/attestation-facts.js';
import { verifyStateAttestations } from '../../src/attestations/verify-attestations.js';
import { ReadmeGenError } from '../../src/errors.js';
import { packageFile } from '../../src/package-root.js';
import { type Check, SignatureCheckError } from '../../src/signatures/signature-check-error.js';
import { parseStatement } from '../../src/signatures/in-toto-statement.js';
import { checkStatementSubject } from '../../src/signatures/sigstore-bundle.js';
import type { IdentityPolicy } from '../../src/signatures/identity-policy.js';
import { type Trust, loadTrust } from '../../src/signatures/trusted-root.js';
import { type VerifiedSigner, parseSigstoreBundle, verifyBundle } from '../../src/signatures/verify-bundle.js';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

const VECTORS = packageFile('fixtures', 'sigstore-conformance', 'bundle-verify');
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** What the sentence of each transparency-log failure starts with, so the three (d) kinds are told apart. */
const INCLUSION_PROMISE = /failed: the inclusion promise \(SignedEntryTimestamp\) does not verify/;
const CHECKPOINT = /failed: (no signature on the log's checkpoint is by|the log's checkpoint is malformed)/;
const INCLUSION_PROOF = /failed: the inclusion proof does not lead from the entry to the checkpoint's root hash/;
const SIGNATURE_DIFFERS = /failed: the signature differs from the one in the logged entry$/;
const ENTRY_FOR_OTHER = /failed: the (signature differs from the one in the logged entry|payload does not match the logged entry)/;

type Expected =
  /** fails the check, with a message matching `says` */
  | { check: Check; says: RegExp; because?: string }
  /** loadTrust refuses the case's trusted root (exit 4) or key (exit 2, bad input), naming it, before any signature is read */
  | { atLoad: RegExp; exitCode: 2 | 4; because: string }
  /** never reaches verification: readme-gen never records it as a signature */
  | { unreadable: string };

const EXPECTED_FAILURES: Record<string, Expected> = {
  'bundle-empty-certificate-chain_fail': { check: 'c', says: /certificate chain is empty/ },
  'bundle-from-wrong-instance_fail': {
    check: 'c',
    says: /the certificate does not chain to a Fulcio CA of the trusted root at the log's integrated time 2023-07-12T17:35:19Z/,
    because: 'a staging certificate: the certificate is checked before the log entry, which is from the staging log too',
  },
  'bundle-invalid-base64-signature_fail': { check: 'b', says: /the bundle's signature is not base64/ },
  'bundle-malformed-json_fail': {
    unreadable:
      'the bundle is not JSON: snapshot keeps no referrer whose bundle is not JSON (cosign skips it too), so it is never a signature to verify',
  },
  'bundle-negative-log-index_fail': { check: 'd', says: /logIndex -1 is negative/ },
  'bundle-unknown-version_fail': {
    check: 'b',
    says: /mediaType "application\/vnd\.dev\.sigstore\.bundle\+json;version=99\.9" is not a Sigstore bundle version/,
  },
  'bundle-with-root-cert_fail': { check: 'c', says: /certificate chain includes a root certificate/ },
  'checkpoint-bad-keyhint_fail': {
    check: 'd',
    says: CHECKPOINT,
    because: 'the inclusion promise verifies; the checkpoint is checked next',
  },
  'checkpoint-wrong-roothash_fail': {
    check: 'd',
    says: INCLUSION_PROOF,
    because: 'the checkpoint is genuine, for another tree: the proof does not reach its root hash',
  },
  'dsse-invalid-sig_fail': {
    check: 'e',
    says: SIGNATURE_DIFFERS,
    because: 'the envelope signature is not the logged one, and the entry is compared with the signature before the signature is verified',
  },
  'dsse-mismatch-envelope_fail': {
    check: 'e',
    says: SIGNATURE_DIFFERS,
    because: 'another envelope with its own signature: the signature is compared with the entry first',
  },
  'dsse-mismatch-sig_fail': { check: 'e', says: SIGNATURE_DIFFERS },
  'incorrect-public-key_fail': {
    check: 'd',
    says: INCLUSION_PROMISE,
    because:
      'the key was changed inside the logged body, which the inclusion promise signs, and the promise is checked before the body is compared',
  },
  'integrated-time-in-future_fail': { check: 'c', says: /was not valid at the log's integrated time 2026-05-07T/ },
  'intoto-expired-certificate_fail': {
    check: 'c',
    says: /the certificate, valid from 2030-01-01T00:00:00Z to 2030-01-01T00:10:00Z, was not valid at the log's integrated time 2023-02-01T00:00:00Z/,
    because:
      "the certificate is dated 2030, outside the window its CA (trusted from 2023) and the log's time allow: it is the certificate's own validity that misses the log's time",
  },
  'intoto-log-entry-mismatch_fail': { check: 'e', says: ENTRY_FOR_OTHER },
  'intoto-missing-inclusion-proof_fail': { check: 'd', says: /has no inclusion proof, which a bundle from version 0\.2 on must carry/ },
  'intoto-set-outside-signing-cert-validity_fail': { check: 'c', says: /was not valid at the log's integrated time 2023-02-02T00:00:00Z/ },
  'intoto-tsa-timestamp-outside-cert-validity_fail': { check: 'c', says: /was not valid at the TSA timestamp / },
  'invalid-checkpoint-signature_fail': { check: 'd', says: CHECKPOINT },
  'invalid-ct-key_fail': {
    check: 'c',
    says: /SCT/,
    because: 'no README: the trusted root lists another key for the CT log that signed the SCT',
  },
  'inclusion-proof-corrupted-hash_fail': {
    check: 'd',
    says: INCLUSION_PROOF,
    because: 'one proof hash flipped: the checkpoint verifies, the proof does not reach its root',
  },
  'invalid-inclusion-proof_fail': {
    check: 'd',
    says: /the inclusion proof has no checkpoint/,
    because: 'the "old" proof is of the format before checkpoints, which a bundle from version 0.2 on must carry',
  },
  'managed-key-no-key_fail': {
    check: 'b',
    says: /the signature has no certificate \(keyed signing\); pass the public key with --key FILE/,
  },
  'managed-key-wrong-key_fail': {
    atLoad: /managed-key-wrong-key_fail\/key\.pub: not a PEM public key/,
    exitCode: 2,
    because:
      'its key.pub is the right key with its end overwritten by "wrongkey", so it is no key at all: --key FILE is bad input (exit 2), refused before any signature is read',
  },
  'message-digest-mismatch_fail': { check: 'a', says: /the bundle signs sha256:a1cfc712[0-9a-f]+, not this payload \(sha256:a0cfc712/ },
  'rekor2-checkpoint-missing-log-signature_fail': { check: 'd', says: CHECKPOINT },
  'rekor2-checkpoint-missing-origin_fail': { check: 'd', says: CHECKPOINT },
  'rekor2-checkpoint-missing-root-hash_fail': { check: 'd', says: CHECKPOINT },
  'rekor2-checkpoint-missing-size_fail': { check: 'd', says: CHECKPOINT },
  'rekor2-checkpoint-no-matching-signature_fail': { check: 'd', says: CHECKPOINT },
  'rekor2-dsse-invalid-sig_fail': {
    check: 'e',
    says: SIGNATURE_DIFFERS,
    because: 'the entry is compared with the signature before the signature is verified',
  },
  'rekor2-dsse-mismatch-envelope_fail': {
    check: 'e',
    says: SIGNATURE_DIFFERS,
    because: 'another envelope with its own signature: the signature is compared first',
  },
  'rekor2-dsse-mismatch-sig_fail': { check: 'e', says: SIGNATURE_DIFFERS },
  'rekor2-no-inclusion-proof_fail': { check: 'd', says: /has no inclusion proof/ },
  'rekor2-no-timestamp_fail': { check: 'f', says: /no RFC 3161 timestamp, and its log entry \(Rekor v2\) has no integrated time/ },
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': {
    check: 'f',
    says: /signed by a timestamp authority the trusted root trusts only from /,
  },
  'rekor2-timestamp-outside-tsa-cert-validity_fail': {
    check: 'f',
    says: /the certificate chain of the timestamp authority was not valid at the time of the RFC 3161 timestamp, 2025-08-07T/,
  },
  'rekor2-timestamp-payload-mismatch_fail': {
    check: 'f',
    says: /is not over this signature: its message imprint is the hash of other bytes/,
  },
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': {
    check: 'f',
    says: /signed by a timestamp authority the trusted root does not list/,
  },
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': {
    check: 'f',
    says: /signed by a timestamp authority the trusted root does not list/,
  },
  'rekor2-timestamp-with-incorrect-time_fail': { check: 'c', says: /was not valid at the TSA timestamp / },
  'set-invalid-signature_fail': { check: 'd', says: INCLUSION_PROMISE },
  'signature-mismatch_fail': {
    check: 'e',
    says: SIGNATURE_DIFFERS,
    because: 'the changed signature is compared with the logged one before it is verified',
  },
  'trust-root-tlog-missing-validity-start_fail': {
    exitCode: 4,
    atLoad:
      /trusted_root\.json: transparency log https:\/\/log2025-alpha1\.rekor\.sigstage\.dev has no validFor\.start; a Sigstore trusted root must say from when each log key is valid/,
    because: 'a log key without a start would be trusted since the beginning of time',
  },
  'wrong-hashedrekord-artifact_fail': {
    check: 'e',
    says: ENTRY_FOR_OTHER,
    because: 'a genuine entry, for another signature over another artifact',
  },
  'wrong-hashedrekord-cert-and-sig_fail': {
    check: 'e',
    says: SIGNATURE_DIFFERS,
    because: 'a genuine entry, made with another certificate and signature',
  },
  'wrong-hashedrekord-entry_fail': { check: 'e', says: ENTRY_FOR_OTHER, because: 'a genuine entry for something else' },
  'wrong-material_fail': { check: 'a', says: /the bundle signs sha256:a0cfc712[0-9a-f]+, not this payload/ },
};

/** Cases not run, and why. None: the shipped public-good root has every key the production cases need. */
const SKIPPED: Record<string, string> = {};

const CASES = readdirSync(VECTORS)
  .filter((name) => statSync(path.join(VECTORS, name)).isDirectory())
  .sort();

function caseFile(name: string, file: string): string | undefined {
  const full = path.join(VECTORS, name, file);
  return existsSync(full) ? full : undefined;
}

/** A case's trust (its trusted root or the public-good one, its key.pub), artifact digest and identity policy. */
function caseSetup(name: string): { trust: Trust; artifact: Buffer; digest: string; policy: IdentityPolicy } {
  const trustedRootPath = caseFile(name, 'trusted_root.json');
  const keyPath = caseFile(name, 'key.pub');
  const trust = loadTrust({
    ...(trustedRootPath ? { trustedRootPath } : {}),
    ...(keyPath ? { keyPath } : {}),
    label: (file) => path.relative(VECTORS, file),
  });
  const artifact = readFileSync(caseFile(name, 'artifact') ?? path.join(VECTORS, 'a.txt'));
  const digest = `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
  const identity = caseFile(name, 'identity');
  const issuer = caseFile(name, 'issuer');
  const policy = {
    certificateIdentity: identity ? readFileSync(identity, 'utf8').trim() : DEFAULT_IDENTITY,
    certificateOidcIssuer: issuer ? readFileSync(issuer, 'utf8').trim() : DEFAULT_ISSUER,
  };
  return { trust, artifact, digest, policy };
}

function caseBundle(name: string): unknown {
  return JSON.parse(readFileSync(path.join(VECTORS, name, 'bundle.sigstore.json'), 'utf8'));
}

/** One case through readme-gen's verification path. */
function verifyCase(name: string): VerifiedSigner {
  const { trust, artifact, digest, policy } = caseSetup(name);
  const bundle = parseSigstoreBundle(caseBundle(name), digest);
  if (bundle.content.$case === 'dsseEnvelope')
    checkStatementSubject(parseStatement(bundle.content.dsseEnvelope.payload, digest).subjects, digest);
  return verifyBundle(bundle, { digest, trust, policy }, { artifact });
}

describe('Sigstore conformance: bundle-verify', () => {
  test('the table names exactly the _fail cases, and every case is run or skipped for a reason', () => {
    assert.ok(CASES.length >= 70, `${CASES.length} cases found in ${VECTORS}`);
    assert.deepEqual(
      Object.keys(EXPECTED_FAILURES).sort(),
      CASES.filter((name) => name.endsWith('_fail')),
    );
    for (const name of Object.keys(SKIPPED)) assert.ok(CASES.includes(name), `skipped case ${name} exists`);
  });

  for (const name of CASES) {
    const expected = EXPECTED_FAILURES[name];
    const skipped = SKIPPED[name];
    if (skipped !== undefined) {
      test(`${name}: skipped (${skipped})`, { skip: skipped }, () => {});
      continue;
    }
    if (expected === undefined) {
      test(`${name}: verifies`, () => {
        const signer = verifyCase(name);
        assert.equal(signer.keyed, caseFile(name, 'key.pub') !== undefined);
      });
      continue;
    }
    if ('unreadable' in expected) {
      test(`${name}: never read as a signature (${expected.unreadable})`, () => {
        assert.throws(() => JSON.parse(readFileSync(path.join(VECTORS, name, 'bundle.sigstore.json'), 'utf8')), SyntaxError);
      });
      continue;
    }
    if ('atLoad' in expected) {
      test(`${name}: refused when its ${expected.exitCode === 4 ? 'trusted root' : 'key'} is loaded (exit ${expected.exitCode})`, () => {
        assert.throws(
          () => verifyCase(name),
          (error: unknown) => {
            assert.ok(error instanceof ReadmeGenError && !(error instanceof SignatureCheckError), String(error));
            assert.equal(error.exitCode, expected.exitCode);
            assert.match(error.message, expected.atLoad, expected.because);
            return true;
          },
        );
      });
      continue;
    }
    test(`${name}: fails check (${expected.check})`, () => {
      assert.throws(
        () => verifyCase(name),
        (error: unknown) => {
          assert.ok(error instanceof SignatureCheckError, `a failed check, not ${String(error)}`);
          assert.equal(error.check, expected.check, `${error.message}${expected.because ? ` (expected because ${expected.because})` : ''}`);
          assert.match(error.message, expected.says);
          assert.match(
            error.message,
            /^sha256:[0-9a-f]{64}: check (\([a-f]\) [a-z ]+|identity policy) failed: [^\n]+$/,
            'one line naming the digest and the check',
          );
          return true;
        },
      );
    });
  }

  test('readme-gen refuses a trusted root whose log key has no validity start: exit 4 naming the file and the log', (t) => {
    const dir = temporaryDirectory(t);
    const root = path.join(VECTORS, 'trust-root-tlog-missing-validity-start_fail', 'trusted_root.json');
    const run = runCli(['verify', 'README.md', '--trusted-root', root], dir);
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, /trusted_root\.json: transparency log https:\/\/log2025-alpha1\.rekor\.sigstage\.dev has no validFor\.start/);
  });

  test('the timestamp authorities survive narrowing the trust to a certificate issuer', () => {
    const trust = loadTrust({ trustedRootPath: path.join(VECTORS, 'rekor2-happy-path', 'trusted_root.json') });
    assert.ok(trust.material.timestampAuthorities.length > 0);
    const issuer = trust.material.certificateAuthorities[0]?.certChain[0]?.subject;
    assert.ok(issuer);
    assert.equal(trust.forIssuer(issuer).timestampAuthorities.length, trust.material.timestampAuthorities.length);
  });
});

/**
 * The vectors whose bundle holds an in-toto statement (GitHub artifact
 * attestations: SLSA v1 provenance of the workflow build type) are
 * attestations too: each goes through verifyStateAttestations as a bundle
 * referrer of an image whose digest is the artifact's, the same statement
 * parser and core as above, and ends as the same verdict: the facts its
 * predicate gives, or the check written in EXPECTED_FAILURES.
 */
describe('Sigstore conformance: the in-toto vectors as attestations', () => {
  const inToto = CASES.filter((name) => {
    try {
      return (
        (caseBundle(name) as { dsseEnvelope?: { payloadType?: unknown } }).dsseEnvelope?.payloadType === 'application/vnd.in-toto+json'
      );
    } catch {
      return false;
    }
  });

  test('the in-toto vectors are the dsse-, intoto- and happy-path-intoto ones', () => {
    assert.ok(inToto.includes('happy-path-intoto-in-dsse-v3') && inToto.includes('intoto-with-custom-trust-root'), inToto.join(', '));
    assert.ok(inToto.length >= 14, `${inToto.length} in-toto vectors`);
  });

  /** The case as the only attestation of an image whose digest is the artifact's. */
  function attestationVerdict(name: string): AttestationVerdict {
    const { trust, digest, policy } = caseSetup(name);
    const state: ImageState = {
      schemaVersion: 1,
      repository: 'registry.example.com/conformance',
      tags: [],
      images: {
        [digest as Digest]: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          platforms: [],
          signatures: [],
          attestations: [
            {
              format: 'sigstore-bundle',
              manifestDigest: `sha256:${createHash('sha256').update(name).digest('hex')}`,
              artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
              bundle: caseBundle(name) as Record<string, unknown>,
            },
          ],
        },
      },
    };
    const [verdict, ...more] = verifyStateAttestations(state, [digest], trust, policy).get(digest) ?? [];
    assert.ok(verdict && more.length === 0, 'one verdict');
    return verdict;
  }

  /** What each verifying vector's predicate says, read off it by hand. */
  const FACTS: Record<string, { [fact in keyof ProvenanceFacts]?: ProvenanceFacts[fact] | undefined }> = {
    'happy-path-intoto-in-dsse-v3': {
      sourceRepository: 'https://github.com/loosebazooka/aa-test',
      sourceCommit: 'ebff8dfbd609b7b22237c7719ce07f2dc7934f5f',
      buildWorkflow: '.github/workflows/provenance.yaml',
      trigger: 'workflow_dispatch',
      builderId: 'https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main',
    },
    'intoto-with-custom-trust-root': {
      sourceRepository: 'https://github.com/sigstore/sigstore-conformance',
      sourceCommit: 'c5f5fb255163ed85ddb32d54dcdd710ac3f04603',
      buildWorkflow: '.github/workflows/conformance.yml',
      trigger: 'push',
      builderId: 'https://github.com/actions/runner/github-hosted',
    },
    'rekor2-dsse-happy-path': {
      builderId: 'https://github.com/sigstore-conformance/rekor2-dsse-hashedrekord-regen',
      sourceRepository: undefined,
      sourceCommit: undefined,
    },
  };

  for (const name of inToto) {
    const expected = EXPECTED_FAILURES[name];
    if (expected === undefined) {
      test(`${name}: verifies, to provenance facts`, () => {
        const verdict = attestationVerdict(name);
        assert.ok(verdict.verified, verdict.verified ? '' : verdict.failure.message);
        assert.equal(verdict.facts.kind, 'provenance');
        assert.ok(verdict.facts.signing.signed);
        const facts = FACTS[name];
        assert.ok(facts, `FACTS says what ${name} holds`);
        for (const [fact, value] of Object.entries(facts)) assert.equal(verdict.facts[fact as keyof typeof facts], value, fact);
      });
      continue;
    }
    assert.ok('check' in expected, `${name}: a vector holding a statement fails a check`);
    test(`${name}: fails check (${expected.check}) as an attestation too`, () => {
      const verdict = attestationVerdict(name);
      assert.ok(!verdict.verified, 'fails');
      assert.equal(verdict.failure.check, expected.check, verdict.failure.message);
      assert.match(verdict.failure.message, expected.says);
    });
  }
});
