/**
 * cosign 3 signatures end to end, against a real registry: an image signed as
 * cosign 3 signs it — a Sigstore bundle v0.3 referrer holding a DSSE envelope
 * over the `cosign/sign/v1` statement — in the three ways it is logged today:
 * Rekor v1 (`dsse` entry, SET, checkpoint-signed inclusion proof) with an
 * RFC 3161 timestamp; Rekor v2 (`hashedrekord` 0.0.2 over the DSSE PAE,
 * Ed25519 checkpoint, no SET and no integrated time) with an RFC 3161
 * timestamp; and keyed with no log entry. Each is pushed twice: to a registry
 * with the referrers API (docker-registry 2.8 has none, so a proxy in front of
 * it answers /referrers/ the way one would), and to one without it, listed in
 * the `sha256-<hex>` fallback index the way cosign 3.0 writes it and GHCR
 * shows it — `artifactType: application/vnd.oci.empty.v1+json`, no annotations.
 * All made by this test's own CA, logs and TSA, trusted through
 * --trusted-root; then `readme-gen snapshot` → `render` → `verify` through
 * the CLI. Each tampering of what the registry holds is exit 4, naming the
 * digest and the check that caught it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Check } from '../../src/signatures/signature-check-error.js';
import type { Digest, SigstoreBundleRecord } from '../../src/state/image-state.js';
import type { ImageState } from '../../src/state/image-state.js';
import { type CountingProxy, type InterceptedRequest, startCountingProxy } from '../harness/counting-proxy.js';
import { type Descriptor, MEDIA_TYPES, type PushedImage, Pusher, type ReferrerOptions } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import {
  type BundleOptions,
  createCa,
  createLog,
  createRekorV2Log,
  createSigningKey,
  issueLeaf,
  signBundle,
  trustedRoot,
  IDENTITY,
  ISSUER,
} from '../helpers/signing.js';
import { type TestTsa, createTsa } from '../helpers/timestamp-authority.js';
import { flipLastBit } from '../helpers/tamper.js';

/** The certificate lives ten minutes from SIGNED_AT; the log and the TSA act a minute in. */
const SIGNED_AT = new Date(Date.UTC(2026, 5, 1, 12));
const LOGGED_AT = new Date(SIGNED_AT.getTime() + 60_000);
const V1_INDEX = 4242;
const V2_INDEX = 669;
const V2_HOST = 'log2025-1.rekor.test.invalid';
const ANNOTATIONS = { env: 'prod', Build: '7', 'z-last': 'yes' };

type Layout = 'rekor-v1' | 'rekor-v2' | 'keyed';
type Listing = 'referrers-api' | 'fallback';

let registry: RunningRegistry;
/** the same registry, with a referrers API answered from what this test pushed */
let withApi: CountingProxy;
const referrers = new Map<string, Descriptor[]>();
let root: object;
let publicKeyPem: string;
let sign: (layout: Layout, digest: Digest) => SigstoreBundleRecord;

before(async () => {
  registry = await startRegistry();
  withApi = await startCountingProxy(registry.url, { intercept: answerReferrers });
  const ca = await createCa();
  const v1 = createLog();
  const v2 = createRekorV2Log(V2_HOST);
  const tsa: TestTsa = await createTsa();
  const leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: SIGNED_AT });
  const key = createSigningKey();
  publicKeyPem = key.publicKeyPem;
  root = trustedRoot(ca, v1, { logs: [v2], timestampAuthorities: [tsa] });
  const options: Record<Layout, Omit<BundleOptions, 'digest'>> = {
    // cosign 3.0.2, as it signs on GHCR today: compact statement, no annotations, Rekor v1 and the TSA.
    'rekor-v1': {
      leaf,
      log: v1,
      logIndex: V1_INDEX,
      integratedTime: LOGGED_AT.getTime() / 1000,
      tsa,
      timestampAt: LOGGED_AT,
      release: '3.0',
    },
    // cosign 3.1 with the Rekor v2 signing config, and -a annotations.
    'rekor-v2': { leaf, log: v2, logIndex: V2_INDEX, tsa, timestampAt: LOGGED_AT, release: '3.1', annotations: ANNOTATIONS },
    // cosign 3.1 sign --key --tlog-upload=false.
    keyed: { key, release: '3.1', annotations: ANNOTATIONS },
  };
  sign = (layout, digest) => signBundle({ digest, ...options[layout] });
});

