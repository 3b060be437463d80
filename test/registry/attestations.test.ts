/**
 * `readme-gen snapshot` reads attestations in the three forms a registry
 * holds them in — BuildKit's attestation manifests in the index, cosign's
 * `sha256-<hex>.att` tags, Sigstore bundle referrers whose statement is not a
 * cosign signature — from a real registry (docker-registry 2.8) a test pushed
 * to, and records exactly what was pushed; with the request economy of
 * signatures, counted by a proxy in front of the registry: only what the tag
 * list, the fallback index or the index says exists, each digest once, and
 * nothing the committed state already holds.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { verifyStateAttestations } from '../../src/attestations/verify-attestations.js';
import { fetchState } from '../../src/registry/fetch-state.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import type { SnapshotProgress } from '../../src/registry/snapshot.js';
import type { AttestationRecord, CosignAttestationRecord, Digest, ImageState, SigstoreBundleRecord } from '../../src/state/image-state.js';
import { type CountingProxy, type Intercept, countByKind, startCountingProxy } from '../harness/counting-proxy.js';
import {
  MEDIA_TYPES,
  type PushedImage,
  type PushedIndex,
  type PushedManifest,
  type PushedReferrer,
  Pusher,
  sha256,
} from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import { SLSA_V1, SPDX, githubProvenance, signAttLayer, spdxDocument, statement } from '../helpers/attestation-signing.js';
import { createCa, createLog, issueLeaf, signBundle, trustedRoot } from '../helpers/signing.js';

const REPOSITORY = 'acme/attested';
const STATEMENT_CAP = 4 * 2 ** 20;
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
/** the commit the index's signed provenance names */
const COMMIT = 'c0ffee'.repeat(6) + 'c0ff';

type TestContext = Parameters<typeof temporaryDirectory>[0];

let registry: RunningRegistry;
let proxy: CountingProxy;
/** what the proxy does to the registry's answers in a test; none by default */
let front: Intercept | undefined;
/** `latest`: two platforms, each with a BuildKit attestation manifest holding provenance and an SBOM; a `.att` of two layers */
let index: PushedIndex;
let indexAtt: { manifest: PushedManifest; records: CosignAttestationRecord[] };
/** `single`: a cosign 3 signature bundle and a GitHub-style provenance bundle, as referrers */
let single: PushedImage;
let signatureReferrer: PushedReferrer;
let provenanceReferrer: PushedReferrer;
let provenanceBundle: SigstoreBundleRecord;
/** `big`: a `.att` whose second layer is over the cap */
let big: PushedImage;
let bigAtt: { manifest: PushedManifest; records: CosignAttestationRecord[]; oversized: Digest };
/** the state a cold run writes, as a repository commits it */
let cleanState: Buffer;
/** the test CA's and log's root, pinned so that no run refreshes the public-good one */
let rootJson: string;

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url, { intercept: (request) => front?.(request) });
  const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  const ca = await createCa();
  const log = createLog();
  rootJson = JSON.stringify(trustedRoot(ca, log));
  const leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: new Date(SIGNED_AT) });
  const logged = (logIndex: number) => ({ log, logIndex, integratedTime: SIGNED_AT / 1000 + 30 });
  /** a `.att` layer as cosign writes it, signed by the leaf and logged (att-verify's helper: no manifest digest until pushed) */
  const attLayer = (subject: Digest, predicateType: string, predicate: object, logIndex: number) => {
    const { manifestDigest: _, ...layer } = signAttLayer({
      statement: statement([subject], predicateType, predicate),
      predicateType,
      leaf,
      log: logged(logIndex),
    });
    return layer;
  };

  index = await pusher.pushIndex({
    tag: 'latest',
    attestations: 'with-sbom',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  const indexLayers = [
    attLayer(index.digest, SLSA_V1, githubProvenance({ repository: 'https://github.com/acme/app', commit: COMMIT }), 3),
    attLayer(index.digest, SPDX, spdxDocument(['busybox', 'musl']), 4),
  ];
  const indexAttManifest = await pusher.pushCosignAttestation(index.digest, indexLayers);
  indexAtt = { manifest: indexAttManifest, records: indexLayers.map((layer) => ({ ...layer, manifestDigest: indexAttManifest.digest })) };

  single = await pusher.pushImage({ tag: 'single', platform: { os: 'linux', architecture: 'amd64' } });
  signatureReferrer = await pusher.pushSigstoreBundleReferrer(single.digest, signBundle({ digest: single.digest, leaf, ...logged(1) }));
  // Listed bare, as cosign 3.0 and GHCR write the fallback index: only the statement tells it is provenance.
  provenanceBundle = signBundle({ digest: single.digest, leaf, ...logged(2), predicateType: SLSA_V1 });
  provenanceReferrer = await pusher.pushSigstoreBundleReferrer(single.digest, provenanceBundle, { listing: 'fallback-bare' });

  big = await pusher.pushImage({ tag: 'big', platform: { os: 'linux', architecture: 'amd64' } });
  const small = attLayer(big.digest, SLSA_V1, {}, 5);
  const huge = Buffer.alloc(STATEMENT_CAP + 1, 'x');
  const hugeLayer: Omit<CosignAttestationRecord, 'manifestDigest'> = {
    format: 'cosign',
    mediaType: MEDIA_TYPES.dsseEnvelope,
    digest: sha256(huge),
    payload: huge.toString('base64'),
    annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: SPDX },
  };
  const bigAttManifest = await pusher.pushCosignAttestation(big.digest, [small, hugeLayer]);
  bigAtt = { manifest: bigAttManifest, records: [{ ...small, manifestDigest: bigAttManifest.digest }], oversized: hugeLayer.digest };

  const dir = workspace({ after: (cleanup) => void cleanups.push(cleanup) });
  const run = await snapshot(dir, 'cache');
  assert.equal(run.status, 0, run.stderr);
  cleanState = readFileSync(path.join(dir, 'state.json'));
});

