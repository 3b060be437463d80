/**
 * Faults between readme-gen and a real registry (docker-registry 2.8), injected
 * one scenario at a time by the counting proxy in front of it, against one
 * pushed image set: a multi-arch index, a cosign-signed image and a
 * single-arch Docker image.
 *
 * Transient faults (a reset, 5xx, 429 with a short Retry-After, one stall past
 * --timeout, one truncated body) must be retried and leave exactly what a
 * clean run leaves. Every other fault must end the run with exit 3 and one
 * stderr line naming the tag or digest (or, for the tag list, the host) and
 * the cause. Whatever happens, the state file — and, for `render --write`
 * without a state file, the README — holds either the clean run's bytes or
 * the bytes it held before, the content cache only whole entries, and no
 * temporary file is left in the workspace or the cache.
 *
 * Each scenario runs RUNS times per command, each run with a fresh workspace
 * and cache (so every GET really happens). What was seen is printed at the
 * end as a table; the README's "Reliability" section quotes it.
 *
 * The suite runs twice: over HTTP/1.1 (faults.test.ts), and over HTTP/2 with
 * TLS (faults-h2.test.ts), the counting proxy then serving h2 with a test
 * CA's certificate that readme-gen trusts through certs.d; there a fault that
 * "closes the connection" ends the request's own stream instead.
 *
 * Related faults are also covered, request by request, in
 * test/registry/resilience.test.ts (one 503 on each kind of request, a long
 * Retry-After, a HEAD without a digest, a failure while others are in flight)
 * and test/registry/pagination.test.ts (Link to another host, a Link loop).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageState } from '../../src/state/image-state.js';
import { startSentinel } from '../harness/loopback.js';
import {
  type CannedResponse,
  type CountingProxy,
  type Intercept,
  type InterceptedRequest,
  RESET,
  startCountingProxy,
} from '../harness/counting-proxy.js';
import { type PushedImage, type PushedIndex, Pusher, tagForDigest } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, issueLeaf, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';
import { createTlsCa, issueServerCertificate } from '../harness/tls-certificates.js';
import { type TimedRun, assertCacheConsistent, assertNoTemporaryFiles, filesUnder, oneLine, runReadmeGen } from './invariants.js';

/** How many times each scenario runs, per command. */
const RUNS = 3;
const REPOSITORY = 'acme/app';
const BASE = `/v2/${REPOSITORY}`;
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
/** --timeout for the stall scenarios; a stall lasts STALL_MS */
const TIMEOUT_SECONDS = 1;
const STALL_MS = 3_000;
/** the "large body" scenarios: far past readme-gen's 8 MiB cap */
const LARGE_BODY_BYTES = 50 * 2 ** 20;
const OLD_README =
  '# app\n\nWritten by hand.\n\n<!-- readme-gen:start -->\nstale generated text\n<!-- readme-gen:end -->\n\nA footer, by hand.\n';

type TestContext = Parameters<typeof temporaryDirectory>[0];
type Command = 'snapshot' | 'render';

