/**
 * Faults between readme-gen and a real registry, injected by the counting
 * proxy's intercept: transient errors are retried and leave no trace in the
 * state; a registry that asks to wait too long, or answers with bytes that
 * are not what was asked for, ends the run with exit 3 and no state written.
 *
 * One proxy serves the whole file (the state names the registry's host, so
 * every run must go through the same one); each test sets `fault`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from '../../src/errors.js';
import { type RegistryHttpClient, registryHttpClient } from '../../src/registry/registry-http.js';
import {
  type CannedResponse,
  type CountingProxy,
  type Intercept,
  type InterceptedRequest,
  startCountingProxy,
} from '../harness/counting-proxy.js';
import { type PushedImage, type PushedIndex, Pusher } from '../harness/push.js';
import { closeServer, freeLoopbackPort, listenOnLoopback } from '../harness/loopback.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa } from '../helpers/signing.js';

const REPOSITORY = 'acme/app';
const BASE = `/v2/${REPOSITORY}`;
/** a repository with one image: one digest, so nothing else waits on what the referrers probe finds */
const ONE_IMAGE = 'acme/one';

type TestContext = Parameters<typeof temporaryDirectory>[0];

let registry: RunningRegistry;
let proxy: CountingProxy;
let fault: Intercept | undefined;
let index: PushedIndex;
let single: PushedImage;
/** the state a run without faults writes */
let cleanState: Buffer;
/** how long that run took, cold: failing runs must not take much longer */
let cleanMs: number;

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url, { intercept: (request) => fault?.(request) });
  const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  index = await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  await pusher.tag('1.0', index.digest);
  single = await pusher.pushImage({
    tag: 'single',
    docker: true,
    platform: { os: 'linux', architecture: 'amd64' },
    labels: { 'org.opencontainers.image.revision': 'abc' },
  });
  await new Pusher({ registryUrl: registry.url, repository: ONE_IMAGE }).pushImage({
    tag: 'latest',
    platform: { os: 'linux', architecture: 'amd64' },
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-test-'));
  try {
    writeConfig(dir);
    const run = await timed(snapshot(dir));
    assert.equal(run.status, 0, run.stderr);
    cleanState = readFileSync(path.join(dir, 'state.json'));
    cleanMs = run.ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${proxy.host}/${repository}\nstate: state.json\n`);
}

function workspace(t: TestContext, repository = REPOSITORY): string {
  const dir = temporaryDirectory(t);
  writeConfig(dir, repository);
  return dir;
}

/** A run lasting longer than this has hung (a Retry-After of an hour obeyed): it is killed and the test fails. */
const RUN_DEADLINE_MS = 15_000;

/**
 * `readme-gen snapshot` in `dir`, with its own fresh cache so every GET really
 * happens, killed at RUN_DEADLINE_MS: a client that sleeps for an hour fails
 * the test instead of hanging the file.
 */
function snapshot(dir: string): Promise<CliRun> {
  return runCliAsync(
    ['snapshot', '--quiet', '--json', '--cache-dir', path.join(dir, 'cache')],
    dir,
    { DOCKER_CONFIG: dir, READMEGEN_REGISTRY_USERNAME: undefined, READMEGEN_REGISTRY_PASSWORD: undefined },
    { deadlineMs: RUN_DEADLINE_MS },
  );
}

async function timed(run: Promise<CliRun>): Promise<CliRun & { ms: number }> {
  const started = performance.now();
  const result = await run;
  return { ...result, ms: performance.now() - started };
}

type Matcher = (request: InterceptedRequest) => boolean;

const isTagList: Matcher = (request) => request.method === 'GET' && request.path.startsWith(`${BASE}/tags/list`);
const isHead =
  (reference: string): Matcher =>
  (request) =>
    request.method === 'HEAD' && request.path === `${BASE}/manifests/${reference}`;
const isManifestGet =
  (reference: string): Matcher =>
  (request) =>
    request.method === 'GET' && request.path === `${BASE}/manifests/${reference}`;
const isBlobGet =
  (digest: string): Matcher =>
  (request) =>
    request.method === 'GET' && request.path === `${BASE}/blobs/${digest}`;

/** Answers the first request `matches` with `answer` (or drops its connection), then steps aside. */
function once(matches: Matcher, answer: CannedResponse | 'drop the connection'): Intercept {
  let done = false;
  return (request) => {
    if (done || !matches(request)) return undefined;
    done = true;
    if (answer === 'drop the connection') throw new Error('injected: connection dropped');
    return answer;
  };
}

/** Every request `matches` answered by `answer`. */
function always(matches: Matcher, answer: (request: InterceptedRequest) => CannedResponse | Promise<CannedResponse>): Intercept {
  return (request) => (matches(request) ? answer(request) : undefined);
}

/** The registry's own answer to `request`, fetched directly, for intercepts that alter it. */
async function upstream(request: InterceptedRequest): Promise<{ status: number; contentType: string; digest: string; body: Buffer }> {
  const response = await fetch(`${registry.url}${request.path}`, {
    method: request.method,
    headers: { accept: String(request.headers.accept ?? '*/*') },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    digest: response.headers.get('docker-content-digest') ?? '',
    body: Buffer.from(await response.arrayBuffer()),
  };
}

function retries(run: CliRun): number {
  return (JSON.parse(run.stdout) as { retries: number }).retries;
}

describe('transient faults are retried, and leave the state as a clean run writes it', () => {
  const transient: [string, () => Matcher][] = [
    ['the tag list', () => isTagList],
    ['a HEAD', () => isHead('latest')],
    ['an index GET', () => isManifestGet(index.digest)],
    ['a config blob GET', () => isBlobGet(single.config.digest)],
  ];
  for (const [what, matcher] of transient) {
    test(`one 503 on ${what}, then normal: success, byte-identical state, one retry`, async (t) => {
      fault = once(matcher(), { status: 503, body: 'Service Unavailable' });
      const dir = workspace(t);

      const run = await snapshot(dir);

      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '', 'a retry is silent with --quiet');
      assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
      assert.equal(retries(run), 1);
      assert.equal(proxy.requests.filter((request) => request.intercepted && request.status === 503).length, 1, 'the fault did happen');
    });
  }

  test('a connection dropped mid-request, then normal: success, byte-identical state', async (t) => {
    fault = once(isHead('single'), 'drop the connection');
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
    assert.equal(retries(run), 1);
  });

  test('429 with Retry-After: 1, then normal: waits the second, then succeeds', async (t) => {
    fault = once(isTagList, {
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
    });
    const dir = workspace(t);

    const run = await timed(snapshot(dir));

    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.ms >= 1000, `took ${Math.round(run.ms)} ms; Retry-After asked for 1 s`);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
    assert.equal(retries(run), 1);
  });
});

describe('a registry that asks to wait too long: exit 3 at once', () => {
  test('429 with Retry-After: 3600 on the tag list', async (t) => {
    fault = always(isTagList, () => ({ status: 429, headers: { 'retry-after': '3600' }, body: 'You have reached your pull rate limit.' }));
    const dir = workspace(t);

    const run = await timed(snapshot(dir));

    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.ms < 5000, `took ${Math.round(run.ms)} ms`);
    assert.match(run.stderr, /asks to wait 3600 s/);
    assert.match(run.stderr, /429/);
    assert.equal(proxy.requests.filter(isTagListRecord).length, 1, 'not asked again');
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
  });

  test('429 with a Retry-After date two hours ahead, on one HEAD while others are in flight', async (t) => {
    const later = new Date(Date.now() + 2 * 3600 * 1000).toUTCString();
    fault = always(isHead('1.0'), () => ({ status: 429, headers: { 'retry-after': later } }));
    const dir = workspace(t);
    writeFileSync(path.join(dir, 'state.json'), cleanState);

    const run = await timed(snapshot(dir));

    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.ms < 5000, `took ${Math.round(run.ms)} ms`);
    // Two hours less the time the run took to send the HEAD (a loaded machine starts slowly) and
    // the second toUTCString drops; never more than two hours.
    const wait = Number(/asks to wait (\d+) s/.exec(run.stderr)?.[1]);
    assert.ok(wait <= 7200 && wait >= 7200 - Math.ceil(run.ms / 1000) - 1, `waits ${wait} s after a ${Math.round(run.ms)} ms run`);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState, 'the old state is left as it was');
  });
});

function isTagListRecord(request: { method: string; path: string }): boolean {
  return request.method === 'GET' && request.path.startsWith(`${BASE}/tags/list`);
}

/**
 * A previous state file the run must replace: the clean state recorded for
 * another repository, so none of it is reused (a state of this repository
 * would describe the images, and their manifests would not be fetched at all).
 */
function unrelatedState(): Buffer {
  const text = cleanState.toString('utf8');
  const other = text.replace(`"repository": "${proxy.host}/${REPOSITORY}"`, '"repository": "elsewhere.test/acme/app"');
  assert.notEqual(other, text, 'the clean state names this repository');
  return Buffer.from(other);
}

describe('content that does not match its digest: exit 3, nothing written', () => {
  test('a manifest GET answered with bytes of another manifest (and a header that claims the digest asked for)', async (t) => {
    fault = always(isManifestGet(index.digest), () => ({
      status: 200,
      headers: { 'content-type': single.mediaType, 'docker-content-digest': index.digest },
      body: single.bytes,
    }));
    const fresh = workspace(t);
    const previous = workspace(t);
    writeFileSync(path.join(previous, 'state.json'), unrelatedState());

    const runs = [await snapshot(fresh), await snapshot(previous)];

    for (const run of runs) {
      assert.equal(run.status, 3, run.stderr);
      assert.ok(run.stderr.includes(index.digest), run.stderr);
      assert.match(run.stderr, /hash/);
      assert.ok(!run.stderr.includes('internal error'), run.stderr);
    }
    assert.equal(existsSync(path.join(fresh, 'state.json')), false, 'no state file written');
    assert.deepEqual(readFileSync(path.join(previous, 'state.json')), unrelatedState(), 'the old state file unchanged');
    const hex = index.digest.slice('sha256:'.length);
    for (const dir of [fresh, previous]) {
      assert.equal(existsSync(path.join(dir, 'cache', 'sha256', hex.slice(0, 2), hex)), false, 'the wrong bytes are not cached');
    }
  });

  test('a config blob answered with other bytes', async (t) => {
    fault = always(isBlobGet(single.config.digest), () => ({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: '{"architecture":"s390x","os":"linux"}',
    }));
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.stderr.includes(single.config.digest), run.stderr);
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
  });

  test('a manifest GET with the right bytes but a Docker-Content-Digest naming another digest', async (t) => {
    fault = always(isManifestGet(index.digest), async (request) => {
      const real = await upstream(request);
      assert.equal(real.digest, index.digest);
      return {
        status: real.status,
        headers: { 'content-type': real.contentType, 'docker-content-digest': single.digest },
        body: real.body,
      };
    });
    const dir = workspace(t);
    writeFileSync(path.join(dir, 'state.json'), unrelatedState());

    const run = await snapshot(dir);

    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.stderr.includes(index.digest), run.stderr);
    assert.ok(run.stderr.includes(single.digest), run.stderr);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), unrelatedState());
  });
});

describe('a registry whose HEAD answers carry no digest', () => {
  const noDigest = (request: InterceptedRequest): CannedResponse | Promise<CannedResponse> =>
    upstream(request).then((real) => ({ status: real.status, headers: { 'content-type': real.contentType } }));

  test('readme-gen GETs the manifest by tag and hashes it: same state as a clean run', async (t) => {
    fault = always((request) => request.method === 'HEAD' && /\/manifests\/[^/:]+$/.test(request.path), noDigest);
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), cleanState);
    assert.ok(
      proxy.requests.some((request) => request.method === 'GET' && request.path === `${BASE}/manifests/latest`),
      'fell back to GET by tag',
    );
  });

  test('…and whose GET by tag announces a Docker-Content-Digest the bytes do not hash to: exit 3 naming both', async (t) => {
    const headOrGet: Intercept = async (request) => {
      if (isHead('latest')(request)) return noDigest(request);
      if (!isManifestGet('latest')(request)) return undefined;
      const real = await upstream(request);
      return {
        status: real.status,
        headers: { 'content-type': real.contentType, 'docker-content-digest': single.digest },
        body: real.body,
      };
    };
    fault = headOrGet;
    const dir = workspace(t);

    const run = await snapshot(dir);

    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.stderr.includes(single.digest), run.stderr);
    assert.ok(run.stderr.includes(index.digest), run.stderr);
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
  });
});

describe('a failure while other requests are in flight', () => {
  // A refusal such as a 403 only falls back to the tag scheme (robustness.test.ts); a challenge the run cannot answer fails it.
  test('a referrers probe that fails (a 401 asking for credentials there are none of): exit 3 with one line, not a crash', async (t) => {
    fault = always(
      (request) => request.method === 'GET' && request.path.startsWith(`/v2/${ONE_IMAGE}/referrers/`),
      () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' }, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }),
    );
    const dir = workspace(t, ONE_IMAGE);

    const run = await snapshot(dir);

    assert.equal(run.status, 3, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /asks for credentials \(401\)/);
  });

  test('one manifest GET refused while another is still in flight: exit 3 at once, not after the other task has retried against a closed client', async (t) => {
    fault = async (request) => {
      if (isManifestGet(index.digest)(request)) return { status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' };
      // Still in flight when the run fails; the task goes on to GET the config blob after it.
      if (isManifestGet(single.digest)(request)) await sleep(300);
      return undefined;
    };
    const dir = workspace(t);

    const run = await timed(snapshot(dir));

    assert.equal(run.status, 3, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.ok(run.stderr.includes(`${index.digest}: GET manifest: HTTP 403`), run.stderr);
    // Retrying on a closed client costs at least 1.9 s of backoff (125 + 250 + 500 + 1000 ms at the least).
    assert.ok(run.ms < cleanMs + 1200, `took ${Math.round(run.ms)} ms; a clean run took ${Math.round(cleanMs)} ms`);
  });
});

/**
 * A 64-character label cannot be written into a DNS query, so the resolver
 * answers "not found" (ENOTFOUND) without sending one: an unresolvable host
 * that keeps these tests on 127.0.0.1.
 */
const UNRESOLVABLE_HOST = `${'a'.repeat(64)}.example`;

describe('a host nothing can reach: exit 3 at once, without retries', () => {
  /** A backoff so long that one retry shows in the elapsed time: it waits at least half of it. */
  const LONG_BACKOFF_MS = 4000;

  async function sendOnce(url: string): Promise<{ http: RegistryHttpClient; error: unknown; ms: number }> {
    const http = registryHttpClient({ maxRetries: 1, backoffMs: LONG_BACKOFF_MS });
    const started = performance.now();
    const error = await http.send({ method: 'GET', url, kind: 'ping', maxBytes: 1024 }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    const ms = performance.now() - started;
    await http.close();
    return { http, error, ms };
  }

  test('a refused connection to a loopback port: one attempt, no retry, no backoff', async () => {
    const port = await freeLoopbackPort();

    const { http, error, ms } = await sendOnce(`http://127.0.0.1:${port}/v2/`);

    assert.ok(error instanceof RegistryError, String(error));
    assert.equal(
      error.message,
      `GET http://127.0.0.1:${port}/v2/: connection refused by 127.0.0.1:${port} (ECONNREFUSED): nothing listens there; start the registry, or fix the host and port in the location`,
    );
    assert.equal(http.stats.requests.ping, 1, 'one connection attempt');
    assert.equal(http.stats.retries, 0);
    assert.ok(ms < LONG_BACKOFF_MS / 2, `took ${Math.round(ms)} ms; a retry would have waited at least ${LONG_BACKOFF_MS / 2} ms`);
  });

  test('a host name that does not resolve: one attempt, no retry, no backoff', async () => {
    const { http, error, ms } = await sendOnce(`https://${UNRESOLVABLE_HOST}/v2/`);

    assert.ok(error instanceof RegistryError, String(error));
    assert.match(
      error.message,
      new RegExp(
        `: the host ${UNRESOLVABLE_HOST} does not resolve \\(ENOTFOUND\\); check the registry's host name, or that this machine can resolve it \\(DNS, VPN\\)$`,
      ),
    );
    assert.equal(http.stats.requests.ping, 1, 'one lookup attempt');
    assert.equal(http.stats.retries, 0);
    assert.ok(ms < LONG_BACKOFF_MS / 2, `took ${Math.round(ms)} ms; a retry would have waited at least ${LONG_BACKOFF_MS / 2} ms`);
  });

  test("a TLS certificate that does not verify (a self-signed CA certificate as the server's: INVALID_PURPOSE): one attempt, no retry, no backoff", async (t) => {
    const ca = await createCa('readme-gen untrusted registry');
    const key = KeyObject.from(ca.keys.privateKey).export({ type: 'pkcs8', format: 'pem' });
    const server = createHttpsServer({ key, cert: ca.certificate.toString('pem') }, (_request, response) => response.end('{}'));
    const port = await listenOnLoopback(server);
    t.after(() => closeServer(server));

    const { http, error, ms } = await sendOnce(`https://127.0.0.1:${port}/v2/`);

    assert.ok(error instanceof RegistryError, String(error));
    assert.match(
      error.message,
      /: the TLS certificate of 127\.0\.0\.1:\d+ does not verify \(INVALID_PURPOSE\); if a private CA signed it, put the CA's certificate in ~\/\.config\/containers\/certs\.d\/127\.0\.0\.1:\d+\/ca\.crt \(or \/etc\/docker\/certs\.d\/127\.0\.0\.1:\d+\/\), or give it to Node \(NODE_EXTRA_CA_CERTS=<file>\)$/,
    );
    assert.equal(http.stats.requests.ping, 1, 'one attempt');
    assert.equal(http.stats.retries, 0);
    assert.ok(ms < LONG_BACKOFF_MS / 2, `took ${Math.round(ms)} ms; a retry would have waited at least ${LONG_BACKOFF_MS / 2} ms`);
  });

  test('the same client still retries a connection dropped by a loopback server (the counters count attempts)', async (t) => {
    let connections = 0;
    const server = createServer((request, response) => {
      connections++;
      if (connections === 1) request.socket.destroy();
      else response.end('{}');
    });
    const port = await listenOnLoopback(server);
    t.after(() => closeServer(server));
    const http = registryHttpClient({ maxRetries: 1, backoffMs: 10 });
    t.after(() => http.close());

    const response = await http.send({ method: 'GET', url: `http://127.0.0.1:${port}/v2/`, kind: 'ping', maxBytes: 1024 });

    assert.equal(response.status, 200);
    assert.equal(http.stats.requests.ping, 2);
    assert.equal(http.stats.retries, 1);
  });

  /** `readme-gen snapshot` of `location`, in a fresh workspace. */
  async function snapshotOf(t: TestContext, location: string): Promise<CliRun & { ms: number; dir: string }> {
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${location}\nstate: state.json\n`);
    return { ...(await timed(snapshot(dir))), dir };
  }

  // What retries would cost at the least: 4 backoffs of 250 ms doubling, each at least half its nominal wait.
  const LEAST_BACKOFF_MS = 125 + 250 + 500 + 1000;

  for (const [what, location, says] of [
    [
      'a loopback port nothing listens on',
      async () => `127.0.0.1:${await freeLoopbackPort()}/acme/app`,
      (location: string) => {
        const host = location.split('/')[0] ?? '';
        return new RegExp(
          `^readme-gen: GET http://${host}/v2/acme/app/tags/list\\?n=1000: connection refused by ${host} \\(ECONNREFUSED\\): nothing listens there; start the registry, or fix the host and port in the location\n$`,
        );
      },
    ],
    [
      'a registry host name that does not resolve',
      () => Promise.resolve(`${UNRESOLVABLE_HOST}/acme/app`),
      () =>
        new RegExp(
          `^readme-gen: GET https://${UNRESOLVABLE_HOST}/v2/acme/app/tags/list\\?n=1000: the host ${UNRESOLVABLE_HOST} does not resolve \\(ENOTFOUND\\); check the registry's host name`,
        ),
    ],
  ] as const) {
    test(`snapshot of ${what}: exit 3, one line naming the host and what to do, as fast as a refusal the registry answers`, async (t) => {
      // The baseline: the same run stopped at its first request by an answer that is never retried.
      fault = always(isTagList, () => ({ status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' }));
      const baseline = await snapshotOf(t, `${proxy.host}/${REPOSITORY}`);
      assert.equal(baseline.status, 3, baseline.stderr);
      const unreachable = await location();

      const run = await snapshotOf(t, unreachable);

      assert.equal(run.status, 3, run.stderr);
      assert.match(run.stderr, says(unreachable));
      assert.doesNotMatch(run.stderr, /attempts/);
      assert.ok(
        run.ms - baseline.ms < LEAST_BACKOFF_MS,
        `took ${Math.round(run.ms)} ms, ${Math.round(baseline.ms)} ms for a run refused by the registry`,
      );
      assert.equal(existsSync(path.join(run.dir, 'state.json')), false);
    });
  }
});