const cleanups: (() => void)[] = [];

after(async () => {
  await proxy?.stop();
  await registry?.stop();
  for (const cleanup of cleanups) cleanup();
});

beforeEach(() => {
  front = undefined;
  proxy.reset();
});

function workspace(t: TestContext): string {
  const dir = temporaryDirectory(t);
  writeFileSync(
    path.join(dir, 'readme-gen.yaml'),
    `name: app\nlocation: ${proxy.host}/${REPOSITORY}\nstate: state.json\ntrusted-root: trusted_root.json\n`,
  );
  writeFileSync(path.join(dir, 'trusted_root.json'), rootJson);
  return dir;
}

/** `readme-gen snapshot` in a workspace, with the cache `cache` under it. */
function snapshot(dir: string, cache: string): Promise<CliRun> {
  return runCliAsync(['snapshot', '--json', '--cache-dir', path.join(dir, cache)], dir, {}, { deadlineMs: 30_000 });
}

function stateIn(dir: string): ImageState {
  return JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
}

/** A workspace holding the committed state. */
function committed(t: TestContext, state: Buffer = cleanState): string {
  const dir = workspace(t);
  writeFileSync(path.join(dir, 'state.json'), state);
  return dir;
}

/** What the index's BuildKit attestation manifests hold, as the state records it. */
function buildkitRecords(): AttestationRecord[] {
  return index.attestations.flatMap((attestation) =>
    attestation.statements.map((statement) => ({
      format: 'buildkit' as const,
      manifestDigest: attestation.digest,
      subject: attestation.subject,
      mediaType: MEDIA_TYPES.inToto,
      digest: statement.digest,
      predicateType: statement.predicateType,
      payload: statement.bytes.toString('base64'),
    })),
  );
}

