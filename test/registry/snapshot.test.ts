import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageState } from '../../src/state/image-state.js';
import { type CountingProxy, countByKind, startCountingProxy } from '../harness/counting-proxy.js';
import { type PushedImage, type PushedIndex, Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { runCli, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, createSigningKey, issueLeaf, payloadFor, signBundle, signLegacy, trustedRoot } from '../helpers/signing.js';
import { type TaggedPlatforms, expectedRows, pushTaggedPlatforms, shownRows } from '../helpers/tagged-platforms.js';

/**
 * `readme-gen snapshot` against a real registry (docker-registry 2.8) that a
 * test pushed to: the state must say exactly what was pushed, and a run must
 * make only the requests it needs — counted by a proxy in front of the registry.
 */
const REPOSITORY = 'acme/app';
const PER_ARCH = 'acme/per-arch';
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';

let registry: RunningRegistry;
let proxy: CountingProxy;
let multiArch: PushedIndex;
let dockerList: PushedIndex;
let single: PushedImage;
let manyTags: string[];
let rootJson: object;
/** in acme/per-arch: per-arch tags on the platform manifests of an index and of a Docker list, beside single-arch tags */
let perArch: TaggedPlatforms;

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url);
  const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  multiArch = await pusher.pushIndex({
    tag: 'latest',
    attestations: true,
    annotations: { 'org.opencontainers.image.source': 'https://github.com/acme/app', 'com.example.other': 'ignored' },
    images: [
      { platform: { os: 'linux', architecture: 'amd64' } },
      { platform: { os: 'linux', architecture: 'arm64' } },
      { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    ],
  });
  await pusher.tag('1.2.3', multiArch.digest);
  dockerList = await pusher.pushIndex({
    tag: 'docker-list',
    docker: true,
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  single = await pusher.pushImage({
    tag: 'single',
    docker: true,
    platform: { os: 'linux', architecture: 'amd64' },
    labels: { 'org.opencontainers.image.revision': 'abc123', maintainer: 'ignored' },
  });
  manyTags = await pusher.pushManyTags('nightly-', 110, single.digest);

  const ca = await createCa();
  const log = createLog();
  rootJson = trustedRoot(ca, log);
  const leaf = await issueLeaf(ca, {
    subject: IDENTITY,
    issuer: 'https://token.actions.githubusercontent.com',
    notBefore: new Date(SIGNED_AT),
  });
  const integratedTime = SIGNED_AT / 1000 + 30;
  await pusher.pushCosignSignature(multiArch.digest, [
    signLegacy({
      payload: payloadFor(multiArch.digest, `${registry.host}/${REPOSITORY}`),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: 7, integratedTime },
    }),
  ]);
  await pusher.pushSigstoreBundleReferrer(
    dockerList.digest,
    signBundle({ digest: dockerList.digest, leaf, log, logIndex: 8, integratedTime }),
  );

  perArch = await pushTaggedPlatforms(new Pusher({ registryUrl: registry.url, repository: PER_ARCH }));
  await new Pusher({ registryUrl: registry.url, repository: PER_ARCH }).pushCosignSignature(perArch.index.digest, [
    signLegacy({
      payload: payloadFor(perArch.index.digest, `${registry.host}/${PER_ARCH}`),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: 9, integratedTime },
    }),
  ]);
});

after(async () => {
  await proxy?.stop();
  await registry?.stop();
});

function workspace(t: Parameters<typeof temporaryDirectory>[0], host: string): string {
  const dir = temporaryDirectory(t);
  // The images are signed by the test CA and log: their root is pinned, so no TUF refresh of the public-good one.
  writeFileSync(
    path.join(dir, 'readme-gen.yaml'),
    `name: app\nlocation: ${host}/${REPOSITORY}\nstate: state.json\nexclude-tags: ["nightly-1*"]\ntrusted-root: trusted_root.json\n`,
  );
  writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(rootJson));
  return dir;
}

function snapshot(dir: string, cacheDir: string) {
  return runCli(['snapshot', '--quiet', '--json', '--cache-dir', cacheDir], dir);
}

