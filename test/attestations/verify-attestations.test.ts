/**
 * verifyStateAttestations on state objects, offline: each of the three forms
 * (cosign `.att` layers logged as `intoto` and as `dsse` entries, bundle
 * referrers, BuildKit's unsigned layers) verifies to the facts its predicate
 * gives; tampering the subject, the predicate or the signer fails with the
 * check named; and values a predicate should not hold become no facts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { AttestationFacts, AttestationVerdict, ProvenanceFacts, SbomFacts } from '../../src/attestations/attestation-facts.js';
import { MAX_FACT_LENGTH } from '../../src/attestations/fact-values.js';
import { verifyStateAttestations } from '../../src/attestations/verify-attestations.js';
import type { IdentityPolicy } from '../../src/signatures/identity-policy.js';
import { type Trust, loadTrust } from '../../src/signatures/trusted-root.js';
import { VerdictStore, verdictKey } from '../../src/signatures/verdict-cache.js';
import type { AttestationRecord, CosignAttestationRecord, Digest, ImageState } from '../../src/state/image-state.js';
import {
  CYCLONEDX,
  SLSA_V02,
  SLSA_V1,
  SPDX,
  buildkitLayer,
  buildkitProvenanceV02,
  buildkitProvenanceV1,
  cycloneDxBom,
  githubProvenance,
  signAttLayer,
  spdxDocument,
  statement,
} from '../helpers/attestation-signing.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import {
  IDENTITY,
  ISSUER,
  type TestCa,
  type TestLeaf,
  type TestLog,
  createCa,
  createLog,
  createSigningKey,
  issueLeaf,
  rekorBundleAnnotation,
  signBundle,
  trustedRoot,
} from '../helpers/signing.js';

const INDEX: Digest = `sha256:${'1a'.repeat(32)}`;
const AMD64: Digest = `sha256:${'2b'.repeat(32)}`;
const ARM64: Digest = `sha256:${'3c'.repeat(32)}`;
const OTHER: Digest = `sha256:${'4d'.repeat(32)}`;
const SOURCE = { repository: 'https://github.com/acme/app', commit: '0123456789abcdef0123456789abcdef01234567' };
const SIGNED_AT = new Date(Date.UTC(2026, 5, 1, 12));
const LOGGED_AT = Math.floor(SIGNED_AT.getTime() / 1000) + 60;
const PROVENANCE_SIGNER = 'https://github.com/actions/attest-build-provenance/.github/workflows/attest.yml@refs/tags/v2';
const POLICY: IdentityPolicy = { certificateIdentity: IDENTITY, certificateOidcIssuer: ISSUER };

let ca: TestCa;
let log: TestLog;
let leaf: TestLeaf;
let stranger: TestLeaf;
let trust: Trust;
let keyedTrust: Trust;
const signingKey = createSigningKey();

before(async () => {
  ca = await createCa();
  log = createLog();
  leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: SIGNED_AT });
  stranger = await issueLeaf(ca, { subject: PROVENANCE_SIGNER, issuer: ISSUER, notBefore: SIGNED_AT });
  const dir = mkdtempSync(path.join(tmpdir(), 'attestation-trust-'));
  try {
    writeFileSync(path.join(dir, 'root.json'), JSON.stringify(trustedRoot(ca, log)));
    trust = loadTrust({ trustedRootPath: path.join(dir, 'root.json') });
    writeFileSync(path.join(dir, 'cosign.pub'), signingKey.publicKeyPem);
    keyedTrust = loadTrust({ trustedRootPath: path.join(dir, 'root.json'), keyPath: path.join(dir, 'cosign.pub') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A two-platform image at INDEX holding these attestations. */