describe('snapshot reads attestations in all three forms', () => {
  test('the state records exactly what was pushed: BuildKit statements and .att layers of the index, a provenance bundle beside a signature', async (t) => {
    const dir = workspace(t);
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 0, run.stderr);
    const state = stateIn(dir);

    assert.deepEqual(state.images[index.digest]?.attestations, [...buildkitRecords(), ...indexAtt.records]);
    assert.deepEqual(state.images[index.digest]?.signatures, []);
    assert.equal(state.images[index.digest]?.platforms.length, 2, 'the attestation manifests are no platforms');

    const image = state.images[single.digest];
    assert.deepEqual(
      image?.signatures.map((record) => record.format === 'sigstore-bundle' && record.manifestDigest),
      [signatureReferrer.digest],
      'the GitHub-style provenance bundle is no signature',
    );
    const [provenance, ...more] = image?.attestations ?? [];
    assert.equal(more.length, 0);
    assert.equal(provenance?.format, 'sigstore-bundle');
    assert.equal(provenance.manifestDigest, provenanceReferrer.digest);
    assert.deepEqual(provenance.bundle, JSON.parse(JSON.stringify(provenanceBundle.bundle)));

    assert.deepEqual(state.tags.map((tag) => tag.name).sort(), ['big', 'latest', 'single'], 'no .att or fallback tag is shown');
  });

  test('cold: each manifest and statement fetched once, only what the tag list, the fallback index and the index name', async (t) => {
    const dir = workspace(t);
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 0, run.stderr);
    // Manifests: the index, its 2 platforms and 2 BuildKit attestation manifests; single and big; the two .att tags and
    // the fallback tag, by tag; the 2 referrers. Blobs: 2 configs, the 4 BuildKit statements, 3 .att envelopes (not the
    // one over the cap), the 2 bundles.
    assert.deepEqual(countByKind(proxy.requests), {
      'GET tags': 1,
      HEAD: 3,
      'GET manifests': 1 + 2 + 2 + 2 + 3 + 2,
      'GET blobs': 2 + 4 + 3 + 2,
      'GET referrers': 1,
    });
    const gets = proxy.requests.filter((request) => request.method === 'GET').map((request) => request.path);
    assert.equal(new Set(gets).size, gets.length, `a GET was sent twice: ${gets.join(', ')}`);
  });

  test('a statement over the cap: skipped before its GET, with one warning naming its digest', async (t) => {
    const dir = workspace(t);
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateIn(dir).images[big.digest]?.attestations, bigAtt.records);
    const warnings = run.stderr.trim().split('\n');
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(
      warnings[0] ?? '',
      new RegExp(`^readme-gen: warning: .*\\.att: attestation envelope ${bigAtt.oversized} is ${STATEMENT_CAP + 1} bytes, over the 4 MiB`),
    );
    assert.ok(!proxy.requests.some((request) => request.path.endsWith(bigAtt.oversized)), 'the oversized layer was fetched');
  });
});

describe('the request economy: what the state or the cache holds is not fetched again', () => {
  test('warm cache: only the tag list and HEADs of the tags, the .att tags and the fallback tag', async (t) => {
    const dir = workspace(t);
    assert.equal((await snapshot(dir, 'cache')).status, 0);
    proxy.reset();
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: 3 + 2 + 1 });
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
  });

  test('committed state, empty cache: no attestation manifest or blob GET; only the fallback index, a list of referrers', async (t) => {
    const dir = committed(t);
    const run = await snapshot(dir, 'empty-cache');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: 3 + 2 + 1, 'GET referrers': 1, 'GET manifests': 1 });
    assert.deepEqual(
      proxy.requests.filter((request) => request.method === 'GET' && request.path.includes('/manifests/')).map((request) => request.path),
      [`/v2/${REPOSITORY}/manifests/${provenanceReferrer.fallback?.digest ?? '(none)'}`],
    );
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
  });

  test('a state that has the provenance bundle among the signatures (written before attestations were read): moved, not fetched', async (t) => {
    const old = JSON.parse(cleanState.toString('utf8')) as ImageState;
    const image = old.images[single.digest];
    assert.ok(image?.attestations);
    image.signatures.push(...(image.attestations as SigstoreBundleRecord[]));
    delete image.attestations;
    const dir = committed(t, Buffer.from(JSON.stringify(old)));
    const run = await snapshot(dir, 'empty-cache');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(countByKind(proxy.requests)['GET blobs'], undefined);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
  });
});

describe("a registry's pull quota", () => {
  test('the .att tags of images never seen count among the pulls a run needs at the least', async (t) => {
    // The 3 images and the 2 .att manifests: 5 (the referrers API is not known yet, so the fallback index is not counted).
    front = async (request) => {
      const answer = await request.forward();
      return { ...answer, headers: { ...answer.headers, 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '4;w=21600' } };
    };
    const run = await snapshot(workspace(t), 'cache');
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /this run needs at least 5 manifest GETs \(pulls\), and the registry has 4 of 100 pulls left/);
    assert.equal(countByKind(proxy.requests)['GET manifests'], undefined);
  });
});

