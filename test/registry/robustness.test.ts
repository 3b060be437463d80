/**
 * What real registries serve that docker-registry 2.8 does not, played by the
 * counting proxy's intercept in front of a real registry: Docker schema 1
 * manifests (old Docker Hub tags, ECR, Quay), a referrers endpoint that
 * answers an HTML page or pages its index with Link, a sparse index (a child
 * the mirror never copied), Artifactory's Link without the virtual
 * repository's prefix, and a 401 for a repository that does not exist (Docker
 * Hub, Quay). Each costs a warning, or one clear error, never a failed run
 * for content readme-gen can do without.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CredentialFinder } from '../../src/registry/credentials.js';
import type { ImageState } from '../../src/state/image-state.js';
import { type CountingProxy, type Intercept, startCountingProxy } from '../harness/counting-proxy.js';
import { MEDIA_TYPES, type PushedIndex, type PushedReferrer, Pusher, sha256 } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, issueLeaf, signBundle, trustedRoot } from '../helpers/signing.js';

const REPOSITORY = 'acme/app';
const BASE = `/v2/${REPOSITORY}`;
/** Artifactory serves a virtual repository under a prefix its next Link forgets. */
const VIRTUAL = 'virtual/acme/many';
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const SCHEMA1_TYPE = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
/** A schema 1 manifest as a registry stores it (the JWS signature cut short: it is never read). */
const SCHEMA1_BYTES = Buffer.from(
  `${JSON.stringify(
    {
      schemaVersion: 1,
      name: REPOSITORY,
      tag: 'old',
      architecture: 'amd64',
      fsLayers: [{ blobSum: `sha256:${'a'.repeat(64)}` }],
      history: [{ v1Compatibility: '{"id":"1"}' }],
      signatures: [{ header: { alg: 'ES256' }, signature: 'x', protected: 'e30' }],
    },
    null,
    3,
  )}\n`,
);
const SCHEMA1_DIGEST = sha256(SCHEMA1_BYTES);

type TestContext = Parameters<typeof temporaryDirectory>[0];

let registry: RunningRegistry;
let proxy: CountingProxy;
let fault: Intercept | undefined;
let signed: PushedIndex;
let referrers: PushedReferrer[];
let manyTags: string[];
/** the state a run without faults writes: signatures from the fallback tag, as 2.8 has no referrers API */
let cleanRun: Promise<ImageState> | undefined;
/** the test CA's and log's root, pinned: the bundles verify offline, with no TUF refresh of the public-good one */
let rootJson: object;

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url, { intercept: (request) => fault?.(request) });
  const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  signed = await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  // The tag a schema 1 front answers for: listed by the registry, its manifest replaced by the intercept.
  await pusher.pushImage({ tag: 'old', platform: { os: 'linux', architecture: 'amd64' } });
  const ca = await createCa();
  const log = createLog();
  rootJson = trustedRoot(ca, log);
  const leaf = await issueLeaf(ca, {
    subject: 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
    notBefore: new Date(SIGNED_AT),
  });
  referrers = [];
  for (const logIndex of [1, 2]) {
    const bundle = signBundle({ digest: signed.digest, leaf, log, logIndex, integratedTime: SIGNED_AT / 1000 + 30 });
    referrers.push(await pusher.pushSigstoreBundleReferrer(signed.digest, bundle));
  }
  const virtual = new Pusher({ registryUrl: registry.url, repository: VIRTUAL });
  const image = await virtual.pushImage({ platform: { os: 'linux', architecture: 'amd64' } });
  manyTags = (await virtual.pushManyTags('t', 5, image.digest)).sort();
});

after(async () => {
  await proxy?.stop();
  await registry?.stop();
});

beforeEach(() => {
  fault = undefined;
  proxy.reset();
});

function writeConfig(dir: string, repository = REPOSITORY): void {
  writeFileSync(
    path.join(dir, 'readme-gen.yaml'),
    `name: app\nlocation: ${proxy.host}/${repository}\nstate: state.json\ntrusted-root: trusted_root.json\n`,
  );
  writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(rootJson));
}

function workspace(t: TestContext, repository = REPOSITORY): string {
  const dir = temporaryDirectory(t);
  writeConfig(dir, repository);
  return dir;
}

/** `readme-gen snapshot` with a fresh cache (every GET happens, the referrers probe too), warnings on stderr. */
function snapshot(dir: string, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCliAsync(
    ['snapshot', '--cache-dir', path.join(dir, 'cache')],
    dir,
    { DOCKER_CONFIG: dir, READMEGEN_REGISTRY_USERNAME: undefined, READMEGEN_REGISTRY_PASSWORD: undefined, ...env },
    { deadlineMs: 30_000 },
  );
}