function stateWith(attestations: AttestationRecord[]): ImageState {
  return {
    schemaVersion: 1,
    repository: 'registry.example.com/acme/app',
    tags: [{ name: 'latest', digest: INDEX, mediaType: 'application/vnd.oci.image.index.v1+json' }],
    images: {
      [INDEX]: {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        platforms: [
          { os: 'linux', architecture: 'amd64', digest: AMD64 },
          { os: 'linux', architecture: 'arm64', digest: ARM64 },
        ],
        signatures: [],
        attestations,
      },
    },
  };
}

function att(
  predicateType: string,
  predicate: unknown,
  options: { subjects?: string[]; entry?: 'intoto' | 'dsse'; signer?: TestLeaf } = {},
) {
  return signAttLayer({
    statement: statement(options.subjects ?? [INDEX], predicateType, predicate),
    predicateType,
    leaf: options.signer ?? leaf,
    log: { log, logIndex: 7, integratedTime: LOGGED_AT },
    ...(options.entry ? { entry: options.entry } : {}),
  });
}

function referrer(predicateType: string, predicate: unknown, subjects: string[] = [INDEX]) {
  return signBundle({
    digest: INDEX,
    statement: statement(subjects, predicateType, predicate),
    predicateType,
    leaf,
    log,
    logIndex: 9,
    integratedTime: LOGGED_AT,
  });
}

function verdictsOf(records: AttestationRecord[], policy: IdentityPolicy = POLICY, store?: VerdictStore): AttestationVerdict[] {
  const verdicts = verifyStateAttestations(stateWith(records), [INDEX], trust, policy, store);
  assert.deepEqual([...verdicts.keys()], [INDEX]);
  return verdicts.get(INDEX) ?? [];
}

function factsOf(record: AttestationRecord, policy?: IdentityPolicy): AttestationFacts {
  const [verdict] = verdictsOf([record], policy);
  assert.ok(verdict?.verified, verdict && !verdict.verified ? verdict.failure.message : 'one verdict');
  return verdict.facts;
}

function failureOf(record: AttestationRecord, policy?: IdentityPolicy): { check: string; message: string } {
  const [verdict] = verdictsOf([record], policy);
  assert.ok(verdict && !verdict.verified, 'the attestation fails');
  assert.equal(verdict.record, record);
  assert.match(
    verdict.failure.message,
    /^sha256:[0-9a-f]{64}: check (\([a-f]\) [a-z ]+|identity policy) failed: [^\n]+$/,
    'one line naming the digest and the check',
  );
  return { check: verdict.failure.check, message: verdict.failure.message };
}

/** The envelope of a `.att` layer with its statement replaced by `change` of it, the signature and log entry left as they were. */
function withStatement(record: CosignAttestationRecord, change: (statement: Record<string, unknown>) => void): CosignAttestationRecord {
  const envelope = JSON.parse(Buffer.from(record.payload, 'base64').toString('utf8')) as { payload: string };
  const changed = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Record<string, unknown>;
  change(changed);
  envelope.payload = Buffer.from(JSON.stringify(changed)).toString('base64');
  return { ...record, payload: Buffer.from(JSON.stringify(envelope)).toString('base64') };
}