/** Registers the fault suite, every scenario and command, over `protocol`. */
export function faultSuite(protocol: 'http/1.1' | 'h2'): void {
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let fault: Intercept | undefined;
  let otherHost: { server: Server; origin: string; requests: string[] };
  let index: PushedIndex;
  let signed: PushedImage;
  let single: PushedImage;
  let signaturePayloadDigest: string;
  let rootJson: object;
  /** what a run without faults leaves: the state snapshot writes, the README render --write writes */
  const clean: Record<Command, Buffer> = { snapshot: Buffer.alloc(0), render: Buffer.alloc(0) };
  /** what the workspace holds before each run: a stale state, a stale README */
  const old: Record<Command, Buffer> = { snapshot: Buffer.alloc(0), render: Buffer.from(OLD_README) };
  const cleanMs: Record<Command, number> = { snapshot: 0, render: 0 };
  const scratch: string[] = [];

  /** XDG_CONFIG_HOME of every run over h2: certs.d trusts the test CA for the proxy's address */
  let configHome: string | undefined;

  before(async () => {
    registry = await startRegistry();
    const tlsCa = protocol === 'h2' ? await createTlsCa() : undefined;
    const tls = tlsCa && (await issueServerCertificate(tlsCa, { ipAddresses: ['127.0.0.1'] }));
    proxy = await startCountingProxy(registry.url, { intercept: (request) => fault?.(request), ...(tls ? { tls } : {}) });
    if (tlsCa) {
      configHome = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-test-config-'));
      scratch.push(configHome);
      mkdirSync(path.join(configHome, 'containers', 'certs.d', proxy.host), { recursive: true });
      writeFileSync(path.join(configHome, 'containers', 'certs.d', proxy.host, 'ca.crt'), tlsCa.certificatePem);
    }
    otherHost = await startSentinel('127.0.0.2', { name: REPOSITORY, tags: ['from-the-other-host'] });
    const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
    index = await pusher.pushIndex({
      tag: 'multi',
      images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
    });
    signed = await pusher.pushImage({
      tag: 'signed',
      platform: { os: 'linux', architecture: 'amd64' },
      labels: { 'org.opencontainers.image.revision': 'abc123' },
    });
    single = await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'arm64' } });

    const ca = await createCa();
    const log = createLog();
    rootJson = trustedRoot(ca, log);
    const leaf = await issueLeaf(ca, {
      subject: IDENTITY,
      issuer: 'https://token.actions.githubusercontent.com',
      notBefore: new Date(SIGNED_AT),
    });
    const record = signLegacy({
      payload: payloadFor(signed.digest, `${proxy.host}/${REPOSITORY}`),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: 3, integratedTime: SIGNED_AT / 1000 + 30 },
    });
    await pusher.pushCosignSignature(signed.digest, [record]);
    signaturePayloadDigest = record.digest;

    for (const command of ['snapshot', 'render'] as const) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-test-'));
      scratch.push(dir);
      if (command === 'snapshot') {
        const run = await readmeGen('snapshot', prepare(dir, 'snapshot', false));
        assert.equal(run.status, 0, run.stderr);
        clean.snapshot = readFileSync(path.join(dir, 'state.json'));
        // The stale state: the repository as it was before anything was pushed. It describes no image,
        // so nothing is reused from it and every GET really happens.
        const stale = JSON.parse(clean.snapshot.toString('utf8')) as ImageState;
        stale.tags = [];
        stale.images = {};
        old.snapshot = Buffer.from(`${JSON.stringify(stale, null, 2)}\n`);
        assert.notDeepEqual(old.snapshot, clean.snapshot);
        cleanMs.snapshot = run.ms;
      } else {
        const run = await readmeGen('render', prepare(dir, 'render', false));
        assert.equal(run.status, 0, run.stderr);
        clean.render = readFileSync(path.join(dir, 'README.md'));
        assert.match(clean.render.toString('utf8'), /^# app\n\nWritten by hand\.\n/);
        assert.ok(clean.render.includes(signed.digest), 'the clean README shows the signed image');
        cleanMs.render = run.ms;
      }
    }
  });

  after(async () => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    await proxy?.stop();
    await registry?.stop();
    if (otherHost) {
      otherHost.server.closeAllConnections();
      await new Promise((resolve) => otherHost.server.close(resolve));
    }
    printTable();
  });

  /**
   * A workspace for `command`: the config (with a state file for snapshot,
   * without one for render, which then reads the registry live), the trusted
   * root that verifies the signature, and the stale state (unless `withOld` is
   * false) or README a real repository would hold.
   */
  function prepare(dir: string, command: Command, withOld = true): string {
    const state = command === 'snapshot' ? 'state: state.json\n' : '';
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      `name: app\nlocation: ${proxy.host}/${REPOSITORY}\n${state}trusted-root: trusted_root.json\n`,
    );
    writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(rootJson));
    const file = command === 'snapshot' ? 'state.json' : 'README.md';
    if (withOld || command === 'render') writeFileSync(path.join(dir, file), old[command]);
    return dir;
  }

  function target(command: Command): string {
    return command === 'snapshot' ? 'state.json' : 'README.md';
  }

  function readmeGen(command: Command, dir: string, timeoutSeconds?: number): Promise<TimedRun> {
    const common = [
      '--quiet',
      '--cache-dir',
      path.join(dir, 'cache'),
      ...(timeoutSeconds === undefined ? [] : ['--timeout', String(timeoutSeconds)]),
    ];
    const args = command === 'snapshot' ? ['snapshot', '--json', ...common] : ['render', '--write', ...common];
    return runReadmeGen(args, dir, { env: { DOCKER_CONFIG: dir, ...(configHome ? { XDG_CONFIG_HOME: configHome } : {}) } });
  }

  // Requests, as the intercept sees them.
  type Matcher = (request: InterceptedRequest) => boolean;
  const isTagList: Matcher = (request) => request.method === 'GET' && request.path.startsWith(`${BASE}/tags/list`);
  const isHead =
    (reference: () => string): Matcher =>
    (request) =>
      request.method === 'HEAD' && request.path === `${BASE}/manifests/${reference()}`;
  const isManifestGet =
    (reference: () => string): Matcher =>
    (request) =>
      request.method === 'GET' && request.path === `${BASE}/manifests/${reference()}`;
  const isBlobGet =
    (digest: () => string): Matcher =>
    (request) =>
      request.method === 'GET' && request.path.split('?')[0] === `${BASE}/blobs/${digest()}`;

  type Answer = (request: InterceptedRequest) => CannedResponse | Promise<CannedResponse>;

  /** A fault for one run: the intercept, and how many times it struck. */
  interface Armed {
    intercept: Intercept;
    struck: () => number;
  }

  /** The first request `matches` gets `answer`; the rest go to the registry. */
  function once(matches: Matcher, answer: Answer): () => Armed {
    return () => {
      let struck = 0;
      return {
        intercept: (request) => (struck === 0 && matches(request) ? (struck++, answer(request)) : undefined),
        struck: () => struck,
      };
    };
  }

  /** Every request `matches` gets `answer`. */
  function always(matches: Matcher, answer: Answer): () => Armed {
    return () => {
      let struck = 0;
      return {
        intercept: (request) => (matches(request) ? (struck++, answer(request)) : undefined),
        struck: () => struck,
      };
    };
  }

  // Faults.
  const status =
    (code: number, headers: Record<string, string> = {}): Answer =>
    () => ({
      status: code,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${code}` }] }),
    });

  /** Nothing for STALL_MS, then the registry's answer (to a client that has long given up). */
  const stallBeforeHeaders: Answer = async (request) => {
    await sleep(STALL_MS);
    return request.forward();
  };

  /** The headers and the first 16 bytes at once, the rest after STALL_MS. */
  const stallMidBody: Answer = async (request) => {
    const real = await request.forward();
    return {
      ...real,
      headers: { ...real.headers, 'content-length': real.body.length },
      body: real.body.subarray(0, 16),
      stream: (async function* () {
        await sleep(STALL_MS);
        yield real.body.subarray(16);
      })(),
    };
  };

  /** The registry's headers with the full Content-Length, half the body, then the connection closed. */
  const truncated: Answer = async (request) => {
    const real = await request.forward();
    return {
      ...real,
      headers: { ...real.headers, 'content-length': real.body.length },
      body: real.body.subarray(0, Math.floor(real.body.length / 2)),
      finish: 'close',
    };
  };

  /** LARGE_BODY_BYTES of zeros, in 1 MiB chunks produced as the client reads them; chunked unless `withLength`. */
  const largeBody =
    (withLength: boolean): Answer =>
    () => {
      const chunk = Buffer.alloc(2 ** 20);
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream', ...(withLength ? { 'content-length': LARGE_BODY_BYTES } : {}) },
        stream: (function* () {
          for (let sent = 0; sent < LARGE_BODY_BYTES; sent += chunk.length) yield chunk;
        })(),
      };
    };

  /** A 307 to the same path with `?loop`, and from there back: a two-hop loop. */
  const redirectLoop: Answer = (request) => {
    const [pathOnly, query] = request.path.split('?');
    return { status: 307, headers: { location: query === undefined ? `${pathOnly}?loop` : pathOnly } };
  };

  /** The registry's own tag list, with a Link to the next page on another host. */
  const linkToOtherHost: Answer = async (request) => {
    const real = await request.forward();
    return { ...real, headers: { ...real.headers, link: `<${otherHost.origin}${BASE}/tags/list?last=single&n=1000>; rel="next"` } };
  };

  /** The right manifest bytes, with a Docker-Content-Digest naming another manifest. */
  const wrongDigestHeader: Answer = async (request) => {
    const real = await request.forward();
    return { ...real, headers: { ...real.headers, 'docker-content-digest': single.digest } };
  };

  /** The same JSON with one more space: bytes that no longer hash to the digest asked for (the header still claims it). */
  const alteredBytes: Answer = async (request) => {
    const real = await request.forward();
    return { ...real, body: Buffer.concat([real.body, Buffer.from(' ')]) };
  };

  interface Scenario {
    name: string;
    arm: () => Armed;
    /** retried: the run succeeds as a clean one does; otherwise exit 3 with this in its one line */
    expect: 'retried' | { names: () => string; cause: RegExp };
    commands: readonly Command[];
    timeoutSeconds?: number;
    /** checks particular to the scenario, after each run */
    also?: (run: TimedRun) => void;
  }

  const BOTH = ['snapshot', 'render'] as const;

  const scenarios: Scenario[] = [
    // Transient: retried, and the result is a clean run's.
    {
      name: 'connection reset (TCP RST, no answer) on a HEAD, once',
      arm: once(
        isHead(() => 'signed'),
        () => RESET,
      ),
      expect: 'retried',
      commands: BOTH,
    },
    { name: 'HTTP 500 on the tag list, once', arm: once(isTagList, status(500)), expect: 'retried', commands: BOTH },
    {
      name: 'HTTP 502 on the index GET, once',
      arm: once(
        isManifestGet(() => index.digest),
        status(502),
      ),
      expect: 'retried',
      commands: BOTH,
    },
    {
      name: 'HTTP 503 on a config blob GET, once',
      arm: once(
        isBlobGet(() => single.config.digest),
        status(503),
      ),
      expect: 'retried',
      commands: BOTH,
    },
    {
      name: '429 with Retry-After: 1 on the signature payload GET, once',
      arm: once(
        isBlobGet(() => signaturePayloadDigest),
        status(429, { 'retry-after': '1' }),
      ),
      expect: 'retried',
      commands: BOTH,
      also: (run) => assert.ok(run.ms >= 1000, `took ${Math.round(run.ms)} ms; Retry-After asked for 1 s`),
    },
    {
      name: `stalled ${STALL_MS / 1000} s before the headers (--timeout ${TIMEOUT_SECONDS}) on a platform manifest GET, once`,
      arm: once(
        isManifestGet(() => index.images[1]?.digest ?? ''),
        stallBeforeHeaders,
      ),
      expect: 'retried',
      commands: BOTH,
      timeoutSeconds: TIMEOUT_SECONDS,
    },
    {
      name: `stalled ${STALL_MS / 1000} s mid-body (--timeout ${TIMEOUT_SECONDS}) on the signature manifest GET, once`,
      // A cold run reads a new image's signature manifest by its .sig tag, in one GET.
      arm: once(
        isManifestGet(() => `${tagForDigest(signed.digest)}.sig`),
        stallMidBody,
      ),
      expect: 'retried',
      commands: BOTH,
      timeoutSeconds: TIMEOUT_SECONDS,
    },
    {
      name: 'truncated body (half of Content-Length, then closed) on a config blob GET, once',
      arm: once(
        isBlobGet(() => signed.config.digest),
        truncated,
      ),
      expect: 'retried',
      commands: BOTH,
    },

    // The same faults that do not go away: exit 3 after the retries.
    {
      name: 'connection reset on every attempt (HEAD of a tag)',
      arm: always(
        isHead(() => 'signed'),
        () => RESET,
      ),
      expect: { names: () => '/manifests/signed', cause: /after 5 attempts/ },
      commands: BOTH,
    },
    {
      name: 'HTTP 503 on every attempt (the index GET)',
      arm: always(
        isManifestGet(() => index.digest),
        status(503),
      ),
      expect: { names: () => index.digest, cause: /HTTP 503/ },
      commands: BOTH,
    },
    {
      name: `stalled past --timeout ${TIMEOUT_SECONDS} on every attempt (a config blob GET)`,
      arm: always(
        isBlobGet(() => single.config.digest),
        stallBeforeHeaders,
      ),
      expect: { names: () => single.config.digest, cause: /[Tt]imeout.*after 5 attempts/ },
      commands: ['snapshot'],
      timeoutSeconds: TIMEOUT_SECONDS,
    },
    {
      name: 'truncated on every attempt (a config blob GET)',
      arm: always(
        isBlobGet(() => signed.config.digest),
        truncated,
      ),
      expect: { names: () => signed.config.digest, cause: /after 5 attempts/ },
      commands: BOTH,
    },

    // Not transient: exit 3 at once.
    {
      name: 'Docker-Content-Digest that does not match the bytes (a manifest GET)',
      arm: always(
        isManifestGet(() => signed.digest),
        wrongDigestHeader,
      ),
      expect: { names: () => signed.digest, cause: /Docker-Content-Digest/ },
      commands: BOTH,
    },
    {
      name: 'manifest bytes that do not hash to the digest asked for (the index GET)',
      arm: always(
        isManifestGet(() => index.digest),
        alteredBytes,
      ),
      expect: { names: () => index.digest, cause: /do not hash|hash to sha256:/ },
      commands: BOTH,
    },
    {
      name: 'redirect loop on a blob GET (307 to ?loop and back)',
      arm: always(
        isBlobGet(() => signed.config.digest),
        redirectLoop,
      ),
      expect: { names: () => signed.config.digest, cause: /redirects/ },
      commands: BOTH,
    },
    {
      name: '50 MB body with its Content-Length (a config blob GET)',
      arm: always(
        isBlobGet(() => single.config.digest),
        largeBody(true),
      ),
      expect: { names: () => single.config.digest, cause: /larger than 8388608 bytes/ },
      commands: BOTH,
    },
    {
      name: '50 MB body, chunked (the tag list)',
      arm: always(isTagList, largeBody(false)),
      expect: { names: () => `${BASE}/tags/list`, cause: /larger than 8388608 bytes/ },
      commands: BOTH,
    },
    {
      name: 'Link header to another host (the tag list)',
      arm: always(isTagList, linkToOtherHost),
      expect: { names: () => new URL(otherHost.origin).host, cause: /another host/ },
      commands: BOTH,
      also: () => assert.deepEqual(otherHost.requests, [], 'nothing was asked of the other host'),
    },
  ];

  interface Observed {
    scenario: string;
    command: Command;
    statuses: (number | null)[];
    /** how often the fault struck, per run */
    struck: number[];
    /** snapshot --json's retries, per run */
    retries: (number | undefined)[];
    ms: number[];
    /** the first failed run's stderr line */
    line?: string;
  }
  const observed: Observed[] = [];

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      for (const command of scenario.commands) {
        test(`${command === 'snapshot' ? 'snapshot' : 'render --write, no state file'}: ${scenario.expect === 'retried' ? 'retried; the same bytes as a clean run' : 'exit 3, one line naming it; nothing half-written'} (×${RUNS})`, async (t) => {
          const seen: Observed = { scenario: scenario.name, command, statuses: [], struck: [], retries: [], ms: [] };
          observed.push(seen);
          for (let run = 0; run < RUNS; run++) {
            const result = await runOnce(t, scenario, command);
            seen.statuses.push(result.run.status);
            seen.struck.push(result.struck);
            seen.retries.push(result.retries);
            seen.ms.push(result.run.ms);
            if (result.run.status !== 0) seen.line ??= result.run.stderr.trim();
          }
        });
      }
    });
  }

  async function runOnce(
    t: TestContext,
    scenario: Scenario,
    command: Command,
  ): Promise<{ run: TimedRun; struck: number; retries: number | undefined }> {
    const dir = prepare(temporaryDirectory(t), command);
    const before = new Set(filesUnder(dir));
    const armed = scenario.arm();
    fault = armed.intercept;
    let run: TimedRun;
    try {
      run = await readmeGen(command, dir, scenario.timeoutSeconds);
    } finally {
      fault = undefined;
    }
    const context = `${scenario.name}, ${command}: exit ${run.status}\n${run.stderr}`;
    assert.ok(armed.struck() > 0, `the fault never struck: ${context}`);
    const file = readFileSync(path.join(dir, target(command)));
    let retries: number | undefined;

    if (scenario.expect === 'retried') {
      assert.equal(run.status, 0, context);
      assert.deepEqual(file, clean[command], `${target(command)} is not what a clean run writes`);
      if (command === 'snapshot') {
        assert.equal(run.stderr, '', 'retries are silent with --quiet');
        retries = (JSON.parse(run.stdout) as { retries: number }).retries;
        assert.ok(retries >= armed.struck(), `${retries} retries for ${armed.struck()} faults`);
      } else {
        assert.equal(run.stderr, 'readme-gen: wrote README.md\n');
      }
    } else {
      assert.equal(run.status, 3, context);
      assert.equal(run.stdout, '', 'nothing on stdout when the run fails');
      const line = oneLine(run.stderr);
      assert.ok(line.startsWith('readme-gen: '), line);
      assert.ok(line.includes(scenario.expect.names()), `the line does not name ${scenario.expect.names()}: ${line}`);
      assert.match(line, scenario.expect.cause);
      assert.ok(!/internal error|\n\s+at /.test(run.stderr), line);
      assert.deepEqual(file, old[command], `${target(command)} changed although the run failed`);
    }
    // Nothing else appeared in the workspace but the cache.
    const added = filesUnder(dir).filter((name) => !before.has(name) && !name.startsWith(`cache${path.sep}`));
    assert.deepEqual(added, [], 'no file but the cache was added to the workspace');
    assertCacheConsistent(path.join(dir, 'cache'));
    assertNoTemporaryFiles(dir);
    scenario.also?.(run);
    return { run, struck: armed.struck(), retries };
  }

  function printTable(): void {
    if (observed.length === 0) return;
    const rows = observed.map((seen) => {
      const statuses = [...new Set(seen.statuses)]
        .map((code) => `exit ${code} ×${seen.statuses.filter((status) => status === code).length}`)
        .join(', ');
      const retries = seen.retries.some((value) => value !== undefined) ? ` retries ${seen.retries.join('/')}` : '';
      return `${seen.command.padEnd(8)} ${seen.scenario.padEnd(96)} runs ${seen.statuses.length}  ${statuses}  struck ${seen.struck.join('/')}${retries}  ms ${seen.ms.map((ms) => Math.round(ms)).join('/')}${seen.line ? `\n         ${seen.line}` : ''}`;
    });
    process.stdout.write(
      `\nfault scenarios over ${protocol} (clean run: snapshot ${Math.round(cleanMs.snapshot)} ms, render ${Math.round(cleanMs.render)} ms):\n${rows.join('\n')}\n`,
    );
  }
}