after(async () => {
  await withApi?.stop();
  await registry?.stop();
});

/** GET /v2/<name>/referrers/<digest>, as a registry with the API answers it: an index of what refers to the digest. */
function answerReferrers(request: InterceptedRequest) {
  const match = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})(\?.*)?$/.exec(request.path);
  if (request.method !== 'GET' || !match) return undefined;
  const manifests = referrers.get(`${match[1]}@${match[2]}`) ?? [];
  return {
    status: 200,
    headers: { 'content-type': MEDIA_TYPES.ociIndex },
    body: JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }),
  };
}

interface Pushed {
  host: string;
  repository: string;
  image: PushedImage;
}

/**
 * An image tagged `tag` in `repository` and its cosign 3 referrer, listed the
 * way `listing` says; `tamper` changes the bundle before it is pushed.
 */
async function pushSigned(
  repository: string,
  tag: string,
  layout: Layout,
  listing: Listing,
  tamper?: (bundle: Bundle) => void,
): Promise<Pushed> {
  const pusher = new Pusher({ registryUrl: registry.url, repository });
  const image = await pusher.pushImage({ tag, platform: { os: 'linux', architecture: 'amd64' } });
  const record = sign(layout, image.digest);
  tamper?.(record.bundle as unknown as Bundle);
  const variant: ReferrerOptions =
    listing === 'referrers-api'
      ? { listing: 'none' }
      : // the fallback index as cosign 3.0 writes it; the keyed referrer also names its type only as its config's media type
        { listing: 'fallback-bare', ...(layout === 'keyed' ? { artifactTypeIn: 'config-media-type' as const } : {}) };
  const referrer = await pusher.pushSigstoreBundleReferrer(image.digest, record, variant);
  if (listing === 'referrers-api')
    referrers.set(`${repository}@${image.digest}`, [...(referrers.get(`${repository}@${image.digest}`) ?? []), referrer.descriptor]);
  return { host: listing === 'referrers-api' ? withApi.host : registry.host, repository, image };
}

