import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { KEYED_SIGNER, describeChanges, isEmpty, shortDigest, signerOf, summarizeStateChanges } from '../../src/pr/state-changes.js';
import type { AttestationRecord, Digest, ImageState, PlatformRecord, SignatureRecord } from '../../src/state/image-state.js';
import {
  SLSA_V1,
  SPDX,
  buildkitLayer,
  buildkitProvenanceV1,
  signAttLayer,
  spdxDocument,
  statement,
} from '../helpers/attestation-signing.js';
import {
  type TestCa,
  type TestLog,
  createCa,
  createLog,
  createSigningKey,
  issueLeaf,
  payloadFor,
  signBundle,
  signLegacy,
} from '../helpers/signing.js';

const A: Digest = `sha256:${'a'.repeat(64)}`;
const B: Digest = `sha256:${'b'.repeat(64)}`;
const C: Digest = `sha256:${'c'.repeat(64)}`;
const INDEX = 'application/vnd.oci.image.index.v1+json';
const OLD_SIGNER = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const NEW_SIGNER = 'https://github.com/acme/app/.github/workflows/build.yaml@refs/heads/main';
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);

interface ImageSpec {
  platforms: string[];
  signatures?: SignatureRecord[];
  size?: number;
}

/** A state from tag → digest and digest → platforms written as os/arch[/variant]. */
function state(tags: Record<string, Digest>, images: Partial<Record<Digest, ImageSpec>>): ImageState {
  return {
    schemaVersion: 1,
    repository: 'registry.test/acme/app',
    tags: Object.entries(tags).map(([name, digest]) => ({ name, digest, mediaType: INDEX })),
    images: Object.fromEntries(
      Object.entries(images).map(([digest, spec]) => [
        digest,
        {
          mediaType: INDEX,
          platforms: (spec?.platforms ?? []).map((name): PlatformRecord => {
            const [os = '', architecture = '', variant] = name.split('/');
            return { os, architecture, ...(variant ? { variant } : {}), ...(spec?.size === undefined ? {} : { size: spec.size }) };
          }),
          signatures: spec?.signatures ?? [],
        },
      ]),
    ),
  };
}

describe('summarizeStateChanges', () => {
  test('tags added, removed and moved, in tag order, with short digests', () => {
    const before = state({ latest: A, '1.0': A, '0.9': C }, { [A]: { platforms: ['linux/amd64'] }, [C]: { platforms: ['linux/amd64'] } });
    const after = state(
      { latest: B, '1.0': A, '1.1': B, '1.10': B, '1.2': B },
      { [A]: { platforms: ['linux/amd64'] }, [B]: { platforms: ['linux/amd64', 'linux/arm64'] } },
    );

    const changes = summarizeStateChanges(before, after, 'latest');

    assert.deepEqual(
      changes.added.map((tag) => tag.tag),
      ['1.10', '1.2', '1.1'],
      "the README's order: versions newest first",
    );
    assert.deepEqual(changes.added[2], { tag: '1.1', digest: B, platforms: ['linux/amd64', 'linux/arm64'] });
    assert.deepEqual(changes.removed, [{ tag: '0.9', digest: C }]);
    assert.deepEqual(changes.moved, [{ tag: 'latest', from: A, to: B, platformsAdded: ['linux/arm64'], platformsRemoved: [] }]);
    assert.equal(changes.signer, undefined);
    assert.equal(changes.otherChanges, false);
  });

  test('a moved tag reports the platforms its new digest gained and lost, variants included', () => {
    const before = state({ latest: A }, { [A]: { platforms: ['linux/amd64', 'linux/386', 'linux/arm/v6'] } });
    const after = state({ latest: B }, { [B]: { platforms: ['linux/amd64', 'linux/s390x', 'linux/arm/v7'] } });

    const [moved] = summarizeStateChanges(before, after, 'latest').moved;

    assert.deepEqual(moved?.platformsAdded, ['linux/s390x', 'linux/arm/v7']);
    assert.deepEqual(moved?.platformsRemoved, ['linux/386', 'linux/arm/v6']);
  });

  test('equal states are no change; a change no list describes is flagged as other', () => {
    const before = state({ latest: A }, { [A]: { platforms: ['linux/amd64'], size: 10 } });
    const same = summarizeStateChanges(before, state({ latest: A }, { [A]: { platforms: ['linux/amd64'], size: 10 } }), 'latest');
    const resized = summarizeStateChanges(before, state({ latest: A }, { [A]: { platforms: ['linux/amd64'], size: 11 } }), 'latest');

    assert.equal(isEmpty(same), true);
    assert.equal(isEmpty(resized), false);
    assert.equal(resized.otherChanges, true);
    assert.deepEqual([resized.added, resized.removed, resized.moved], [[], [], []]);
  });

  test('no previous state: every tag is added', () => {
    const changes = summarizeStateChanges(undefined, state({ latest: A, '1.0': A }, { [A]: { platforms: ['linux/amd64'] } }), 'latest');

    assert.deepEqual(
      changes.added.map((tag) => tag.tag),
      ['latest', '1.0'],
    );
    assert.equal(changes.otherChanges, false);
  });

  test('shortDigest keeps sha256: and twelve hex digits', () => {
    assert.equal(shortDigest(A), 'sha256:aaaaaaaaaaaa');
    assert.equal(shortDigest('not-a-digest'), 'not-a-digest');
  });
});