/** The clean state, from the first test that asks (before it sets its fault), in that test's directory. */
function cleanState(t: TestContext): Promise<ImageState> {
  cleanRun ??= (async () => {
    const dir = workspace(t);
    const run = await snapshot(dir);
    assert.equal(run.status, 0, run.stderr);
    proxy.reset();
    return readState(dir);
  })();
  return cleanRun;
}

function readState(dir: string): ImageState {
  return JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
}

function warnings(run: CliRun): string[] {
  return run.stderr.split('\n').filter((line) => line.startsWith('readme-gen: warning: '));
}

describe('Docker schema 1', () => {
  test('a tag whose HEAD says schema 1 is never fetched, left out of the state, and named in one warning', async (t) => {
    const clean = await cleanState(t);
    fault = (request) => {
      if (request.path !== `${BASE}/manifests/old` && request.path !== `${BASE}/manifests/${SCHEMA1_DIGEST}`) return undefined;
      const headers = { 'content-type': SCHEMA1_TYPE, 'docker-content-digest': SCHEMA1_DIGEST, 'content-length': SCHEMA1_BYTES.length };
      return request.method === 'HEAD' ? { status: 200, headers, body: Buffer.alloc(0) } : { status: 200, headers, body: SCHEMA1_BYTES };
    };
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    const state = readState(dir);
    assert.deepEqual(
      state.tags.map((tag) => tag.name),
      ['latest'],
    );
    assert.deepEqual(state.images, { [signed.digest]: clean.images[signed.digest] });
    const [warning, ...more] = warnings(run).filter((line) => line.includes('schema 1'));
    assert.deepEqual(more, []);
    assert.ok(warning?.includes(`tag old (${SCHEMA1_DIGEST}): Docker schema 1 manifest`), warning);
    assert.deepEqual(
      proxy.requests.filter((request) => request.method === 'GET' && request.path.includes(`/manifests/old`)),
      [],
      'the schema 1 manifest is never fetched',
    );
    assert.ok(!proxy.requests.some((request) => request.method === 'GET' && request.path.includes(SCHEMA1_DIGEST)));
  });
});

describe('referrers', () => {
  test('a 200 with an HTML page: the fallback tag is read instead, the same state as without the API, one warning', async (t) => {
    const clean = await cleanState(t);
    fault = (request) =>
      request.path.startsWith(`${BASE}/referrers/`)
        ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in</body></html>' }
        : undefined;
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readState(dir), clean);
    assert.equal(clean.images[signed.digest]?.signatures.length, 2, 'the fallback tag lists both bundles');
    const referrersWarnings = warnings(run).filter((line) => line.includes('referrers API'));
    assert.equal(referrersWarnings.length, 1, run.stderr);
    assert.match(
      referrersWarnings[0] ?? '',
      /a 200 of type text\/html, not an OCI index; reading signatures from the sha256-<hex> fallback tags/,
    );
  });

  test('a 403: the fallback tag is read instead, one warning', async (t) => {
    const clean = await cleanState(t);
    fault = (request) => (request.path.startsWith(`${BASE}/referrers/`) ? { status: 403, body: 'forbidden' } : undefined);
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readState(dir), clean);
    assert.equal(warnings(run).filter((line) => line.includes('the referrers API answered HTTP 403')).length, 1, run.stderr);
  });

  test('an index in two Link pages (a relative Link): both pages are read, the fallback tag is not', async (t) => {
    const clean = await cleanState(t);
    const page = (manifests: unknown[], link?: string) => ({
      status: 200,
      headers: { 'content-type': MEDIA_TYPES.ociIndex, ...(link ? { link } : {}) },
      body: JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }),
    });
    const [first, second] = referrers.map((referrer) => referrer.descriptor);
    fault = (request) => {
      if (request.path === `${BASE}/referrers/${signed.digest}`) return page([first], `<?page=2>; rel="next"`);
      if (request.path === `${BASE}/referrers/${signed.digest}?page=2`) return page([second]);
      if (request.path.startsWith(`${BASE}/referrers/`)) return page([]);
      return undefined;
    };
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readState(dir), clean);
    assert.deepEqual(warnings(run), []);
    assert.ok(proxy.requests.some((request) => request.path === `${BASE}/referrers/${signed.digest}?page=2`));
    const fallbackTag = referrers[0]?.fallback?.tag ?? '';
    assert.ok(!proxy.requests.some((request) => request.path.endsWith(`/manifests/${fallbackTag}`)), 'the fallback tag is not read');
  });

  test('an index whose next Link is on another host: not followed; the fallback tag is read instead, one warning', async (t) => {
    const clean = await cleanState(t);
    fault = (request) =>
      request.path.startsWith(`${BASE}/referrers/`)
        ? {
            status: 200,
            headers: { 'content-type': MEDIA_TYPES.ociIndex, link: '<http://127.0.0.2:9/v2/acme/app/referrers/x?page=2>; rel="next"' },
            body: JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] }),
          }
        : undefined;
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readState(dir), clean);
    const referrersWarnings = warnings(run).filter((line) => line.includes('referrers API'));
    assert.equal(referrersWarnings.length, 1, run.stderr);
    assert.match(referrersWarnings[0] ?? '', /with a Link to another host \(http:\/\/127\.0\.0\.2:9\)/);
  });
});