describe('verifyStateAttestations', () => {
  test("a cosign .att layer logged as an intoto entry: GitHub's provenance facts, signed by the certificate's identity, with its log entry", () => {
    const record = att(SLSA_V1, githubProvenance(SOURCE, '.github/workflows/release.yml', 'workflow_dispatch'));
    const facts = factsOf(record) as ProvenanceFacts;
    assert.equal(facts.kind, 'provenance');
    assert.deepEqual(
      {
        predicateType: facts.predicateType,
        subject: facts.subject,
        form: facts.form,
        manifestDigest: facts.manifestDigest,
        sourceRepository: facts.sourceRepository,
        sourceCommit: facts.sourceCommit,
        builderId: facts.builderId,
        buildWorkflow: facts.buildWorkflow,
        trigger: facts.trigger,
      },
      {
        predicateType: SLSA_V1,
        subject: INDEX,
        form: 'cosign',
        manifestDigest: record.manifestDigest,
        sourceRepository: SOURCE.repository,
        sourceCommit: SOURCE.commit,
        builderId: 'https://github.com/actions/runner/github-hosted',
        buildWorkflow: '.github/workflows/release.yml',
        trigger: 'workflow_dispatch',
      },
    );
    assert.equal(facts.buildStartedOn, undefined, "GitHub's provenance gives no build time");
    assert.ok(facts.signing.signed);
    assert.deepEqual(facts.signing.signer, { keyed: false, subject: IDENTITY, issuer: ISSUER });
    assert.equal(facts.signing.identity?.subject, IDENTITY);
    assert.deepEqual(facts.signing.logEntry, { logIndex: 7, searchable: true, logHost: 'rekor.test.invalid' });
  });

  test('a cosign .att layer logged as a dsse entry: an SPDX SBOM, its version and package count', () => {
    const facts = factsOf(att(SPDX, spdxDocument(['musl', 'busybox', 'ca-certificates']), { entry: 'dsse' })) as SbomFacts;
    assert.equal(facts.kind, 'sbom');
    assert.deepEqual([facts.format, facts.formatVersion, facts.packageCount, facts.form], ['SPDX', 'SPDX-2.3', 3, 'cosign']);
    assert.ok(facts.signing.signed);
  });

  test('a bundle referrer (cosign 3 attest, attest-build-provenance): provenance facts, signed, with its log entry', () => {
    const record = referrer(SLSA_V1, githubProvenance(SOURCE));
    const facts = factsOf(record) as ProvenanceFacts;
    assert.deepEqual(
      [facts.kind, facts.form, facts.manifestDigest, facts.sourceCommit, facts.trigger],
      ['provenance', 'sigstore-bundle', record.manifestDigest, SOURCE.commit, 'push'],
    );
    assert.ok(facts.signing.signed);
    assert.equal(facts.signing.signer.subject, IDENTITY);
    assert.equal(facts.signing.logEntry?.logIndex, 9);
  });

  test('a bundle referrer holding a CycloneDX BOM: its top-level components counted', () => {
    const facts = factsOf(referrer(CYCLONEDX, cycloneDxBom(['openssl', 'zlib']))) as SbomFacts;
    assert.deepEqual([facts.kind, facts.format, facts.formatVersion, facts.packageCount], ['sbom', 'CycloneDX', '1.5', 2]);
  });

  test("BuildKit's attestation layers: read, subject checked against the platforms, never signed; v1's vcs and v0.2's remote context", () => {
    const builder = 'https://github.com/acme/app/actions/runs/42';
    const v1 = factsOf(
      buildkitLayer(AMD64, SLSA_V1, statement([AMD64], SLSA_V1, buildkitProvenanceV1(SOURCE, builder))),
    ) as ProvenanceFacts;
    assert.deepEqual(v1.signing, { signed: false });
    assert.deepEqual(
      [v1.kind, v1.form, v1.subject, v1.sourceRepository, v1.sourceCommit, v1.builderId, v1.buildStartedOn, v1.buildFinishedOn],
      ['provenance', 'buildkit', AMD64, SOURCE.repository, SOURCE.commit, builder, '2026-06-01T12:00:00Z', '2026-06-01T12:03:10Z'],
    );
    assert.equal(v1.buildWorkflow, undefined, "BuildKit's Dockerfile is not a workflow");
    const v02 = factsOf(
      buildkitLayer(ARM64, SLSA_V02, statement([ARM64], SLSA_V02, buildkitProvenanceV02(SOURCE, builder))),
    ) as ProvenanceFacts;
    assert.deepEqual(
      [v02.subject, v02.sourceRepository, v02.sourceCommit, v02.buildStartedOn, v02.buildWorkflow],
      [ARM64, `${SOURCE.repository}.git`, SOURCE.commit, '2026-06-01T12:00:00Z', undefined],
    );
    const sbom = factsOf(buildkitLayer(AMD64, SPDX, statement([AMD64], SPDX, spdxDocument(['a'])))) as SbomFacts;
    assert.deepEqual([sbom.kind, sbom.packageCount, sbom.signing.signed], ['sbom', 1, false]);
  });

  test('another predicate (a vulnerability scan) is named, not read', () => {
    const facts = factsOf(att('https://cosign.sigstore.dev/attestation/vuln/v1', { scanner: { uri: 'trivy' } }));
    assert.deepEqual([facts.kind, facts.predicateType], ['other', 'https://cosign.sigstore.dev/attestation/vuln/v1']);
  });

  test('tampering: a genuine statement about another digest fails check (a), naming what it is about and what it should be', () => {
    for (const record of [
      att(SLSA_V1, githubProvenance(SOURCE), { subjects: [OTHER] }),
      referrer(SLSA_V1, githubProvenance(SOURCE), [OTHER]),
    ]) {
      const failure = failureOf(record);
      assert.equal(failure.check, 'a');
      assert.ok(
        failure.message.includes(`is about ${OTHER}, not this image (${INDEX}) or one of its platforms (${AMD64}, ${ARM64})`),
        failure.message,
      );
    }
    const buildkit = failureOf(buildkitLayer(AMD64, SPDX, statement([OTHER], SPDX, spdxDocument([]))));
    assert.equal(buildkit.check, 'a', 'an unsigned statement is held to its subject too');
  });

  test("a BuildKit statement is about the platform its index entry names, not another of the image's", () => {
    const otherPlatform = failureOf(buildkitLayer(AMD64, SPDX, statement([ARM64], SPDX, spdxDocument([]))));
    assert.equal(otherPlatform.check, 'a');
    assert.ok(
      otherPlatform.message.includes(`listed for the platform ${AMD64}, but its statement is about ${ARM64}`),
      otherPlatform.message,
    );
    const notAPlatform = failureOf(buildkitLayer(OTHER, SPDX, statement([OTHER], SPDX, spdxDocument([]))));
    assert.equal(notAPlatform.check, 'a');
    assert.ok(notAPlatform.message.includes(`is listed for ${OTHER}, which is not one of this image's platforms`), notAPlatform.message);
  });

  test('tampering: the subject changed after signing fails check (a) before the signature is looked at', () => {
    const failure = failureOf(
      withStatement(att(SLSA_V1, githubProvenance(SOURCE)), (changed) => {
        changed.subject = [{ name: 'x', digest: { sha256: OTHER.slice(7) } }];
      }),
    );
    assert.equal(failure.check, 'a');
  });

  test("tampering: the predicate changed after signing (a moved commit) fails: the statement is not the logged entry's (e)", () => {
    const moved = (changed: Record<string, unknown>) => {
      changed.predicate = githubProvenance({ ...SOURCE, commit: 'f'.repeat(40) });
    };
    for (const entry of ['intoto', 'dsse'] as const) {
      const failure = failureOf(withStatement(att(SLSA_V1, githubProvenance(SOURCE), { entry }), moved));
      assert.equal(failure.check, 'e', failure.message);
      assert.match(failure.message, /the statement does not match the logged entry: its sha256 differs from the entry's payload hash/);
    }
  });

  test('tampering: a signer outside the attestation identity fails the identity policy; the policy given decides', () => {
    const record = att(SLSA_V1, githubProvenance(SOURCE), { signer: stranger });
    const failure = failureOf(record);
    assert.equal(failure.check, 'policy');
    assert.match(
      failure.message,
      new RegExp(
        `signed by ${PROVENANCE_SIGNER.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, expected ${IDENTITY.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    const facts = factsOf(record, {
      certificateIdentityRegexp: '^https://github\\.com/actions/attest-build-provenance/',
      certificateOidcIssuer: ISSUER,
    });
    assert.ok(facts.signing.signed);
    assert.equal(facts.signing.signer.subject, PROVENANCE_SIGNER);
  });

  test('a .att layer with a certificate but no log entry is not shown as unsigned: it fails', () => {
    const record = signAttLayer({ statement: statement([INDEX], SLSA_V1, githubProvenance(SOURCE)), predicateType: SLSA_V1, leaf });
    const failure = failureOf(record);
    assert.ok(['d', 'f'].includes(failure.check), failure.message);
  });

  test('a keyed .att layer (cosign attest --key, no log entry) verifies with --key and is keyed; without the key it fails (b)', () => {
    const record = signAttLayer({
      statement: statement([INDEX], SPDX, spdxDocument(['a'])),
      predicateType: SPDX,
      key: signingKey.privateKey,
    });
    const [verdict] = verifyStateAttestations(stateWith([record]), [INDEX], keyedTrust, POLICY).get(INDEX) ?? [];
    assert.ok(verdict?.verified, verdict && !verdict.verified ? verdict.failure.message : '');
    assert.deepEqual(verdict.facts.signing, { signed: true, signer: { keyed: true } });
    const failure = failureOf(record);
    assert.equal(failure.check, 'b');
    assert.match(failure.message, /pass the public key with --key FILE/);
  });

  test("a .att layer whose log entry is not an attestation's kind (a hashedrekord) fails (e), naming the kind", () => {
    const record = att(SPDX, spdxDocument([]));
    const body = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: {} })).toString('base64');
    record.annotations['dev.sigstore.cosign/bundle'] = rekorBundleAnnotation({ log, logIndex: 7, integratedTime: LOGGED_AT }, body);
    const failure = failureOf(record);
    assert.equal(failure.check, 'e');
    assert.match(
      failure.message,
      /the logged entry is a hashedrekord 0\.0\.1 entry; an attestation is logged as intoto 0\.0\.2 or dsse 0\.0\.1/,
    );
  });

  test('values a predicate should not hold become no facts, or cut ones: huge strings, a commit that is not hex, a time that is not one', () => {
    const hostile = githubProvenance({
      repository: `https://github.com/acme/app${'x'.repeat(10_000)}`,
      commit: '<img src=x onerror=alert(1)>',
    }) as {
      runDetails: { builder: { id: string }; metadata: Record<string, unknown> };
    };
    hostile.runDetails.builder.id = '[click](javascript:alert(1)) <b>bold</b>\u0007';
    hostile.runDetails.metadata.startedOn = 'yesterday';
    const facts = factsOf(att(SLSA_V1, hostile)) as ProvenanceFacts;
    assert.equal(facts.sourceCommit, undefined);
    assert.equal(facts.buildStartedOn, undefined);
    assert.equal(Array.from(facts.sourceRepository ?? '').length, MAX_FACT_LENGTH + 1);
    assert.ok(facts.sourceRepository?.endsWith('x…'));
    assert.equal(facts.builderId, '[click](javascript:alert(1)) <b>bold</b>\u0007', 'kept as the string it is: render escapes it');
  });

  test('a digest without attestations, or not in the state, has no verdicts', () => {
    const verdicts = verifyStateAttestations(stateWith([]), [INDEX, OTHER], trust, POLICY);
    assert.deepEqual(
      [...verdicts.entries()],
      [
        [INDEX, []],
        [OTHER, []],
      ],
    );
  });

  test('a verified signature check is kept under an attestation key, apart from the same bundle checked as a signature', (t) => {
    const dir = temporaryDirectory(t);
    const record = referrer(SPDX, spdxDocument(['a', 'b']));
    const store = new VerdictStore(dir);
    const [first] = verdictsOf([record], POLICY, store);
    assert.ok(first?.verified);
    const kept = readdirSync(path.join(dir, 'verdicts'));
    const key = verdictKey(INDEX, record, trust, POLICY, 'attestation');
    assert.deepEqual(kept, [`${key}.json`]);
    assert.notEqual(key, verdictKey(INDEX, record, trust, POLICY));
    assert.deepEqual(store.get(key), { keyed: false, subject: IDENTITY, issuer: ISSUER });
  });
});