function readState(dir: string): ImageState {
  return JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
}

describe('readme-gen snapshot against a real registry', () => {
  test('records exactly what was pushed', (t) => {
    const dir = workspace(t, registry.host);
    const run = snapshot(dir, path.join(dir, 'cache'));
    assert.equal(run.status, 0, run.stderr);
    const state = readState(dir);

    const shownNightly = manyTags.filter((tag) => !tag.startsWith('nightly-1'));
    const expectedTags = [
      ['1.2.3', multiArch.digest, multiArch.mediaType],
      ['docker-list', dockerList.digest, dockerList.mediaType],
      ['latest', multiArch.digest, multiArch.mediaType],
      ['single', single.digest, single.mediaType],
      ...shownNightly.map((tag) => [tag, single.digest, single.mediaType]),
    ].sort(([a], [b]) => ((a ?? '') < (b ?? '') ? -1 : 1));
    assert.deepEqual(
      state.tags.map((tag) => [tag.name, tag.digest, tag.mediaType]),
      expectedTags,
    );

    const platforms = (index: PushedIndex) =>
      index.images.map((image) => ({
        os: image.platform.os,
        architecture: image.platform.architecture,
        ...(image.platform.variant ? { variant: image.platform.variant } : {}),
        digest: image.digest,
        size: image.totalSize,
      }));
    const multi = state.images[multiArch.digest];
    assert.deepEqual(multi?.platforms, platforms(multiArch), 'index platforms, attestations left out, in index order');
    assert.deepEqual(multi?.annotations, { 'org.opencontainers.image.source': 'https://github.com/acme/app' });
    assert.deepEqual(state.images[dockerList.digest]?.platforms, platforms(dockerList));
    assert.deepEqual(state.images[single.digest]?.platforms, [
      { os: 'linux', architecture: 'amd64', digest: single.digest, size: single.totalSize },
    ]);
    assert.deepEqual(state.images[single.digest]?.labels, { 'org.opencontainers.image.revision': 'abc123' });

    const [legacy] = multi?.signatures ?? [];
    assert.equal(legacy?.format, 'cosign');
    assert.equal(multi?.signatures.length, 1);
    const [bundle] = state.images[dockerList.digest]?.signatures ?? [];
    assert.equal(bundle?.format, 'sigstore-bundle');
    assert.equal(state.images[single.digest]?.signatures.length, 0);
    assert.equal(Object.keys(state.images).length, 3);

    const summary = JSON.parse(run.stdout) as { tags: number; digests: number };
    assert.equal(summary.tags, expectedTags.length);
    assert.equal(summary.digests, 3);
  });

  test('the state it writes renders, every signature verified', (t) => {
    const dir = workspace(t, registry.host);
    assert.equal(snapshot(dir, path.join(dir, 'cache')).status, 0);
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      `name: app\nlocation: ${registry.host}/${REPOSITORY}\nstate: state.json\nprimary-tag: latest\n`,
    );
    const run = runCli(['render', '--trusted-root', 'trusted_root.json', '--certificate-identity', IDENTITY], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\[Rekor entry 7\]\(https:\/\/search\.sigstore\.dev\/\?logIndex=7\)/);
    assert.match(run.stdout, /\[Rekor entry 8\]\(https:\/\/search\.sigstore\.dev\/\?logIndex=8\)/);
    assert.match(run.stdout, /`linux\/arm\/v7` `sha256:/);
  });

  test('is byte-identical when nothing changed, and leaves the file alone', (t) => {
    const dir = workspace(t, registry.host);
    const cache = path.join(dir, 'cache');
    assert.equal(snapshot(dir, cache).status, 0);
    const first = readFileSync(path.join(dir, 'state.json'));
    const second = snapshot(dir, cache);
    assert.equal(second.status, 0);
    assert.equal((JSON.parse(second.stdout) as { written: boolean }).written, false);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), first);
    const fresh = snapshot(dir, path.join(dir, 'other-cache'));
    assert.equal(fresh.status, 0);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), first, 'a cold run gives the same bytes');
  });

  test('makes only the requests it needs, cold; only tag pages and HEADs, warm', async (t) => {
    const dir = workspace(t, proxy.host);
    const cache = path.join(dir, 'cache');
    const shown = readState(
      (() => {
        const probe = workspace(t, registry.host);
        assert.equal(snapshot(probe, path.join(probe, 'cache')).status, 0);
        return probe;
      })(),
    ).tags.length;

    proxy.reset();
    assert.equal((await runCliAsync(['snapshot', '--quiet', '--cache-dir', cache], dir)).status, 0);
    const cold = countByKind(proxy.requests);
    // Tag pages: distribution 2.8 returns every tag in one page.
    // HEADs: each shown tag. The signed images are new, so their .sig tag and referrers fallback tag are read
    // with one GET by tag each: nothing about them can be cached yet, and a HEAD first would only add a round trip.
    // Manifest GETs: 3 images, their 6 platform manifests, the index's 4 BuildKit attestation manifests, the .sig
    // manifest, the fallback index, the bundle's manifest.
    // Blob GETs: the single-arch image's config, the 4 BuildKit statements, the signature payload, the bundle.
    // Referrers: one probe, which tells that 2.8 has no referrers API.
    assert.deepEqual(cold, { 'GET tags': 1, HEAD: shown, 'GET manifests': 3 + 6 + 4 + 3, 'GET blobs': 1 + 4 + 2, 'GET referrers': 1 });
    assert.equal(
      proxy.requests.filter((request) => request.method === 'GET' && /\/manifests\/sha256-[0-9a-f]{64}(\.sig)?$/.test(request.path)).length,
      2,
    );

    // Warm: the images are known, so the signature tags are HEADed, to notice a new signature without a GET.
    proxy.reset();
    assert.equal((await runCliAsync(['snapshot', '--quiet', '--cache-dir', cache], dir)).status, 0);
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: shown + 2 });
  });

  test('a warm run finds a signature added to an image it has seen, fetching only what is new', async (t) => {
    const repository = 'acme/resigned';
    const pusher = new Pusher({ registryUrl: registry.url, repository });
    const image = await pusher.pushImage({ tag: 'v1', platform: { os: 'linux', architecture: 'amd64' } });
    const key = createSigningKey();
    const first = signLegacy({ payload: payloadFor(image.digest, `${registry.host}/${repository}`), privateKey: key.privateKey });
    await pusher.pushCosignSignature(image.digest, [first]);
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${proxy.host}/${repository}\nstate: state.json\n`);
    const cache = path.join(dir, 'cache');
    assert.equal((await runCliAsync(['snapshot', '--quiet', '--cache-dir', cache], dir)).status, 0);
    assert.equal(readState(dir).images[image.digest]?.signatures.length, 1);

    const second = signLegacy({
      payload: payloadFor(image.digest, `${registry.host}/${repository}`, [['run', '2']]),
      privateKey: key.privateKey,
    });
    await pusher.pushCosignSignature(image.digest, [first, second]);
    proxy.reset();
    const run = await runCliAsync(['snapshot', '--quiet', '--cache-dir', cache], dir);
    assert.equal(run.status, 0, run.stderr);
    const signatures = readState(dir).images[image.digest]?.signatures ?? [];
    assert.deepEqual(
      signatures.map((signature) => signature.format === 'cosign' && signature.digest),
      [first.digest, second.digest],
    );
    // The tag and the .sig tag HEADed; the new signature manifest and the new payload fetched; the image and the first payload from the cache.
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: 2, 'GET manifests': 1, 'GET blobs': 1 });

    // A third signature, read with the committed state and an empty cache (the bot's run): the image is
    // described by the state, but the .sig tag now points to another manifest, whose signatures are all read.
    const third = signLegacy({
      payload: payloadFor(image.digest, `${registry.host}/${repository}`, [['run', '3']]),
      privateKey: key.privateKey,
    });
    await pusher.pushCosignSignature(image.digest, [first, second, third]);
    proxy.reset();
    const fresh = await runCliAsync(['snapshot', '--quiet', '--cache-dir', path.join(dir, 'empty-cache')], dir);
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.deepEqual(
      readState(dir).images[image.digest]?.signatures.map((signature) => signature.format === 'cosign' && signature.digest),
      [first.digest, second.digest, third.digest],
    );
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: 2, 'GET referrers': 1, 'GET manifests': 1, 'GET blobs': 3 });
  });
});