function workspace(t: Parameters<typeof temporaryDirectory>[0], pushed: Pushed): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${pushed.host}/${pushed.repository}\nstate: state.json\n`);
  writeFileSync(path.join(dir, 'root.json'), JSON.stringify(root));
  writeFileSync(path.join(dir, 'cosign.pub'), publicKeyPem);
  return dir;
}

function flagsFor(layout: Layout): string[] {
  return ['--trusted-root', 'root.json', ...(layout === 'keyed' ? ['--key', 'cosign.pub'] : [])];
}

async function snapshot(dir: string): Promise<void> {
  const run = await runCliAsync(
    ['snapshot', '--quiet', '--trusted-root', 'root.json', '--cache-dir', path.join(dir, 'cache')],
    dir,
    {},
    { deadlineMs: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
}

const EXPECTED_CLAIMS: Record<Layout, (reference: string, digest: string) => string> = {
  // 3.0.2 put no annotations in the statement: cosign prints {}.
  'rekor-v1': (reference, digest) => printedClaims(reference, digest, '{}'),
  // Go prints a map's keys in byte order: upper case first.
  'rekor-v2': (reference, digest) =>
    printedClaims(reference, digest, '{\n      "Build": "7",\n      "env": "prod",\n      "z-last": "yes"\n    }'),
  keyed: (reference, digest) =>
    printedClaims(reference, digest, '{\n      "Build": "7",\n      "env": "prod",\n      "z-last": "yes"\n    }'),
};

function printedClaims(reference: string, digest: string, optional: string): string {
  return `[\n  {\n    "critical": {\n      "identity": {\n        "docker-reference": "${reference}"\n      },\n      "image": {\n        "docker-manifest-digest": "${digest}"\n      },\n      "type": "https://sigstore.dev/cosign/sign/v1"\n    },\n    "optional": ${optional}\n  }\n]`;
}

const LAYOUTS: Layout[] = ['rekor-v1', 'rekor-v2', 'keyed'];
const LISTINGS: Listing[] = ['referrers-api', 'fallback'];

describe('cosign 3 bundle referrers: snapshot → render → verify', () => {
  for (const listing of LISTINGS) {
    for (const layout of LAYOUTS) {
      test(`${layout}, ${listing === 'fallback' ? 'in the fallback index cosign 3.0 writes (empty artifactType, no annotations)' : 'through the referrers API'}`, async (t) => {
        const pushed = await pushSigned(`cosign3/${layout}-${listing}`, 'latest', layout, listing);
        const dir = workspace(t, pushed);
        const digest = pushed.image.digest;
        const reference = `${pushed.host}/${pushed.repository}:latest`;

        await snapshot(dir);
        const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
        const [signature, ...others] = state.images[digest]?.signatures ?? [];
        assert.equal(others.length, 0);
        assert.equal(signature?.format, 'sigstore-bundle', 'the image is signed, as cosign sees it');
        assert.equal(signature.artifactType, MEDIA_TYPES.sigstoreBundle, 'the type comes from the referrer manifest, not the index');

        const render = await runCliAsync(['render', '--write', ...flagsFor(layout)], dir);
        assert.equal(render.status, 0, render.stderr);
        const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
        assert.ok(readme.includes(EXPECTED_CLAIMS[layout](reference, digest)), `the claims cosign prints:\n${readme}`);
        const row = readme.split('\n').find((line) => line.startsWith('| `latest` |') && line.includes('`sha256:')) ?? '';
        if (layout === 'rekor-v1') {
          assert.ok(row.endsWith(`| [Rekor entry ${V1_INDEX}](https://search.sigstore.dev/?logIndex=${V1_INDEX}) |`), row);
          assert.ok(readme.includes('The table above links each signed digest to its entry in the Rekor transparency log.'));
          assert.ok(readme.includes(`  --certificate-identity=${IDENTITY} \\`));
        } else if (layout === 'rekor-v2') {
          assert.ok(row.endsWith(`| \`${V2_HOST} #${V2_INDEX}\` |`), row);
          assert.doesNotMatch(readme, /search\.sigstore\.dev|rekor\.tlog\.dev/, 'no link to a page that cannot show a Rekor v2 entry');
          assert.doesNotMatch(readme, /links each signed digest/);
          assert.ok(readme.includes('a Rekor v2 entry is named by its log and index'));
        } else {
          assert.ok(row.endsWith('| signed, not logged |'), row);
          assert.ok(readme.includes('The signature is not in a transparency log'));
          assert.ok(readme.includes(`cosign verify --key cosign.pub --insecure-ignore-tlog=true ${reference}`));
          assert.ok(readme.startsWith('# app'));
          assert.ok(readme.includes('WARNING: Skipping tlog verification is an insecure practice'));
          assert.ok(readme.includes('  - The signatures were verified against the specified public key'));
        }

        const verify = await runCliAsync(['verify', ...flagsFor(layout), 'README.md'], dir);
        assert.equal(verify.status, 0, verify.stderr + verify.stdout);

        // A hand edit of a claim the README prints: the row's log entry (or, unlogged, its
        // digest), then the printed claims' type. Each is exit 4 naming what was edited.
        const edits: [string, string, RegExp][] = [
          layout === 'keyed'
            ? ['the digest in the tags table', digest.slice(-12), /digest/]
            : ['the log entry', layout === 'rekor-v1' ? `logIndex=${V1_INDEX}` : `#${V2_INDEX}`, /log entry/],
          ['the printed type', '"type": "https://sigstore.dev/cosign/sign/v1"', /type/],
        ];
        for (const [what, text, named] of edits) {
          assert.ok(readme.includes(text), `${what}: ${text} is in the README`);
          const changed = text.replace(/[0-9a-f](?=[^0-9a-f]*$)/, (last) => (last === '0' ? '1' : '0')).replace('sign/v1', 'sign/v2');
          writeFileSync(path.join(dir, 'README.md'), readme.replace(text, changed));
          const tampered = await runCliAsync(['verify', ...flagsFor(layout), 'README.md'], dir);
          assert.equal(tampered.status, 4, `${what}: ${tampered.stderr}`);
          assert.match(tampered.stderr, /^readme-gen: README\.md(:\d+)?: /, `${what}: names the file`);
          assert.match(tampered.stderr, named, `${what}: names the claim`);
        }
      });
    }
  }
});