describe('sparse index', () => {
  test('a child manifest the registry does not have: that platform is left out with a warning, the run succeeds', async (t) => {
    const clean = await cleanState(t);
    const missing = signed.images[1]?.digest ?? '';
    fault = (request) =>
      request.path === `${BASE}/manifests/${missing}`
        ? {
            status: 404,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }),
          }
        : undefined;
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    const state = readState(dir);
    assert.deepEqual(
      state.images[signed.digest]?.platforms.map((platform) => `${platform.os}/${platform.architecture}`),
      ['linux/amd64'],
    );
    assert.deepEqual(state.images[signed.digest]?.signatures, clean.images[signed.digest]?.signatures);
    const sparse = warnings(run).filter((line) => line.includes(missing));
    assert.equal(sparse.length, 1, run.stderr);
    assert.match(
      sparse[0] ?? '',
      new RegExp(`index ${signed.digest}: the registry does not have its linux/arm64 manifest .*\\(404\\); that platform is left out`),
    );
  });
});

describe('Artifactory', () => {
  test("a next Link without the virtual repository's prefix: the next page is asked on the repository's own path", async (t) => {
    const tagsPath = `/v2/${VIRTUAL}/tags/list`;
    const [firstPage, secondPage] = [manyTags.slice(0, 2), manyTags.slice(2)];
    fault = (request) => {
      if (request.method !== 'GET' || !request.path.startsWith(tagsPath)) return undefined;
      const last = new URL(request.path, 'http://x').searchParams.get('last');
      const headers = { 'content-type': 'application/json', 'x-jfrog-version': 'Artifactory/7.42.2 74202900' };
      if (last === null) {
        const link = `</v2/acme/many/tags/list?n=1000&last=${firstPage.at(-1)}>; rel="next"`;
        return { status: 200, headers: { ...headers, link }, body: JSON.stringify({ name: VIRTUAL, tags: firstPage }) };
      }
      return { status: 200, headers, body: JSON.stringify({ name: VIRTUAL, tags: manyTags.filter((tag) => tag > last) }) };
    };
    const dir = workspace(t, VIRTUAL);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      [...firstPage, ...secondPage],
    );
    const pages = proxy.requests.filter((request) => request.path.includes('/tags/list')).map((request) => request.path);
    assert.deepEqual(pages, [`${tagsPath}?n=1000`, `${tagsPath}?n=1000&last=${firstPage.at(-1)}`]);
  });
});

describe('a 401 for a repository that may not exist', () => {
  test('the error names both possibilities: exit 3', async (t) => {
    fault = (request) =>
      request.path.startsWith('/v2/acme/missing/')
        ? { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' }, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }
        : undefined;
    const dir = workspace(t, 'acme/missing');

    const run = await snapshot(dir, { READMEGEN_REGISTRY_USERNAME: 'someone', READMEGEN_REGISTRY_PASSWORD: 'not-printed-secret' });

    assert.equal(run.status, 3, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      /acme\/missing: the registry refused access .*\(401\): the repository may not exist .*or the credentials may not allow/,
    );
    assert.ok(!run.stderr.includes('not-printed-secret'));
  });
});

describe('docker config keys', () => {
  test('an https://registry-1.docker.io key is Docker Hub', async (t) => {
    const dir = temporaryDirectory(t);
    mkdirSync(dir, { recursive: true });
    const auth = Buffer.from('hubuser:hubpass').toString('base64');
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'https://registry-1.docker.io': { auth } } }));
    const finder = new CredentialFinder({ env: { DOCKER_CONFIG: dir }, manyImages: false, helperTimeoutMs: 1000, warn: () => undefined });
    const found = await finder.find('docker.io', 'library/alpine');
    assert.equal(found?.kind === 'password' ? found.username : undefined, 'hubuser');
    assert.equal(await finder.find('ghcr.io', 'acme/app'), undefined);
  });
});