describe('an index whose attestation manifest the registry does not have (a mirror that copied only the platforms)', () => {
  test('its statements are left out with one warning naming the index and the manifest; the other platform’s are read', async (t) => {
    const repository = 'acme/sparse';
    const pusher = new Pusher({ registryUrl: registry.url, repository });
    const sparse = await pusher.pushIndex({
      tag: 'latest',
      attestations: true,
      images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
    });
    const [gone, kept] = sparse.attestations;
    assert.ok(gone && kept);
    await pusher.deleteManifest(gone.digest);
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${proxy.host}/${repository}\nstate: state.json\n`);
    const run = await runCliAsync(['snapshot', '--json', '--cache-dir', path.join(dir, 'cache')], dir, {}, { deadlineMs: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stderr,
      `readme-gen: warning: index ${sparse.digest}: the registry does not have its attestation manifest ${gone.digest} (404); its attestations are left out\n`,
    );
    assert.deepEqual(
      stateIn(dir).images[sparse.digest]?.attestations?.map((record) => record.format === 'buildkit' && [record.subject, record.digest]),
      kept.statements.map((statement) => [kept.subject, statement.digest]),
    );
  });
});

describe('progress', () => {
  test('counts the attestation manifests: the .att manifests, and the BuildKit ones as their index is read', async () => {
    const seen: SnapshotProgress[] = [];
    await fetchState(
      { source: 'test', location: `${registry.host}/${REPOSITORY}`, excludeTags: [] },
      { cacheDir: null, env: {}, warn: () => undefined, onProgress: (progress) => seen.push(structuredClone(progress)) },
    );
    // 2 .att manifests (latest, big) and the index's 2 BuildKit attestation manifests.
    assert.deepEqual(seen.at(-1)?.attestations, { done: 4, total: 4 });
    for (const [i, progress] of seen.entries()) {
      assert.ok(progress.attestations.done <= progress.attestations.total, `more read than found at report ${i}`);
      assert.ok(progress.attestations.total >= (seen[i - 1]?.attestations.total ?? 0), `the count went back at report ${i}`);
    }
  });
});

describe('what snapshot records is what verification reads', () => {
  test("every attestation verifies from the state snapshot wrote: the .att layers and the provenance bundle signed by the leaf, BuildKit's unsigned", (t) => {
    const dir = committed(t);
    const trust = loadTrust({ trustedRootPath: path.join(dir, 'trusted_root.json') });
    const verdicts = verifyStateAttestations(stateIn(dir), [index.digest, single.digest], trust, {
      certificateIdentity: IDENTITY,
      certificateOidcIssuer: ISSUER,
    });
    const summary = (digest: Digest) =>
      (verdicts.get(digest) ?? []).map((verdict) =>
        verdict.verified
          ? [verdict.facts.form, verdict.facts.kind, verdict.facts.signing.signed, verdict.facts.subject]
          : ['failed', verdict.failure.message],
      );
    assert.deepEqual(summary(index.digest), [
      ...index.attestations.flatMap((attestation) => [
        ['buildkit', 'provenance', false, attestation.subject],
        ['buildkit', 'sbom', false, attestation.subject],
      ]),
      ['cosign', 'provenance', true, index.digest],
      ['cosign', 'sbom', true, index.digest],
    ]);
    assert.deepEqual(summary(single.digest), [['sigstore-bundle', 'provenance', true, single.digest]]);
  });
});

describe('snapshot, render, verify', () => {
  test('the README rendered from the state snapshot wrote shows the signed provenance and SBOM of the primary tag, and verifies', async (t) => {
    const dir = committed(t);
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      [
        'name: app',
        `location: ${registry.host}/${REPOSITORY}`,
        'state: state.json',
        'primary-tag: latest',
        'trusted-root: trusted_root.json',
        'identity:',
        `  certificate-identity: ${IDENTITY}`,
        `  certificate-oidc-issuer: ${ISSUER}`,
        '',
      ].join('\n'),
    );
    const render = await runCliAsync(['render', '--write'], dir, {}, { deadlineMs: 30_000 });
    assert.equal(render.status, 0, render.stderr);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(readme, /^## Provenance$/m);
    assert.ok(readme.includes(`[${COMMIT}](https://github.com/acme/app/commit/${COMMIT})`), 'the commit the signed .att provenance names');
    assert.match(readme, /\*\*SBOM:\*\* SPDX .*2 packages, signed by `https:\/\/github\.com\/acme\/app\//);
    const verify = await runCliAsync(['verify', 'README.md'], dir, {}, { deadlineMs: 30_000 });
    assert.equal(verify.status, 0, verify.stderr);
  });
});