describe('signing identity', () => {
  let ca: TestCa;
  let log: TestLog;
  let legacyOld: SignatureRecord;
  let legacyNewEarlier: SignatureRecord;
  let bundleNew: SignatureRecord;
  let attestation: SignatureRecord;

  before(async () => {
    ca = await createCa();
    log = createLog();
    const notBefore = new Date(SIGNED_AT);
    const oldLeaf = await issueLeaf(ca, { subject: OLD_SIGNER, issuer: 'https://token.actions.githubusercontent.com', notBefore });
    const newLeaf = await issueLeaf(ca, { subject: NEW_SIGNER, issuer: 'https://token.actions.githubusercontent.com', notBefore });
    const time = SIGNED_AT / 1000 + 30;
    legacyOld = signLegacy({
      payload: payloadFor(A, 'registry.test/acme/app'),
      privateKey: oldLeaf.privateKey,
      certificatePem: oldLeaf.pem,
      log: { log, logIndex: 1, integratedTime: time },
    });
    legacyNewEarlier = signLegacy({
      payload: payloadFor(A, 'registry.test/acme/app'),
      privateKey: newLeaf.privateKey,
      certificatePem: newLeaf.pem,
      log: { log, logIndex: 0, integratedTime: time - 10 },
    });
    bundleNew = signBundle({ digest: B, leaf: newLeaf, log, logIndex: 2, integratedTime: time + 60 });
    attestation = signBundle({
      digest: B,
      leaf: oldLeaf,
      log,
      logIndex: 3,
      integratedTime: time + 120,
      predicateType: 'https://slsa.dev/provenance/v1',
    });
    if (attestation.format === 'sigstore-bundle')
      attestation.annotations = { 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' };
  });

  test("a change of the primary tag's signer is reported old → new, from a legacy signature to a bundle", () => {
    const before = state({ latest: A }, { [A]: { platforms: ['linux/amd64'], signatures: [legacyOld] } });
    const after = state({ latest: B }, { [B]: { platforms: ['linux/amd64'], signatures: [bundleNew] } });

    assert.deepEqual(summarizeStateChanges(before, after, 'latest').signer, { tag: 'latest', from: OLD_SIGNER, to: NEW_SIGNER });
  });

  test('the latest signature by log time decides, whatever the order listed', () => {
    const image = state({ latest: A }, { [A]: { platforms: [], signatures: [legacyOld, legacyNewEarlier] } });
    const reversed = state({ latest: A }, { [A]: { platforms: [], signatures: [legacyNewEarlier, legacyOld] } });

    assert.equal(signerOf(image, 'latest'), OLD_SIGNER);
    assert.equal(signerOf(reversed, 'latest'), OLD_SIGNER);
  });

  test('attestations are not signatures; keyed signatures have no SAN; unsigned is undefined', () => {
    const key = createSigningKey();
    const keyed = signLegacy({ payload: payloadFor(A, 'registry.test/acme/app'), privateKey: key.privateKey });

    assert.equal(signerOf(state({ latest: B }, { [B]: { platforms: [], signatures: [bundleNew, attestation] } }), 'latest'), NEW_SIGNER);
    assert.equal(signerOf(state({ latest: A }, { [A]: { platforms: [], signatures: [keyed] } }), 'latest'), KEYED_SIGNER);
    assert.equal(signerOf(state({ latest: A }, { [A]: { platforms: [] } }), 'latest'), undefined);
    assert.equal(
      signerOf(state({ other: A }, { [A]: { platforms: [], signatures: [legacyOld] } }), 'latest'),
      undefined,
      'no primary tag, no signer',
    );
  });

  test('a digest that stays put but gains or loses a signature is listed with its tags and counts', () => {
    const before = state(
      { latest: A, '1.0': A, '0.9': B },
      { [A]: { platforms: [], signatures: [legacyOld] }, [B]: { platforms: [], signatures: [bundleNew] } },
    );
    const after = state(
      { latest: A, '1.0': A, '0.9': B },
      { [A]: { platforms: [], signatures: [legacyOld, legacyNewEarlier] }, [B]: { platforms: [] } },
    );

    const changes = summarizeStateChanges(before, after, 'latest');

    assert.deepEqual(changes.signatures, [
      { digest: A, tags: ['latest', '1.0'], before: 1, after: 2 },
      { digest: B, tags: ['0.9'], before: 1, after: 0 },
    ]);
    assert.equal(changes.signer, undefined, 'the latest signature of latest is still the old signer (log time)');
    assert.equal(changes.otherChanges, false);
    assert.deepEqual(describeChanges(changes), [
      'signatures of latest, 1.0 (sha256:aaaaaaaaaaaa) changed: 1 -> 2',
      'signatures of 0.9 (sha256:bbbbbbbbbbbb) changed: 1 -> 0',
    ]);
  });

  test('a moved tag is a move, not a signature change, even when the new digest is signed', () => {
    const before = state({ latest: A }, { [A]: { platforms: ['linux/amd64'], signatures: [legacyOld] } });
    const after = state({ latest: B }, { [B]: { platforms: ['linux/amd64'], signatures: [bundleNew] } });

    const changes = summarizeStateChanges(before, after, 'latest');

    assert.deepEqual(changes.signatures, []);
    assert.deepEqual(describeChanges(changes), [
      'tag latest moved: sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb',
      `signer of latest: ${OLD_SIGNER} -> ${NEW_SIGNER}`,
    ]);
  });

  test('signing an unsigned tag, and the signer of another tag, are told apart', () => {
    const unsigned = state({ latest: A, '1.0': B }, { [A]: { platforms: [] }, [B]: { platforms: [] } });
    const signed = state(
      { latest: A, '1.0': B },
      { [A]: { platforms: [], signatures: [legacyOld] }, [B]: { platforms: [], signatures: [bundleNew] } },
    );

    assert.deepEqual(summarizeStateChanges(unsigned, signed, 'latest').signer, { tag: 'latest', from: undefined, to: OLD_SIGNER });
    assert.deepEqual(summarizeStateChanges(unsigned, signed, '1.0').signer, { tag: '1.0', from: undefined, to: NEW_SIGNER });
  });
});

describe('provenance changes', () => {
  const BUILDER = 'https://github.com/acme/app/.github/workflows/build.yml';
  const OLD_COMMIT = '1'.repeat(40);
  const NEW_COMMIT = '2'.repeat(40);
  const source = (commit: string) => ({ repository: 'https://github.com/acme/app', commit });
  const provenanceOf = (digest: Digest, commit: string, builder = BUILDER) =>
    buildkitLayer(digest, SLSA_V1, statement([digest], SLSA_V1, buildkitProvenanceV1(source(commit), builder)));
  const sbomOf = (digest: Digest) => buildkitLayer(digest, SPDX, statement([digest], SPDX, spdxDocument(['a', 'b'])));
  let signedSbom: AttestationRecord;

  before(async () => {
    const leaf = await issueLeaf(await createCa(), {
      subject: NEW_SIGNER,
      issuer: 'https://token.actions.githubusercontent.com',
      notBefore: new Date(SIGNED_AT),
    });
    signedSbom = signAttLayer({ statement: statement([A], SPDX, spdxDocument(['a'])), predicateType: SPDX, leaf });
  });

  /** A state with these tags, each image's attestations as given. */
  function attested(tags: Record<string, Digest>, attestations: Partial<Record<Digest, AttestationRecord[]>>): ImageState {
    const built = state(tags, Object.fromEntries(Object.keys(attestations).map((digest) => [digest, { platforms: ['linux/amd64'] }])));
    for (const [digest, records] of Object.entries(attestations)) {
      const image = built.images[digest as Digest];
      if (image && records) image.attestations = records;
    }
    return built;
  }

  test('a moved tag whose new build comes from another commit, by another builder: both listed, with its tags', () => {
    const before = attested({ latest: A, '1.0': A }, { [A]: [provenanceOf(A, OLD_COMMIT)] });
    const after = attested({ latest: B, '1.0': B }, { [B]: [provenanceOf(B, NEW_COMMIT, 'https://ci.example/runner')] });

    const changes = summarizeStateChanges(before, after, 'latest');

    assert.deepEqual(changes.provenance, [
      { tags: ['latest', '1.0'], what: 'source commit', from: OLD_COMMIT, to: NEW_COMMIT },
      { tags: ['latest', '1.0'], what: 'builder', from: BUILDER, to: 'https://ci.example/runner' },
    ]);
    assert.deepEqual(describeChanges(changes).slice(-2), [
      `provenance of latest, 1.0: source commit ${OLD_COMMIT} -> ${NEW_COMMIT}`,
      `provenance of latest, 1.0: builder ${BUILDER} -> https://ci.example/runner`,
    ]);
  });

  test('the same commit rebuilt is no provenance change; nothing attested before or after is none either', () => {
    const before = attested({ latest: A }, { [A]: [provenanceOf(A, OLD_COMMIT)] });
    const after = attested({ latest: B }, { [B]: [provenanceOf(B, OLD_COMMIT)] });
    assert.deepEqual(summarizeStateChanges(before, after, 'latest').provenance, []);
    assert.deepEqual(
      summarizeStateChanges(state({ latest: A }, { [A]: { platforms: [] } }), state({ latest: B }, { [B]: { platforms: [] } }), 'latest')
        .provenance,
      [],
    );
  });

  test('provenance and an SBOM that disappear are listed, and the change is not "other"', () => {
    const before = attested({ latest: A }, { [A]: [provenanceOf(A, OLD_COMMIT), sbomOf(A)] });
    const after = attested({ latest: A }, { [A]: [] });

    const changes = summarizeStateChanges(before, after, 'latest');

    assert.deepEqual(
      changes.provenance.map((change) => change.what),
      ['provenance removed', 'SBOM removed'],
    );
    assert.equal(changes.otherChanges, false);
    assert.deepEqual(describeChanges(changes), ['provenance of latest disappeared', 'SBOM of latest disappeared']);
  });

  test('a signed SBOM replaced by an unsigned one is listed as no longer signed', () => {
    const before = attested({ latest: A }, { [A]: [signedSbom] });
    const after = attested({ latest: A }, { [A]: [sbomOf(A)] });

    assert.deepEqual(describeChanges(summarizeStateChanges(before, after, 'latest')), ['SBOM of latest is no longer signed']);
    assert.deepEqual(summarizeStateChanges(after, before, 'latest').provenance, [], 'becoming signed is no warning');
  });
});
