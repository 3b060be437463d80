/**
 * The harness against the real docker-registry (distribution 2.8.2): what it
 * pushes is what a client reads back, each auth mode behaves as registries in
 * the wild do, and the facts about 2.8 that registry-client tests rely on
 * (Accept rules, tag pagination, no referrers API) hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Digest } from '../../src/state/image-state.js';
import { createCa, createLog, createSigningKey, issueLeaf, payloadFor, signBundle, signLegacy } from '../helpers/signing.js';
import { type CountingProxy, type ProxiedRequest, startCountingProxy } from './counting-proxy.js';
import { EMPTY_DESCRIPTOR, MANIFEST_ACCEPT, MEDIA_TYPES, Pusher, sha256, tagForDigest } from './push.js';
import { type RunningRegistry, startRegistry } from './registry-server.js';
import { type TokenServer, startTokenServer } from './token-server.js';

const REPOSITORY = 'acme/app';
const ARM_V7 = { os: 'linux', architecture: 'arm', variant: 'v7' };
const ARM_V6 = { os: 'linux', architecture: 'arm', variant: 'v6' };

interface ReadManifest {
  status: number;
  contentType: string | null;
  headerDigest: string | null;
  bytes: Buffer;
}

async function getManifest(
  baseUrl: string,
  reference: string,
  accept = MANIFEST_ACCEPT,
  headers: Record<string, string> = {},
): Promise<ReadManifest> {
  const response = await fetch(`${baseUrl}/v2/${REPOSITORY}/manifests/${reference}`, { headers: { accept, ...headers } });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headerDigest: response.headers.get('docker-content-digest'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

interface ListPage {
  url: string;
  link: string | null;
  count: number;
}

/** Follows `Link: <…>; rel="next"`, resolving relative links against the page's URL, as a client must. */
async function listFollowingLinks(firstUrl: string, key: 'tags' | 'repositories'): Promise<{ names: string[]; pages: ListPage[] }> {
  const names: string[] = [];
  const pages: ListPage[] = [];
  for (let url: string | undefined = firstUrl; url !== undefined && pages.length < 20;) {
    const response = await fetch(url);
    assert.equal(response.status, 200, url);
    const page = ((await response.json()) as Record<string, string[]>)[key] ?? [];
    const link = response.headers.get('link');
    names.push(...page);
    pages.push({ url, link, count: page.length });
    const next = link ? /<([^>]+)>\s*;\s*rel="next"/.exec(link)?.[1] : undefined;
    url = next === undefined ? undefined : new URL(next, url).href;
  }
  return { names, pages };
}