describe('which referrers are signatures: as cosign 3 decides (GetBundles, Bundle)', () => {
  test('a bundle of version 0.3 in either spelling counts; a referrer with more than one layer, an older bundle, an SBOM do not', async (t) => {
    const repository = 'cosign3/recognition';
    const pusher = new Pusher({ registryUrl: registry.url, repository });
    const image = await pusher.pushImage({ tag: 'latest', platform: { os: 'linux', architecture: 'amd64' } });
    const listed: Descriptor[] = [];
    const push = async (record: SigstoreBundleRecord, options: ReferrerOptions = {}) =>
      listed.push((await pusher.pushSigstoreBundleReferrer(image.digest, record, { listing: 'none', ...options })).descriptor);

    // The bundle and its layer typed application/vnd.dev.sigstore.bundle+json;version=0.3, as sigstore-go also writes 0.3.
    const legacyType = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
    const spelled = sign('rekor-v1', image.digest);
    (spelled.bundle as { mediaType: string }).mediaType = legacyType;
    await push({ ...spelled, artifactType: legacyType });
    // A v0.2 bundle: cosign requires 0.3 or later.
    const old = sign('rekor-v1', image.digest);
    (old.bundle as { mediaType: string }).mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
    await push(old, { layerMediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' });
    // An SBOM referrer.
    await push({
      format: 'sigstore-bundle',
      manifestDigest: image.digest,
      artifactType: 'application/spdx+json',
      bundle: { spdxVersion: 'SPDX-2.3' },
    });
    // A bundle beside a second layer: cosign wants exactly one.
    const bundleLayer = await pusher.pushBlob(
      Buffer.from(JSON.stringify(sign('rekor-v1', image.digest).bundle)),
      MEDIA_TYPES.sigstoreBundle,
    );
    const extraLayer = await pusher.pushBlob(Buffer.from('{"extra":true}'), 'application/json');
    const twoLayers = await pusher.pushManifest({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: MEDIA_TYPES.sigstoreBundle,
      config: {
        mediaType: MEDIA_TYPES.ociEmpty,
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [bundleLayer, extraLayer],
      subject: { mediaType: image.mediaType, digest: image.digest, size: image.size },
    });
    listed.push({
      mediaType: MEDIA_TYPES.ociManifest,
      digest: twoLayers.digest,
      size: twoLayers.size,
      artifactType: MEDIA_TYPES.sigstoreBundle,
    });
    referrers.set(`${repository}@${image.digest}`, listed);

    const dir = workspace(t, { host: withApi.host, repository, image });
    await snapshot(dir);
    const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
    const signatures = state.images[image.digest]?.signatures ?? [];
    assert.deepEqual(
      signatures.map((signature) => signature.format === 'sigstore-bundle' && [signature.manifestDigest, signature.artifactType]),
      [[listed[0]?.digest, legacyType]],
    );
    const render = await runCliAsync(['render', ...flagsFor('rekor-v1')], dir);
    assert.equal(render.status, 0, render.stderr);
    assert.ok(render.stdout.includes(`[Rekor entry ${V1_INDEX}]`));
  });
});

/** The parts of a bundle the tampering touches. */
interface Bundle {
  verificationMaterial: {
    tlogEntries: {
      inclusionPromise?: { signedEntryTimestamp: string };
      inclusionProof: { hashes: string[]; checkpoint: { envelope: string } };
    }[];
    timestampVerificationData: { rfc3161Timestamps: { signedTimestamp: string }[] };
  };
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
}

function editStatement(
  bundle: Bundle,
  edit: (statement: { subject: { digest: { sha256: string }; annotations?: Record<string, string> }[] }) => void,
): void {
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as Parameters<typeof edit>[0];
  edit(statement);
  bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
}

interface Tampering {
  what: string;
  layouts: Layout[];
  tamper: (bundle: Bundle) => void;
  /** the check that names it; several where verifiers differ in which check they run first */
  check: (layout: Layout) => Check[];
}

const OTHER_HEX = 'cd'.repeat(32);

const TAMPERINGS: Tampering[] = [
  {
    what: 'the statement names another image',
    layouts: LAYOUTS,
    tamper: (bundle) =>
      editStatement(bundle, (statement) => void (statement.subject[0] && (statement.subject[0].digest.sha256 = OTHER_HEX))),
    check: () => ['a'],
  },
  {
    what: "the statement's annotations are changed",
    layouts: LAYOUTS,
    tamper: (bundle) =>
      editStatement(
        bundle,
        (statement) =>
          void (statement.subject[0] && (statement.subject[0].annotations = { ...statement.subject[0].annotations, env: 'staging' })),
      ),
    // The log entry records the statement (v1: its hash; v2: the hash of its PAE), and sigstore-js compares it before the signature.
    check: (layout) => (layout === 'keyed' ? ['b'] : ['e']),
  },
  {
    what: 'the envelope signature is changed',
    layouts: LAYOUTS,
    tamper: (bundle) => {
      const [signature] = bundle.dsseEnvelope.signatures;
      if (signature) signature.sig = flipLastBit(signature.sig);
    },
    // The TSA's message imprint is the signature's: sigstore-js checks timestamps first and names (f);
    // a verifier that checks the signature first names (b).
    check: (layout) => (layout === 'keyed' ? ['b'] : ['f', 'b']),
  },
  {
    what: 'the checkpoint signature is changed',
    layouts: ['rekor-v1', 'rekor-v2'],
    tamper: (bundle) => {
      const entry = bundle.verificationMaterial.tlogEntries[0];
      if (!entry) return;
      const envelope = entry.inclusionProof.checkpoint.envelope;
      const line = envelope.slice(envelope.lastIndexOf('\u2014'));
      const signature = line.trim().split(' ').at(-1) ?? '';
      entry.inclusionProof.checkpoint.envelope = envelope.replace(signature, flipLastBit(signature));
    },
    check: () => ['d'],
  },
  {
    what: 'a hash of the inclusion proof is changed',
    layouts: ['rekor-v1', 'rekor-v2'],
    tamper: (bundle) => {
      const proof = bundle.verificationMaterial.tlogEntries[0]?.inclusionProof;
      if (proof?.hashes[0]) proof.hashes[0] = flipLastBit(proof.hashes[0]);
    },
    check: () => ['d'],
  },
  {
    what: 'the SignedEntryTimestamp is changed',
    layouts: ['rekor-v1'],
    tamper: (bundle) => {
      const promise = bundle.verificationMaterial.tlogEntries[0]?.inclusionPromise;
      if (promise) promise.signedEntryTimestamp = flipLastBit(promise.signedEntryTimestamp);
    },
    check: () => ['d'],
  },
  {
    what: 'the RFC 3161 timestamp is changed',
    layouts: ['rekor-v1', 'rekor-v2'],
    tamper: (bundle) => {
      const [timestamp] = bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps;
      if (timestamp) timestamp.signedTimestamp = flipLastBit(timestamp.signedTimestamp);
    },
    check: () => ['f'],
  },
];

/** sigstore-js's TIMESTAMP_ERROR as readme-gen named it before check (f) had its own sentences. */

function assertRejected(run: CliRun, digest: string, checks: Check[], what: string, t: { diagnostic: (message: string) => void }): void {
  assert.equal(run.status, 4, `${what}: not rejected (exit ${run.status}): ${run.stderr}`);
  const named = /check (?:\(([a-f])\) [a-z -]+|identity policy) failed/.exec(run.stderr);
  assert.ok(named, `${what}: no check named: ${run.stderr}`);
  assert.ok(
    checks.includes((named[1] ?? 'policy') as Check),
    `${what}: named check ${named[1]}, expected ${checks.join(' or ')}: ${run.stderr}`,
  );
  if (checks.length > 1) t.diagnostic(`${what}: check (${named[1]})`);
  assert.ok(run.stderr.includes(digest), `${what}: the digest is not named: ${run.stderr}`);
}

describe('cosign 3 bundle referrers tampered with in the registry: render refuses them (exit 4)', () => {
  for (const layout of LAYOUTS) {
    test(layout, async (t) => {
      // One repository per layout, a tag per tampering; render is then run with only that tag shown.
      const repository = `cosign3/tampered-${layout}`;
      const cases = TAMPERINGS.filter((tampering) => tampering.layouts.includes(layout));
      const pushed: Pushed[] = [];
      for (const [index, tampering] of cases.entries())
        pushed.push(await pushSigned(repository, `case-${index}`, layout, 'fallback', tampering.tamper));
      const dir = workspace(t, pushed[0] as Pushed);
      await snapshot(dir);
      const tags = cases.map((_, index) => `case-${index}`);
      for (const [index, tampering] of cases.entries()) {
        const others = tags.filter((tag) => tag !== `case-${index}`);
        const run = await runCliAsync(['render', ...flagsFor(layout), '--exclude-tags', others.join(',')], dir);
        assertRejected(run, (pushed[index] as Pushed).image.digest, tampering.check(layout), `${layout}: ${tampering.what}`, t);
      }
    });
  }
});