describe('platform manifests with tags of their own (1.0-arm64) beside their index, a Docker list and single-arch tags', () => {
  function perArchWorkspace(t: Parameters<typeof temporaryDirectory>[0], host: string): string {
    const dir = temporaryDirectory(t);
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      [
        'name: per-arch',
        `location: ${host}/${PER_ARCH}`,
        'repo: https://github.com/acme/per-arch',
        'description: One image, tagged per architecture too.',
        'state: state.json',
        'trusted-root: trusted_root.json',
        'identity:',
        `  certificate-identity: ${IDENTITY}`,
        '  certificate-oidc-issuer: https://token.actions.githubusercontent.com',
        'wording:',
        '  generator: https://github.com/acme/readme-generator',
        '  signed-images: Acme images',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(rootJson));
    return dir;
  }

  test('snapshot records each tagged platform manifest as an image of its own, with the platform and size its index gives it, fetching each manifest once', async (t) => {
    const dir = perArchWorkspace(t, proxy.host);
    proxy.reset();
    const run = await runCliAsync(['snapshot', '--quiet', '--cache-dir', path.join(dir, 'cache')], dir);
    assert.equal(run.status, 0, run.stderr);
    const state = readState(dir);
    assert.deepEqual(
      state.tags.map((tag) => [tag.name, tag.digest]),
      [...perArch.tags].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    for (const index of [perArch.index, perArch.dockerList]) {
      const platforms = state.images[index.digest]?.platforms ?? [];
      assert.equal(platforms.length, index.images.length);
      for (const image of index.images) {
        const inIndex = platforms.find((platform) => platform.digest === image.digest);
        assert.ok(inIndex, `${image.digest} is a platform of ${index.digest}`);
        const own = state.images[image.digest];
        assert.equal(own?.mediaType, image.mediaType, 'the tagged platform manifest is an image of its own');
        assert.deepEqual(own?.platforms, [inIndex], 'with one platform: the one its index gives it');
      }
    }
    // Each manifest once: the tagged platform manifests are also their indexes' children, and not fetched twice.
    // Manifests: 2 indexes, their 5 platforms, 2 single-arch images, the .sig manifest. Blobs: the config of each
    // of the 7 single-arch manifests (a tagged platform is one), the signature payload.
    const cold = countByKind(proxy.requests);
    assert.deepEqual(cold, {
      'GET tags': 1,
      HEAD: perArch.tags.size,
      'GET manifests': 2 + 5 + 2 + 1,
      'GET blobs': 7 + 1,
      'GET referrers': 1,
    });
  });

  for (const template of ['default', 'distroless'] as const) {
    test(`render --template ${template}: one row per tag digest, each tagged platform with its digest and its one platform`, (t) => {
      const dir = perArchWorkspace(t, registry.host);
      assert.equal(snapshot(dir, path.join(dir, 'cache')).status, 0);
      const run = runCli(['render', '--template', template, '--write'], dir);
      assert.equal(run.status, 0, run.stderr);
      const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
      assert.deepEqual(shownRows(readme), expectedRows(perArch, template));

      // verify reads the tag's digest from the same cell: the index's, not a tagged platform's beside it.
      const verify = runCli(
        [
          'verify',
          'README.md',
          '--trusted-root',
          'trusted_root.json',
          '--certificate-identity',
          IDENTITY,
          '--certificate-oidc-issuer',
          'https://token.actions.githubusercontent.com',
        ],
        dir,
      );
      assert.equal(verify.status, 0, verify.stderr);
      assert.ok(verify.stdout.includes(perArch.index.digest), verify.stdout);
    });
  }
});