describe('registry without auth', () => {
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let pusher: Pusher;

  before(async () => {
    registry = await startRegistry();
    proxy = await startCountingProxy(registry.url);
    pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  test('an index with arm/v7, arm/v6 and attestations reads back byte for byte through the proxy', async () => {
    const index = await pusher.pushIndex({
      images: [
        { platform: ARM_V7, labels: { 'org.opencontainers.image.title': 'app' } },
        { platform: ARM_V6, layers: 2 },
      ],
      attestations: true,
      tag: 'multi',
    });
    proxy.reset();

    const read = await getManifest(proxy.url, 'multi');

    assert.equal(read.status, 200);
    assert.equal(read.contentType, MEDIA_TYPES.ociIndex);
    assert.equal(sha256(read.bytes), index.digest);
    assert.equal(read.headerDigest, index.digest);
    assert.deepEqual(withoutTiming(proxy.requests), [
      { method: 'GET', path: `/v2/${REPOSITORY}/manifests/multi`, status: 200, bytesOut: index.size, intercepted: false },
    ]);
    assert.ok((proxy.requests[0]?.upstreamMs ?? 0) > 0, 'the time the registry took is recorded');
    const parsed = JSON.parse(read.bytes.toString()) as {
      manifests: { digest: string; platform: object; annotations?: Record<string, string> }[];
    };
    assert.deepEqual(
      parsed.manifests.map((entry) => entry.platform),
      [ARM_V7, ARM_V6, { architecture: 'unknown', os: 'unknown' }, { architecture: 'unknown', os: 'unknown' }],
    );
    assert.deepEqual(
      parsed.manifests.slice(2).map((entry) => entry.annotations),
      index.images.map((image) => ({ 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' })),
    );
    const [v7, v6] = index.images;
    assert.equal(v6?.layers.length, 2);
    assert.equal(v7?.totalSize, (v7?.size ?? 0) + (v7?.layers[0]?.size ?? 0));
  });

  test('HEAD through the proxy keeps the digest and the manifest length', async () => {
    const image = await pusher.pushImage({ platform: ARM_V7, tag: 'single' });
    proxy.reset();

    const response = await fetch(`${proxy.url}/v2/${REPOSITORY}/manifests/single`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_ACCEPT },
    });

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-content-digest'), image.digest);
    assert.equal(response.headers.get('content-length'), String(image.size));
    assert.deepEqual(withoutTiming(proxy.requests), [
      { method: 'HEAD', path: `/v2/${REPOSITORY}/manifests/single`, status: 200, bytesOut: 0, intercepted: false },
    ]);
  });

  test('pushing through the proxy keeps the upload on the proxy, and known blobs are not uploaded twice', async () => {
    const viaProxy = new Pusher({ registryUrl: proxy.url, repository: REPOSITORY });
    proxy.reset();
    const image = await viaProxy.pushImage({ platform: { os: 'linux', architecture: 'amd64' }, docker: true, tag: 'docker' });
    const methods = proxy.requests.map((request) => request.method);
    proxy.reset();
    await viaProxy.pushBlob(Buffer.from('{}'), EMPTY_DESCRIPTOR.mediaType);
    await viaProxy.pushBlob(Buffer.from('{}'), EMPTY_DESCRIPTOR.mediaType);

    // layer and config: HEAD 404, POST, PUT each; then the manifest PUT
    assert.deepEqual(methods, ['HEAD', 'POST', 'PUT', 'HEAD', 'POST', 'PUT', 'PUT']);
    assert.deepEqual(
      proxy.requests.map((request) => `${request.method} ${request.status}`),
      ['HEAD 404', 'POST 202', 'PUT 201', 'HEAD 200'],
    );
    assert.equal(EMPTY_DESCRIPTOR.digest, sha256(Buffer.from('{}')));
    const read = await getManifest(registry.url, image.digest);
    assert.equal(read.contentType, MEDIA_TYPES.dockerManifest);
    assert.equal(sha256(read.bytes), image.digest);
  });

  test('distribution 2.8 Accept rules: an OCI index needs its type named, a Docker list is rewritten to linux/amd64', async () => {
    const ociIndex = await pusher.pushIndex({ images: [{ platform: ARM_V7 }], tag: 'oci-index' });
    const list = await pusher.pushIndex({
      images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: ARM_V7 }],
      docker: true,
      tag: 'docker-list',
    });
    const manifestsOnly = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(', ');

    const hiddenIndex = await getManifest(registry.url, 'oci-index', manifestsOnly);
    const rewrittenList = await getManifest(registry.url, 'docker-list', manifestsOnly);
    const wholeList = await getManifest(registry.url, 'docker-list');

    assert.equal(hiddenIndex.status, 404);
    assert.match(hiddenIndex.bytes.toString(), /MANIFEST_UNKNOWN/);
    assert.equal(rewrittenList.headerDigest, list.images[0]?.digest);
    assert.equal(wholeList.contentType, MEDIA_TYPES.dockerManifestList);
    assert.equal(sha256(wholeList.bytes), list.digest);
    assert.equal(sha256((await getManifest(registry.url, 'oci-index')).bytes), ociIndex.digest);
  });

  test("cosign's legacy .sig tag and cosign 3's bundle referrer, found through the fallback tag", async () => {
    const image = await pusher.pushImage({ platform: ARM_V7, tag: 'signed' });
    const key = createSigningKey();
    const record = signLegacy({ payload: payloadFor(image.digest, `${registry.host}/${REPOSITORY}`), privateKey: key.privateKey });
    const ca = await createCa();
    const leaf = await issueLeaf(ca, {
      subject: 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
      notBefore: new Date(),
    });
    const bundle = signBundle({ digest: image.digest, leaf, log: createLog(), logIndex: 7, integratedTime: Math.floor(Date.now() / 1000) });

    const signature = await pusher.pushCosignSignature(image.digest, [record]);
    const referrer = await pusher.pushSigstoreBundleReferrer(image.digest, bundle);

    const sig = await getManifest(registry.url, `${tagForDigest(image.digest)}.sig`);
    assert.equal(sha256(sig.bytes), signature.digest);
    const sigLayer = (JSON.parse(sig.bytes.toString()) as { layers: { mediaType: string; digest: Digest; annotations: object }[] })
      .layers[0];
    assert.deepEqual(sigLayer, {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      digest: record.digest,
      size: Buffer.from(record.payload, 'base64').length,
      annotations: record.annotations,
    });
    const payload = await fetch(`${registry.url}/v2/${REPOSITORY}/blobs/${record.digest}`);
    assert.equal(Buffer.from(await payload.arrayBuffer()).toString('base64'), record.payload);

    const referrersApi = await fetch(`${registry.url}/v2/${REPOSITORY}/referrers/${image.digest}`);
    await referrersApi.body?.cancel();
    assert.equal(referrersApi.status, 404, 'distribution 2.8 has no referrers API');
    const fallback = await getManifest(registry.url, tagForDigest(image.digest));
    assert.equal(sha256(fallback.bytes), referrer.fallback?.digest);
    const listed = (
      JSON.parse(fallback.bytes.toString()) as {
        manifests: { digest: string; artifactType: string; annotations: Record<string, string> }[];
      }
    ).manifests;
    assert.deepEqual(
      listed.map((entry) => [entry.digest, entry.artifactType, entry.annotations['dev.sigstore.bundle.predicateType']]),
      [[referrer.digest, MEDIA_TYPES.sigstoreBundle, 'https://sigstore.dev/cosign/sign/v1']],
    );
    const stored = JSON.parse((await getManifest(registry.url, referrer.digest)).bytes.toString()) as {
      config: object;
      subject: object;
      layers: { digest: Digest }[];
    };
    assert.deepEqual(stored.config, {
      mediaType: EMPTY_DESCRIPTOR.mediaType,
      artifactType: MEDIA_TYPES.sigstoreBundle,
      digest: EMPTY_DESCRIPTOR.digest,
      size: EMPTY_DESCRIPTOR.size,
    });
    assert.deepEqual(stored.subject, { mediaType: MEDIA_TYPES.ociManifest, digest: image.digest, size: image.size });
    const bundleBlob = await fetch(`${registry.url}/v2/${REPOSITORY}/blobs/${stored.layers[0]?.digest}`);
    assert.deepEqual(await bundleBlob.json(), bundle.bundle);
  });

  test('tags/list: 2.8 ignores n and sends no Link, while _catalog paginates with a relative Link', async () => {
    const image = await pusher.pushImage({ platform: ARM_V6 });
    const tags = await pusher.pushManyTags('many-', 120, image.digest);
    await new Pusher({ registryUrl: registry.url, repository: 'acme/other' }).pushImage({ platform: ARM_V6, tag: 'latest' });

    const tagList = await listFollowingLinks(`${registry.url}/v2/${REPOSITORY}/tags/list?n=50`, 'tags');
    const catalog = await listFollowingLinks(`${registry.url}/v2/_catalog?n=1`, 'repositories');

    assert.ok(tags.every((tag) => tagList.names.includes(tag)));
    assert.ok(tagList.names.length >= 120);
    assert.deepEqual(
      tagList.pages.map((page) => page.link),
      [null],
      'one page of every tag, n=50 notwithstanding',
    );
    assert.deepEqual(catalog.names, ['acme/app', 'acme/other']);
    assert.equal(catalog.pages[0]?.link, '</v2/_catalog?last=acme%2Fapp&n=1>; rel="next"');
  });

  test('the proxy delays each direction and lets intercept answer instead of the registry', async () => {
    const slow = await startCountingProxy(registry.url, {
      delayMs: 40,
      intercept: (request) => (request.path === '/v2/fault' ? { status: 503, body: 'injected' } : undefined),
    });
    try {
      const started = performance.now();
      const probe = await fetch(`${slow.url}/v2/`);
      const elapsed = performance.now() - started;
      const fault = await fetch(`${slow.url}/v2/fault`);

      assert.equal(probe.status, 200);
      assert.ok(elapsed >= 80, `took ${elapsed} ms, expected two delays of 40 ms`);
      assert.equal(fault.status, 503);
      assert.equal(await fault.text(), 'injected');
      assert.deepEqual(
        slow.requests.map((request) => [request.path, request.status, request.intercepted]),
        [
          ['/v2/', 200, false],
          ['/v2/fault', 503, true],
        ],
      );
    } finally {
      await slow.stop();
    }
  });
});

describe('registry with htpasswd auth', () => {
  const user = { username: 'ci', password: 'correct horse' };
  let registry: RunningRegistry;

  before(async () => {
    registry = await startRegistry({ auth: { htpasswd: user } });
  });
  after(async () => {
    await registry?.stop();
  });

  test('anonymous and wrong-password requests get 401 Basic, the right user gets in and can push', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    const wrong = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('ci:wrong').toString('base64')}` } });
    const right = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` },
    });
    const image = await new Pusher({ registryUrl: registry.url, repository: REPOSITORY, auth: { basic: user } }).pushImage({
      platform: ARM_V7,
      tag: 'v1',
    });
    const anonymousPull = await getManifest(registry.url, 'v1');

    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="readme-gen-test"');
    assert.equal(wrong.status, 401);
    assert.equal(right.status, 200);
    assert.equal(anonymousPull.status, 401);
    const pulled = await getManifest(registry.url, 'v1', MANIFEST_ACCEPT, {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
    });
    assert.equal(sha256(pulled.bytes), image.digest);
  });
});

