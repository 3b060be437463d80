/**
 * Pulls spent, counted by the counting proxy in front of a real registry
 * (docker-registry 2.8): what the committed state describes is not fetched
 * again even with an empty cache; a pull quota the registry announces
 * (Docker Hub's ratelimit headers) is checked before any GET, and a spent
 * one (429 TOOMANYREQUESTS) ends the run at once, without retries; a tag list
 * carrying gcr.io's manifest map spares the HEAD of every tag it describes.
 *
 * One proxy serves the whole file (the state names its host); each test sets
 * `front`, what the proxy does to the registry's answers.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { MANIFEST_ACCEPT } from '../../src/registry/oci-manifest.js';
import { type CountingProxy, type Intercept, countByKind, startCountingProxy } from '../harness/counting-proxy.js';
import { type PushedIndex, Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, createSigningKey, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';

const REPOSITORY = 'acme/app';
const BASE = `/v2/${REPOSITORY}`;
const QUOTA_SPENT = JSON.stringify({
  errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your unauthenticated pull rate limit.' }],
});

type TestContext = Parameters<typeof temporaryDirectory>[0];

let registry: RunningRegistry;
let proxy: CountingProxy;
let front: Intercept | undefined;
let index: PushedIndex;
/** the state a run through a plain proxy writes, and how many tags it shows */
let cleanState: Buffer;
let shownTags: number;
const cleanups: (() => void)[] = [];

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url, { intercept: (request) => front?.(request) });
  const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  index = await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  await pusher.tag('1.0', index.digest);
  await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'amd64' }, labels: { a: 'b' } });
  const key = createSigningKey();
  await pusher.pushCosignSignature(index.digest, [
    signLegacy({ payload: payloadFor(index.digest, `${registry.host}/${REPOSITORY}`), privateKey: key.privateKey }),
  ]);
  front = undefined;
  const clean = await committed({ after: (cleanup) => void cleanups.push(cleanup) });
  cleanState = readFileSync(path.join(clean, 'state.json'));
  shownTags = (JSON.parse(cleanState.toString('utf8')) as { tags: unknown[] }).tags.length;
});

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
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${proxy.host}/${REPOSITORY}\nstate: state.json\n`);
  return dir;
}

/** A workspace whose state.json a first run wrote, as a repository commits it. */
async function committed(t: TestContext): Promise<string> {
  const dir = workspace(t);
  const run = await snapshot(dir, 'first-cache');
  assert.equal(run.status, 0, run.stderr);
  proxy.reset();
  return dir;
}

/** `readme-gen snapshot` with a cache of its own: a cache directory never used before is empty. */
function snapshot(dir: string, cache: string): Promise<CliRun> {
  return runCliAsync(['snapshot', '--quiet', '--json', '--cache-dir', path.join(dir, cache)], dir, {}, { deadlineMs: 20_000 });
}

function stateOf(dir: string): Buffer {
  return readFileSync(path.join(dir, 'state.json'));
}

/** The registry's answer with Docker Hub's quota headers added. */
function withQuota(remaining: number): Intercept {
  return async (request) => {
    const answer = await request.forward();
    return { ...answer, headers: { ...answer.headers, 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': `${remaining};w=21600` } };
  };
}

describe('the committed state is reused: an empty cache costs no pulls', () => {
  test('snapshot with the committed state and an empty cache: no manifest or blob GET, the same bytes', async (t) => {
    const dir = await committed(t);
    const run = await snapshot(dir, 'empty-cache');
    assert.equal(run.status, 0, run.stderr);
    // The tag list, a HEAD per tag and the .sig tag's HEAD (to notice a new signature), the referrers probe
    // (the capability is remembered in the cache, which is empty): nothing else.
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: shownTags + 1, 'GET referrers': 1 });
    assert.deepEqual(stateOf(dir), cleanState);
    assert.equal((JSON.parse(run.stdout) as { written: boolean }).written, false);
  });
});

describe('readme-gen pr refreshes from the committed state', () => {
  test('pr --dry-run in a clone with the committed state and an empty cache: no manifest or blob GET', async (t) => {
    const scratch = temporaryDirectory(t);
    // git isolated from the machine's config; the one commit names its author itself.
    const gitEnv = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, ...gitEnv } });
    const remote = path.join(scratch, 'remote.git');
    const work = path.join(scratch, 'work');
    git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
    git(scratch, 'clone', '--quiet', remote, work);
    git(work, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    writeFileSync(
      path.join(work, 'readme-gen.yaml'),
      `name: app\nlocation: ${proxy.host}/${REPOSITORY}\nstate: state.json\ntrusted-root: trusted_root.json\n`,
    );
    // A root of the test's own, so nothing is refreshed from the internet; the key-signed signature is then unverified.
    writeFileSync(path.join(work, 'trusted_root.json'), JSON.stringify(trustedRoot(await createCa(), createLog())));
    writeFileSync(path.join(work, 'state.json'), cleanState);
    git(work, 'add', '--all');
    git(work, '-c', 'user.name=Test', '-c', 'user.email=test@example.test', 'commit', '--quiet', '-m', 'state');
    git(work, 'push', '--quiet', '--set-upstream', 'origin', 'main');

    const run = await runCliAsync(
      ['pr', '--dry-run', '--allow-unverified', '--quiet', '--cache-dir', path.join(scratch, 'empty-cache')],
      work,
      gitEnv,
      { deadlineMs: 20_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, HEAD: shownTags + 1, 'GET referrers': 1 });
  });
});

describe("a registry's pull quota (Docker Hub's ratelimit headers)", () => {
  test('fewer pulls left than the run needs: exit 3 before any manifest GET, saying how many are needed and left', async (t) => {
    const dir = workspace(t);
    front = withQuota(2);
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 3, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] ?? '',
      /acme\/app: this run needs at least \d+ manifest GETs \(pulls\), and the registry has 2 of 100 pulls left in its 21600 s window/,
    );
    const counts = countByKind(proxy.requests);
    assert.equal(counts['GET manifests'], undefined, 'no pull spent');
    assert.equal(counts['GET blobs'], undefined);
  });

  test('no pulls left, but the committed state describes everything: the run needs none, and succeeds', async (t) => {
    const dir = await committed(t);
    front = withQuota(0);
    const run = await snapshot(dir, 'empty-cache');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), cleanState);
    assert.equal(countByKind(proxy.requests)['GET manifests'], undefined);
  });

  test('429 TOOMANYREQUESTS: exit 3 at once with one line, no request sent twice', async (t) => {
    const dir = workspace(t);
    front = (request) =>
      request.method === 'GET' && request.path.startsWith(`${BASE}/manifests/`)
        ? { status: 429, headers: { 'content-type': 'application/json' }, body: QUOTA_SPENT }
        : undefined;
    const started = performance.now();
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 3, run.stderr);
    assert.ok(performance.now() - started < 10_000, 'no backoff');
    assert.match(
      run.stderr.trim(),
      /^readme-gen: .*acme\/app: the registry's pull quota is used up \(HTTP 429 \(TOOMANYREQUESTS You have reached your unauthenticated pull rate limit\.\)\); not retried/,
    );
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    const refused = proxy.requests.filter((request) => request.status === 429).map((request) => request.path);
    assert.ok(refused.length >= 1);
    assert.equal(new Set(refused).size, refused.length, `a refused GET was retried: ${refused.join(', ')}`);
  });
});

describe("a tag list with gcr.io's manifest map", () => {
  /** The tag list as gcr.io sends it: each digest with its tags and media type, looked up here from the registry itself. */
  const gcrListing: Intercept = async (request) => {
    if (request.method !== 'GET' || !request.path.startsWith(`${BASE}/tags/list`)) return undefined;
    const answer = await request.forward();
    const listing = JSON.parse(answer.body.toString('utf8')) as { name: string; tags: string[] };
    const manifest: Record<string, { tag: string[]; mediaType: string; imageSizeBytes: string; timeCreatedMs: string }> = {};
    for (const tag of listing.tags) {
      const head = await fetch(`${registry.url}${BASE}/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } });
      const digest = head.headers.get('docker-content-digest') ?? '';
      const entry = (manifest[digest] ??= {
        tag: [],
        mediaType: head.headers.get('content-type') ?? '',
        imageSizeBytes: '0',
        timeCreatedMs: '0',
      });
      entry.tag.push(tag);
    }
    return { ...answer, body: JSON.stringify({ ...listing, manifest }) };
  };

  test('cold: no HEAD at all, the same state', async (t) => {
    const dir = workspace(t);
    front = gcrListing;
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(countByKind(proxy.requests).HEAD, undefined);
    assert.deepEqual(stateOf(dir), cleanState);
  });

  test('with the committed state and an empty cache: only the tag list and the referrers probe', async (t) => {
    const dir = await committed(t);
    front = gcrListing;
    const run = await snapshot(dir, 'empty-cache');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(countByKind(proxy.requests), { 'GET tags': 1, 'GET referrers': 1 });
    assert.deepEqual(stateOf(dir), cleanState);
  });

  test('a tag missing from the map is HEADed, and only that one', async (t) => {
    const dir = workspace(t);
    front = async (request) => {
      const answer = await gcrListing(request);
      if (!answer) return undefined;
      const listing = JSON.parse(String(answer.body)) as { manifest: Record<string, { tag: string[] }> };
      for (const entry of Object.values(listing.manifest)) entry.tag = entry.tag.filter((tag) => tag !== 'single');
      return { ...answer, body: JSON.stringify(listing) };
    };
    const run = await snapshot(dir, 'cache');
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      proxy.requests.filter((request) => request.method === 'HEAD').map((request) => request.path),
      [`${BASE}/manifests/single`],
    );
    assert.deepEqual(stateOf(dir), cleanState);
  });
});