describe('registry with token auth', () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;

  before(async () => {
    tokens = await startTokenServer({ users: { ci: 'token-secret' } });
    registry = await startRegistry({ auth: { token: tokens } });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  async function anonymousToken(scope: string): Promise<string> {
    const response = await fetch(`${tokens.realm}?service=${encodeURIComponent(tokens.service)}&scope=${encodeURIComponent(scope)}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 300);
    return body.token;
  }

  test('anonymous GET /v2/ gets a Bearer challenge naming the realm and service', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    const tagsResponse = await fetch(`${registry.url}/v2/${REPOSITORY}/tags/list`);

    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${tokens.realm}",service="${tokens.service}"`);
    assert.equal(
      tagsResponse.headers.get('www-authenticate'),
      `Bearer realm="${tokens.realm}",service="${tokens.service}",scope="repository:${REPOSITORY}:pull"`,
    );
  });

  test('a user token pushes, an anonymous token pulls but cannot push, and no password is recorded', async () => {
    tokens.requests.splice(0);
    const pusher = new Pusher({
      registryUrl: registry.url,
      repository: REPOSITORY,
      auth: { bearer: { tokenServer: tokens, username: 'ci', password: 'token-secret' } },
    });
    const image = await pusher.pushImage({ platform: ARM_V7, tag: 'v1' });
    const pullToken = await anonymousToken(`repository:${REPOSITORY}:pull,push`);

    const pulled = await getManifest(registry.url, 'v1', MANIFEST_ACCEPT, { authorization: `Bearer ${pullToken}` });
    const push = await fetch(`${registry.url}/v2/${REPOSITORY}/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pullToken}` },
    });
    const wrongPassword = await fetch(`${tokens.realm}?service=${tokens.service}`, {
      headers: { authorization: `Basic ${Buffer.from('ci:nope').toString('base64')}` },
    });

    assert.equal(pulled.status, 200);
    assert.equal(sha256(pulled.bytes), image.digest);
    assert.equal(push.status, 401);
    assert.match(push.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.equal(wrongPassword.status, 401);
    assert.deepEqual(
      tokens.requests.map((request) => [request.method, request.authorization, request.user, request.status]),
      [
        ['GET', true, 'ci', 200],
        ['GET', false, undefined, 200],
        ['GET', true, 'ci', 401],
      ],
    );
    assert.deepEqual(tokens.requests[1]?.query, [
      ['service', tokens.service],
      ['scope', `repository:${REPOSITORY}:pull,push`],
    ]);
    assert.doesNotMatch(JSON.stringify(tokens.requests), /token-secret|nope/);
  });

  test('a token from a key outside rootcertbundle is refused as invalid_token', async () => {
    // Same issuer, service and claims, but its own freshly generated certificate.
    const impostor = await startTokenServer({ users: {} });
    try {
      const response = await fetch(`${impostor.realm}?service=${impostor.service}`);
      const { token } = (await response.json()) as { token: string };

      const probe = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${token}` } });

      assert.equal(probe.status, 401);
      assert.match(probe.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    } finally {
      await impostor.stop();
    }
  });
});

/** The proxy's records without the registry's answer time, which differs from run to run. */
function withoutTiming(requests: ProxiedRequest[]): Omit<ProxiedRequest, 'upstreamMs'>[] {
  return requests.map(({ upstreamMs: _upstreamMs, ...record }) => record);
}
