/**
 * The registry half of `npm run bench` (issue 4, "Benchmark"): `readme-gen
 * snapshot` against a real registry (docker-registry 2.8 on loopback, from the
 * test harness), directly and through a proxy that holds each request and each
 * response 10 ms (a registry across the internet), cold and warm; the original
 * tool's algorithm as the baseline; the ideal; the registry's own throughput;
 * a repository of 10,000 tags; and issue 13's economy: the bot's warm run
 * from a committed state with an empty cache, and a tag list carrying gcr.io's
 * manifest map. bench/run.ts calls it and writes the section
 * it returns into BENCHMARKS.md. Like run.ts it records: a target missed is
 * written down, not failed.
 *
 * readme-gen runs as a child process started with the asynchronous spawn: the
 * proxy lives in this process, and a blocking spawnSync would stop it
 * answering (a deadlock).
 */
import { execFileSync } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Client, Pool } from 'undici';
import { packageFile } from '../src/package-root.js';
import { spawnReadmeGen } from './spawn-readme-gen.js';
import type { Digest } from '../src/state/image-state.js';
import { type CountingProxy, countByKind, startCountingProxy } from '../test/harness/counting-proxy.js';
import { type Descriptor, MANIFEST_ACCEPT, MEDIA_TYPES, type Platform, Pusher, sha256 } from '../test/harness/push.js';
import { type RunningRegistry, startRegistry } from '../test/harness/registry-server.js';
import { createSigningKey, payloadFor, signLegacy } from '../test/helpers/signing.js';

/** readme-gen runs, baseline runs on loopback, and replays: each measured this many times (the median is reported). */
const RUNS = 3;
const DELAY_MS = 10;
/** readme-gen's default requests in flight per host (src/http/http-client.ts). */
const CONCURRENCY = 16;
const connectionCounter = packageFile('dist', 'bench', 'count-connections.js');

/**
 * The fixture, in repository bench/app: 400 images, image i an OCI index of
 * 1 + (i mod 4) platforms (linux/amd64, linux/arm64, linux/arm/v7,
 * linux/s390x, in that order), so 1,000 platform manifests; half of them
 * (i div 4 even) with a BuildKit attestation manifest per platform in the
 * index; a quarter (i mod 16 in {0, 5, 11, 14}, which spreads them over every
 * platform count, with and without attestations) signed with cosign's legacy
 * `sha256-<hex>.sig` tag (one keyed signature, generated key, no log); and 5
 * tags per image, v1.<i>.0 … v1.<i>.4: 2,000 tags, plus the 100 `.sig` tags.
 * Every platform manifest is distinct (its config carries the image number);
 * the one layer per platform and the attestations' config are shared blobs,
 * pushed once, since readme-gen never reads layers and pushing 1,400 random
 * ones would only cost time.
 */
const REPOSITORY = 'bench/app';
const IMAGES = 400;
const TAGS_PER_IMAGE = 5;
const PUSHERS = 8;
const PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 's390x' },
];
const SIGNED_RESIDUES = new Set([0, 5, 11, 14]);

/** The second repository: 10,000 tags over 5 two-platform indexes, 2,000 tags each. */
const MANY_TAGS_REPOSITORY = 'bench/many-tags';
const MANY_TAGS_IMAGES = 5;
const MANY_TAGS_PER_IMAGE = 2_000;

export interface RegistryBenchOptions {
  /** median wall time of `readme-gen --version`, from run.ts */
  startupMs: number;
}

interface Fixture {
  tags: number;
  signatureTags: number;
  indexes: number;
  platformManifests: number;
  /** BuildKit attestation manifests, one statement each */
  attestationManifests: number;
  signaturePayloads: number;
  pushMs: number;
}

interface Summary {
  tags: number;
  digests: number;
  requests: Record<string, number>;
  retries: number;
  peakRssBytes: number;
}

/** CPU time spent while something ran, in ms, from /proc (NaN where there is none). */
interface Cpu {
  /** the readme-gen child (this process's reaped children) */
  readmeGen: number;
  registry: number;
  /** this process: the proxy, or the baseline's and the replay's client */
  bench: number;
}

interface Run {
  ms: number;
  summary: Summary;
  cpu: Cpu;
  /** TCP connections readme-gen opened (bench/count-connections.ts) */
  connections: number;
  /** from the proxy, when the run went through it */
  proxied?: ProxyView;
}

/** What the proxy saw of one run: requests by kind and how they overlapped in time. */
interface ProxyView {
  counts: Record<string, number>;
  total: number;
  records: { method: string; path: string; status: number }[];
  /** spawn to the first request reaching the proxy */
  beforeFirstMs: number;
  /** first request in to last response out */
  busyMs: number;
  /** last response out to the process's exit */
  afterLastMs: number;
  /** mean time a request spent in the proxy (both delays and the registry) */
  meanLatencyMs: number;
  /** of that, the mean time the registry took to answer */
  meanUpstreamMs: number;
  /** mean requests in flight over the busy period (Little's law) */
  meanInFlight: number;
  /** the most requests in flight at once */
  peakInFlight: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
/** Connections undici opened in this process (the baseline's and the replay's clients). */
let benchConnections = 0;
subscribe('undici:client:connected', () => {
  benchConnections++;
});
const say = (message: string): void => void process.stderr.write(`bench: ${message}\n`);

/** The registry and the 10 ms proxy in front of it, shared by the sections of the benchmark. */
interface BenchContext {
  scratch: string;
  registry: RunningRegistry;
  proxy: CountingProxy;
  cpu: CpuMeter;
  /** while set, the proxy answers the tag list of REPOSITORY with it, as gcr.io would: with its manifest map */
  gcrListing: string | undefined;
  /** `measure` run through the proxy, with what the proxy saw of it */
  throughProxy: <T extends { ms: number }>(measure: () => Promise<T>) => Promise<T & { proxied: ProxyView }>;
  stop(): Promise<void>;
}

async function startBench(): Promise<BenchContext> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-bench-'));
  const registry = await startRegistry();
  const timing = { arrivals: [] as number[], completions: [] as number[] };
  const context: Partial<BenchContext> & { gcrListing: string | undefined } = { gcrListing: undefined };
  const proxy = await startCountingProxy(registry.url, {
    delayMs: DELAY_MS,
    intercept: (request) => {
      timing.arrivals.push(now());
      const listing = context.gcrListing;
      if (listing === undefined || request.method !== 'GET' || !request.path.startsWith(`/v2/${REPOSITORY}/tags/list`)) return undefined;
      return { status: 200, headers: { 'content-type': 'application/json' }, body: listing };
    },
  });
  // The proxy records a request when its response has been sent: note when, to see how requests overlapped.
  const record = proxy.requests;
  const recordPush = record.push.bind(record);
  record.push = (...items) => {
    for (let i = 0; i < items.length; i++) timing.completions.push(now());
    return recordPush(...items);
  };
  return Object.assign(context, {
    scratch,
    registry,
    proxy,
    cpu: cpuMeter(registryPid()),
    throughProxy: async <T extends { ms: number }>(measure: () => Promise<T>): Promise<T & { proxied: ProxyView }> => {
      proxy.reset();
      timing.arrivals.splice(0);
      timing.completions.splice(0);
      const startedAt = now();
      const run = await measure();
      return { ...run, proxied: proxyView(proxy, timing, startedAt, startedAt + run.ms) };
    },
    async stop() {
      await proxy.stop();
      await registry.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  });
}

export async function registryBenchmark(options: RegistryBenchOptions): Promise<string> {
  const loadAverage = os.loadavg();
  const bench = await startBench();
  const { scratch, registry, proxy, cpu, throughProxy } = bench;
  try {
    const fixture = await pushFixture(registry);
    const manyTagsPushMs = await pushManyTagsFixture(registry);

    const minimum = minimumRequests(fixture);
    const minimumTotal = Object.values(minimum).reduce((sum, count) => sum + count, 0);
    const direct = workspace(scratch, 'direct', registry.host, REPOSITORY);
    const proxied = workspace(scratch, 'proxied', proxy.host, REPOSITORY);
    const observe = (args: string[], cwd: string): Promise<Run> => throughProxy(() => runSnapshot(args, cwd, cpu));

    say('readme-gen cold and warm, on loopback');
    const coldDirect = await coldRuns(direct, (cwd, cache) => runSnapshot(snapshotArgs(cache), cwd, cpu));
    const warmDirect = await repeat(() => runSnapshot(snapshotArgs(coldDirect.lastCache), direct, cpu));
    say(`readme-gen cold and warm, through the ${DELAY_MS} ms proxy`);
    const coldProxied = await coldRuns(proxied, (cwd, cache) => observe(snapshotArgs(cache), cwd));
    const warmProxied = await repeat(() => observe(snapshotArgs(coldProxied.lastCache), proxied));
    say("the bot's warm run: the state the cold runs wrote, an empty cache, through the proxy");
    let botCache = 0;
    const botRuns = await repeat(() => observe(snapshotArgs(path.join(proxied, `bot-cache-${botCache++}`)), proxied));
    say("a tag list with gcr.io's manifest map, cold, through the proxy");
    bench.gcrListing = await gcrStyleListing(registry.url, REPOSITORY);
    const gcrRuns = (await coldRuns(workspace(scratch, 'gcr', proxy.host, REPOSITORY), (cwd, cache) => observe(snapshotArgs(cache), cwd)))
      .runs;
    bench.gcrListing = undefined;
    for (const run of [...coldDirect.runs, ...warmDirect, ...coldProxied.runs, ...warmProxied, ...botRuns, ...gcrRuns]) {
      if (run.summary.tags !== fixture.tags || run.summary.digests !== fixture.indexes) {
        throw new Error(
          `readme-gen saw ${run.summary.tags} tags and ${run.summary.digests} digests; the fixture has ${fixture.tags} and ${fixture.indexes}`,
        );
      }
    }

    say('baseline (the original algorithm), on loopback and through the proxy');
    const baselineDirect = await repeat(() => baseline(registry.url, REPOSITORY, cpu));
    const baselineProxied = await throughProxy(() => baseline(proxy.url, REPOSITORY, cpu));

    say("the registry's own throughput: replaying a cold run's requests, 16 in flight");
    const coldRecord = coldProxied.runs[0]?.proxied?.records ?? [];
    const replays = await repeat(() => replay(registry.url, coldRecord, cpu));
    say('the floor: the same requests replayed through the proxy by a bare client');
    const floors = await repeat(() => throughProxy(() => replay(proxy.url, coldRecord, cpu)));

    say('10,000 tags, cold, on loopback');
    const manyTags = workspace(scratch, 'many-tags', registry.host, MANY_TAGS_REPOSITORY);
    const manyTagsRuns = (await coldRuns(manyTags, (cwd, cache) => runSnapshot(snapshotArgs(cache), cwd, cpu))).runs;

    const hosts = await hostsBenchmark(bench);

    const ideal = (minimumTotal * 2 * DELAY_MS) / CONCURRENCY + options.startupMs;
    return report({
      hosts,
      loadAverage,
      fixture,
      manyTagsPushMs,
      minimum,
      minimumTotal,
      ideal,
      startupMs: options.startupMs,
      coldDirect: coldDirect.runs,
      warmDirect,
      coldProxied: coldProxied.runs,
      warmProxied,
      botRuns,
      gcrRuns,
      baselineDirect,
      baselineProxied,
      replays,
      floors,
      replayed: coldRecord.length,
      manyTagsRuns,
    });
  } finally {
    await bench.stop();
  }
}

// ---------------------------------------------------------------- fixture

async function pushFixture(registry: RunningRegistry): Promise<Fixture> {
  const started = now();
  const setup = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  // One layer per platform and one attestation config, shared by every image (see the fixture's description).
  const layers = await Promise.all(
    PLATFORMS.map(async (platform) => {
      const content = Buffer.from(`bench layer for ${platformName(platform)}\n`);
      return { descriptor: await setup.pushBlob(gzipSync(content), MEDIA_TYPES.ociLayer), diffId: sha256(content) };
    }),
  );
  const attestationConfig = await setup.pushBlob(
    Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [] } })),
    MEDIA_TYPES.ociConfig,
  );
  const key = createSigningKey();
  const fixture: Fixture = {
    tags: 0,
    signatureTags: 0,
    indexes: 0,
    platformManifests: 0,
    attestationManifests: 0,
    signaturePayloads: 0,
    pushMs: 0,
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
    for (let i = next++; i < IMAGES; i = next++) {
      const platforms = PLATFORMS.slice(0, 1 + (i % 4));
      const images: Descriptor[] = [];
      for (const [p, platform] of platforms.entries()) {
        const layer = layers[p]!;
        const config = await pusher.pushBlob(
          Buffer.from(
            JSON.stringify({
              architecture: platform.architecture,
              os: platform.os,
              ...(platform.variant ? { variant: platform.variant } : {}),
              config: { Labels: { 'org.opencontainers.image.version': `1.${i}` } },
              rootfs: { type: 'layers', diff_ids: [layer.diffId] },
            }),
          ),
          MEDIA_TYPES.ociConfig,
        );
        const manifest = await pusher.pushManifest({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociManifest,
          config,
          layers: [layer.descriptor],
        });
        images.push({ mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, platform });
      }
      const attestations: Descriptor[] = [];
      if ((i >> 2) % 2 === 0) {
        for (const image of images) {
          const statement = {
            _type: 'https://in-toto.io/Statement/v0.1',
            predicateType: 'https://slsa.dev/provenance/v0.2',
            subject: [{ name: `pkg:docker/${REPOSITORY}`, digest: { sha256: image.digest.slice('sha256:'.length) } }],
            predicate: { buildType: 'https://mobyproject.org/buildkit@v1' },
          };
          const layer = await pusher.pushBlob(Buffer.from(JSON.stringify(statement)), MEDIA_TYPES.inToto);
          const manifest = await pusher.pushManifest({
            schemaVersion: 2,
            mediaType: MEDIA_TYPES.ociManifest,
            config: attestationConfig,
            layers: [{ ...layer, annotations: { 'in-toto.io/predicate-type': statement.predicateType } }],
          });
          attestations.push({
            mediaType: manifest.mediaType,
            digest: manifest.digest,
            size: manifest.size,
            annotations: { 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
            platform: { architecture: 'unknown', os: 'unknown' },
          });
        }
      }
      const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...images, ...attestations] };
      let digest: Digest | undefined;
      for (let t = 0; t < TAGS_PER_IMAGE; t++) digest = (await pusher.pushManifest(index, `v1.${i}.${t}`)).digest;
      if (SIGNED_RESIDUES.has(i % 16) && digest) {
        await pusher.pushCosignSignature(digest, [
          signLegacy({ payload: payloadFor(digest, `${registry.host}/${REPOSITORY}`), privateKey: key.privateKey }),
        ]);
        fixture.signatureTags++;
        fixture.signaturePayloads++;
      }
      fixture.indexes++;
      fixture.tags += TAGS_PER_IMAGE;
      fixture.platformManifests += images.length;
      fixture.attestationManifests += attestations.length;
      if (fixture.indexes % 50 === 0) say(`pushed ${fixture.indexes}/${IMAGES} images (${((now() - started) / 1000).toFixed(1)} s)`);
    }
  };
  await Promise.all(Array.from({ length: PUSHERS }, worker));
  fixture.pushMs = now() - started;
  return fixture;
}

async function pushManyTagsFixture(registry: RunningRegistry): Promise<number> {
  const started = now();
  let done = 0;
  await Promise.all(
    Array.from({ length: MANY_TAGS_IMAGES }, async (_, k) => {
      const pusher = new Pusher({ registryUrl: registry.url, repository: MANY_TAGS_REPOSITORY });
      const index = await pusher.pushIndex({ tag: `base-${k}`, images: [{ platform: PLATFORMS[0]! }, { platform: PLATFORMS[1]! }] });
      // The index's own tag and 1,999 more: 2,000 per image.
      await pusher.pushManyTags(`r${k}-`, MANY_TAGS_PER_IMAGE - 1, index.digest);
      say(
        `pushed ${(done += MANY_TAGS_PER_IMAGE)}/${MANY_TAGS_IMAGES * MANY_TAGS_PER_IMAGE} tags to ${MANY_TAGS_REPOSITORY} (${((now() - started) / 1000).toFixed(1)} s)`,
      );
    }),
  );
  return now() - started;
}

/**
 * What a cold run cannot do without, by issue 4's definition: the tag pages
 * (distribution 2.8 sends every tag in one page); one HEAD per image tag; one
 * GET per digest not seen before — each index and each of its platform
 * manifests, each BuildKit attestation manifest the index lists and its one
 * statement (issue 16), each signature manifest and its payload blob; no
 * config blob, since every image is an index; and one
 * referrers probe, which tells that 2.8 has no referrers API. A `.sig` tag of
 * an image never seen needs no HEAD: its manifest is fetched by tag, in the
 * one GET it needs anyway (a warm run, whose images are known, HEADs it).
 */
function minimumRequests(fixture: Fixture): Record<string, number> {
  return {
    'GET tags': 1,
    HEAD: fixture.tags,
    'GET manifests': fixture.indexes + fixture.platformManifests + fixture.attestationManifests + fixture.signatureTags,
    'GET blobs': fixture.attestationManifests + fixture.signaturePayloads,
    'GET referrers': 1,
  };
}

function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

// ---------------------------------------------------------------- readme-gen runs

function workspace(scratch: string, name: string, host: string, repository: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${host}/${repository}\nstate: state.json\n`);
  return dir;
}

function snapshotArgs(cacheDir: string): string[] {
  return ['snapshot', '--quiet', '--json', '--cache-dir', cacheDir];
}

/** `readme-gen …` in `cwd`, without blocking this process; its wall time and --json summary. */
async function runSnapshot(args: string[], cwd: string, cpu: CpuMeter): Promise<Run> {
  const spent = cpu();
  const run = await spawnReadmeGen(args, { cwd, nodeArgs: ['--import', connectionCounter] });
  if (run.status !== 0) throw new Error(`readme-gen ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return {
    ms: run.ms,
    summary: JSON.parse(run.stdout) as Summary,
    cpu: spent(),
    connections: Number(/^bench: connections (\d+)$/m.exec(run.stderr)?.[1] ?? NaN),
  };
}

/**
 * RUNS cold runs, each with a fresh cache directory and no state file (the
 * state a run wrote is reused by the next, issue 13, which would make it
 * warm); the last one's cache and state are for the warm runs.
 */
async function coldRuns(cwd: string, run: (cwd: string, cache: string) => Promise<Run>): Promise<{ runs: Run[]; lastCache: string }> {
  const runs: Run[] = [];
  let lastCache = '';
  for (let r = 0; r < RUNS; r++) {
    lastCache = path.join(cwd, `cache-${r}`);
    rmSync(path.join(cwd, 'state.json'), { force: true });
    runs.push(await run(cwd, lastCache));
  }
  return { runs, lastCache };
}

async function repeat<T>(measure: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let r = 0; r < RUNS; r++) results.push(await measure());
  return results;
}

function proxyView(
  proxy: CountingProxy,
  timing: { arrivals: number[]; completions: number[] },
  spawnedAt: number,
  exitedAt: number,
): ProxyView {
  const records = proxy.requests.map(({ method, path, status }) => ({ method, path, status }));
  const upstreamMs = proxy.requests.reduce((sum, request) => sum + request.upstreamMs, 0);
  const counts = countByKind(records);
  const { arrivals, completions } = timing;
  const first = Math.min(...arrivals);
  const last = Math.max(...completions);
  // The sum of the times requests spent in the proxy is Σ completions − Σ arrivals, whichever pairs with which.
  const inProxy = completions.reduce((sum, t) => sum + t, 0) - arrivals.reduce((sum, t) => sum + t, 0);
  return {
    counts,
    total: records.length,
    records,
    beforeFirstMs: first - spawnedAt,
    busyMs: last - first,
    afterLastMs: exitedAt - last,
    meanLatencyMs: inProxy / records.length,
    meanUpstreamMs: upstreamMs / records.length,
    meanInFlight: inProxy / (last - first),
    peakInFlight: proxy.peakInFlight,
  };
}

/**
 * The repository's tag list as gcr.io and Artifact Registry send it: beside
 * `tags`, a `manifest` map of digest → { tag: [names], mediaType, … }, the
 * digests looked up here with a HEAD per tag, 16 at a time.
 */
async function gcrStyleListing(url: string, repository: string): Promise<string> {
  const pool = new Pool(url, { connections: CONCURRENCY });
  try {
    const listed = await pool.request({ method: 'GET', path: `/v2/${repository}/tags/list?n=100000` });
    const { tags } = (await listed.body.json()) as { tags: string[] };
    const manifest: Record<string, { tag: string[]; mediaType: string; imageSizeBytes: string; timeCreatedMs: string }> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tags.length) {
        const tag = tags[next++] as string;
        const head = await pool.request({
          method: 'HEAD',
          path: `/v2/${repository}/manifests/${tag}`,
          headers: { accept: MANIFEST_ACCEPT },
          reset: false,
        });
        await head.body.dump();
        const digest = String(head.headers['docker-content-digest']);
        const entry = (manifest[digest] ??= {
          tag: [],
          mediaType: String(head.headers['content-type']),
          imageSizeBytes: '0',
          timeCreatedMs: '0',
        });
        entry.tag.push(tag);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return JSON.stringify({ name: repository, tags, manifest });
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------- baseline and replay

/**
 * The original tool's algorithm, as crane ran it: list the tags, one HEAD per
 * tag for its digest, one manifest GET per distinct digest, one request at a
 * time over one kept-alive connection. cosign's `sha256-…` tags are left out
 * (the original's --exclude-tags), which makes the baseline cheaper, not dearer.
 * `reset: false` on HEAD: undici otherwise closes the connection after every
 * HEAD, and crane (Go's client) keeps it.
 */
async function baseline(url: string, repository: string, cpu: CpuMeter): Promise<Timed> {
  const client = new Client(url, { pipelining: 1, keepAliveTimeout: 60_000 });
  let requests = 0;
  const send = async (method: 'GET' | 'HEAD', path: string, accept: string) => {
    requests++;
    const response = await client.request({ method, path, headers: { accept }, reset: false });
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode !== 200) throw new Error(`baseline: ${method} ${path} answered ${response.statusCode}`);
    return { headers: response.headers, body };
  };
  const spent = cpu();
  const connectionsBefore = benchConnections;
  const started = now();
  try {
    const { tags } = JSON.parse((await send('GET', `/v2/${repository}/tags/list`, 'application/json')).body.toString('utf8')) as {
      tags: string[];
    };
    const digests = new Set<string>();
    for (const tag of tags.filter((name) => !name.startsWith('sha256-'))) {
      digests.add(String((await send('HEAD', `/v2/${repository}/manifests/${tag}`, MANIFEST_ACCEPT)).headers['docker-content-digest']));
    }
    for (const digest of digests) await send('GET', `/v2/${repository}/manifests/${digest}`, MANIFEST_ACCEPT);
    return { ms: now() - started, requests, cpu: spent(), connections: benchConnections - connectionsBefore };
  } finally {
    await client.close();
  }
}

/**
 * The registry's own throughput: the requests a cold readme-gen run made (as
 * the proxy recorded them), replayed straight at the registry with undici,
 * CONCURRENCY in flight over kept-alive connections (HEADs too), in the
 * recorded order; each answer must have the status the run got.
 */
async function replay(url: string, requests: { method: string; path: string; status: number }[], cpu: CpuMeter): Promise<Timed> {
  const pool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  let next = 0;
  const spent = cpu();
  const connectionsBefore = benchConnections;
  const started = now();
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < requests.length; i = next++) {
          const { method, path, status } = requests[i]!;
          const accept = path.includes('/manifests/')
            ? MANIFEST_ACCEPT
            : path.includes('/referrers/')
              ? MEDIA_TYPES.ociIndex
              : 'application/json';
          const response = await pool.request({ method, path, headers: { accept }, reset: false });
          await response.body.arrayBuffer();
          if (response.statusCode !== status)
            throw new Error(`replay: ${method} ${path} answered ${response.statusCode}, the run got ${status}`);
        }
      }),
    );
    return { ms: now() - started, requests: requests.length, cpu: spent(), connections: benchConnections - connectionsBefore };
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------- CPU

/** Starts measuring; the function it returns gives the CPU spent since. */
type CpuMeter = () => () => Cpu;

interface Timed {
  ms: number;
  requests: number;
  cpu: Cpu;
  connections: number;
}

/** Linux reports CPU time in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

function cpuMeter(registry: number | undefined): CpuMeter {
  return () => {
    const children = procCpuMs('self', true);
    const registryCpu = registry === undefined ? NaN : procCpuMs(registry, false);
    const bench = process.cpuUsage();
    return () => {
      const benchNow = process.cpuUsage(bench);
      return {
        readmeGen: procCpuMs('self', true) - children,
        registry: registry === undefined ? NaN : procCpuMs(registry, false) - registryCpu,
        bench: (benchNow.user + benchNow.system) / 1000,
      };
    };
  };
}

/** utime + stime of a process, or cutime + cstime (its children that have been waited for), in ms. */
function procCpuMs(pid: number | 'self', children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [first, second] = children ? [13, 14] : [11, 12];
    return ((Number(fields[first]) + Number(fields[second])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The docker-registry this process started (the harness does not say its pid). */
function registryPid(): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (name === 'docker-registry' && parent === process.pid) return Number(entry);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** The CPU each process spent; one that did not take part (0) is left out. */
function cpuText(cpu: Cpu): string {
  const parts: [string, number][] = [
    ['readme-gen', cpu.readmeGen],
    ['registry', cpu.registry],
    ['bench process', cpu.bench],
  ];
  return parts
    .filter(([, ms]) => ms !== 0)
    .map(([name, ms]) => `${name} ${Number.isNaN(ms) ? '?' : `${(ms / 1000).toFixed(1)} s`}`)
    .join(', ');
}

// ---------------------------------------------------------------- report

interface Results {
  hosts: HostsResults;
  loadAverage: number[];
  fixture: Fixture;
  manyTagsPushMs: number;
  minimum: Record<string, number>;
  minimumTotal: number;
  ideal: number;
  startupMs: number;
  coldDirect: Run[];
  warmDirect: Run[];
  coldProxied: Run[];
  warmProxied: Run[];
  botRuns: Run[];
  gcrRuns: Run[];
  baselineDirect: Timed[];
  baselineProxied: Timed & { proxied: ProxyView };
  replays: Timed[];
  floors: (Timed & { proxied: ProxyView })[];
  replayed: number;
  manyTagsRuns: Run[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function times(values: number[]): string {
  return values.length === 1
    ? seconds(values[0]!)
    : `${seconds(median(values))} (best ${seconds(Math.min(...values))}, worst ${seconds(Math.max(...values))})`;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

function kinds(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

/** The --json summary's kinds under the proxy's names, for comparing with the minimum. */
function summaryKinds(summary: Summary): Record<string, number> {
  const { tags = 0, head = 0, manifest = 0, blob = 0, referrers = 0, ...rest } = summary.requests;
  return { 'GET tags': tags, HEAD: head, 'GET manifests': manifest, 'GET blobs': blob, 'GET referrers': referrers, ...rest };
}

function verdict(met: boolean): string {
  return met ? 'met' : '**missed**';
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a[key] ?? 0) === (b[key] ?? 0));
}

function peak(runs: Run[]): number {
  return Math.max(...runs.map((run) => run.summary.peakRssBytes));
}

function where(view: ProxyView | undefined): string {
  if (!view) return '';
  return `start-up to first request ${Math.round(view.beforeFirstMs)} ms, requests ${seconds(view.busyMs)} at ${view.meanInFlight.toFixed(1)} in flight on average, ${view.meanLatencyMs.toFixed(1)} ms each in the proxy (${view.meanUpstreamMs.toFixed(1)} ms of it the registry's answer), last response to exit ${Math.round(view.afterLastMs)} ms`;
}

/** The run whose time is the median (RUNS is odd), for its details. */
function medianRun<T extends { ms: number }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function report(results: Results): string {
  const { fixture, minimum, minimumTotal, ideal } = results;
  const coldRun = medianRun(results.coldProxied);
  const warmRun = medianRun(results.warmProxied);
  const coldLoopbackRun = medianRun(results.coldDirect);
  const warmLoopbackRun = medianRun(results.warmDirect);
  const replayRun = medianRun(results.replays);
  const floorRun = medianRun(results.floors);
  const manyTagsRun = medianRun(results.manyTagsRuns);
  const coldCounts = coldRun.proxied?.counts ?? {};
  const warmCounts = warmRun.proxied?.counts ?? {};
  const warmOnlyTagsAndHeads = [
    ...results.warmProxied.map((run) => run.proxied?.counts ?? {}),
    ...results.warmDirect.map((run) => summaryKinds(run.summary)),
  ].every((counts) => Object.entries(counts).every(([kind, count]) => count === 0 || kind === 'GET tags' || kind === 'HEAD'));
  const coldIsMinimum =
    results.coldProxied.every((run) => sameCounts(run.proxied?.counts ?? {}, minimum)) &&
    results.coldDirect.every((run) => sameCounts(summaryKinds(run.summary), minimum));
  const botRun = medianRun(results.botRuns);
  const botCounts = botRun.proxied?.counts ?? {};
  const botFetchesNothing = results.botRuns.every(
    (run) => (run.proxied?.counts['GET manifests'] ?? 0) === 0 && (run.proxied?.counts['GET blobs'] ?? 0) === 0,
  );
  const gcrRun = medianRun(results.gcrRuns);
  const gcrCounts = gcrRun.proxied?.counts ?? {};
  const gcrHeadsNothing = results.gcrRuns.every((run) => (run.proxied?.counts.HEAD ?? 0) === 0);
  const speedup = results.baselineProxied.ms / coldRun.ms;
  const overIdeal = coldRun.ms / ideal;
  const overRegistry = coldLoopbackRun.ms / replayRun.ms;
  const manyTagsPeak = peak(results.manyTagsRuns);
  const baselinePerRequest = results.baselineProxied.ms / results.baselineProxied.requests;

  const rows = [
    [
      'cold, through the 10 ms proxy (`snapshot --quiet --json`, fresh `--cache-dir`)',
      `${times(results.coldProxied.map((run) => run.ms))}; ${coldRun.proxied?.total} requests (proxy), ${total(coldRun.summary.requests)} (--json), over ${coldRun.connections} connections; peak RSS ${mb(peak(results.coldProxied))}`,
      '≥ 10× faster than the baseline; ≤ 1.3× the ideal',
      `${verdict(speedup >= 10)}: ${speedup.toFixed(1)}×; ${verdict(overIdeal <= 1.3)}: ${overIdeal.toFixed(2)}×`,
      `median run: ${where(coldRun.proxied)}; CPU ${cpuText(coldRun.cpu)}`,
    ],
    [
      'cold requests against the minimum',
      `${total(coldCounts)}: ${kinds(coldCounts)}`,
      `exactly the minimum, ${minimumTotal}: ${kinds(minimum)}`,
      verdict(coldIsMinimum),
      'every cold run, counted by the proxy and by --json',
    ],
    [
      "warm, through the 10 ms proxy (the last cold run's cache and state)",
      `${times(results.warmProxied.map((run) => run.ms))}; ${total(warmCounts)} requests: ${kinds(warmCounts)}, over ${warmRun.connections} connections; peak RSS ${mb(peak(results.warmProxied))}`,
      'no manifest or blob GET: only tag pages and HEADs',
      verdict(warmOnlyTagsAndHeads),
      `every warm run, proxied and loopback; median run: ${where(warmRun.proxied)}; CPU ${cpuText(warmRun.cpu)}`,
    ],
    [
      "the bot's warm run, through the 10 ms proxy: the state the cold runs wrote, a `--cache-dir` never used before",
      `${times(results.botRuns.map((run) => run.ms))}; ${total(botCounts)} requests: ${kinds(botCounts)}, over ${botRun.connections} connections; peak RSS ${mb(peak(results.botRuns))}`,
      'no manifest or blob GET (issue 13): what the state says under a digest is reused',
      verdict(botFetchesNothing),
      `every run; the HEADs are the tags' and the \`.sig\` tags' (a new signature would change their digest); median run: ${where(botRun.proxied)}; CPU ${cpuText(botRun.cpu)}`,
    ],
    [
      "a tag list with gcr.io's `manifest` map, cold, through the 10 ms proxy",
      `${times(results.gcrRuns.map((run) => run.ms))}; ${total(gcrCounts)} requests: ${kinds(gcrCounts)}, over ${gcrRun.connections} connections`,
      'no HEAD (issue 13): the map gives every tag its digest',
      verdict(gcrHeadsNothing),
      `every run; the proxy answers the tag list with the map gcr.io and Artifact Registry send (digest → tags, mediaType); median run: ${where(gcrRun.proxied)}; CPU ${cpuText(gcrRun.cpu)}`,
    ],
    [
      'cold, loopback (straight to the registry)',
      `${times(results.coldDirect.map((run) => run.ms))}; ${total(coldLoopbackRun.summary.requests)} requests (--json) over ${coldLoopbackRun.connections} connections; peak RSS ${mb(peak(results.coldDirect))}`,
      "≤ 1.5× the registry's own throughput (the replay below)",
      `${verdict(overRegistry <= 1.5)}: ${overRegistry.toFixed(2)}×`,
      `whole process, start-up included; CPU ${cpuText(coldLoopbackRun.cpu)}`,
    ],
    [
      'warm, loopback',
      `${times(results.warmDirect.map((run) => run.ms))}; ${total(warmLoopbackRun.summary.requests)} requests (--json) over ${warmLoopbackRun.connections} connections; peak RSS ${mb(peak(results.warmDirect))}`,
      '—',
      '—',
      `CPU ${cpuText(warmLoopbackRun.cpu)}`,
    ],
    [
      'baseline (the original algorithm), through the 10 ms proxy',
      `${seconds(results.baselineProxied.ms)}; ${results.baselineProxied.requests} requests over ${results.baselineProxied.connections} connection(s)`,
      '—',
      '—',
      `one run; ${baselinePerRequest.toFixed(1)} ms a request, one at a time, ${results.baselineProxied.proxied.meanLatencyMs.toFixed(1)} ms of it in the proxy (${results.baselineProxied.proxied.meanUpstreamMs.toFixed(1)} ms the registry's answer); CPU ${cpuText(results.baselineProxied.cpu)}`,
    ],
    [
      'baseline, loopback',
      `${times(results.baselineDirect.map((run) => run.ms))}; ${results.baselineDirect[0]?.requests} requests over ${results.baselineDirect[0]?.connections} connection(s)`,
      '—',
      '—',
      `${(medianRun(results.baselineDirect).ms / (results.baselineDirect[0]?.requests ?? NaN)).toFixed(2)} ms a request`,
    ],
    [
      'ideal through the proxy',
      seconds(ideal),
      '—',
      '—',
      `the minimum ${minimumTotal} requests × ${2 * DELAY_MS} ms ÷ ${CONCURRENCY} + start-up ${Math.round(results.startupMs)} ms`,
    ],
    [
      "the floor: the cold run's requests replayed through the 10 ms proxy by a bare client",
      `${times(results.floors.map((run) => run.ms))} for ${results.replayed} requests: ${(results.baselineProxied.ms / floorRun.ms).toFixed(1)}× faster than the baseline, ${(floorRun.ms / ideal).toFixed(2)}× the ideal`,
      '—',
      '—',
      `what any client could reach on this machine: undici in this process, ${CONCURRENCY} in flight, in the recorded order, no start-up, nothing done with the answers and no request waiting for another; median run: ${where(floorRun.proxied)}; CPU ${cpuText(floorRun.cpu)}`,
    ],
    [
      "the registry's own throughput (replay)",
      `${times(results.replays.map((run) => run.ms))} for ${results.replayed} requests over ${replayRun.connections} connections`,
      '—',
      '—',
      `a cold run's requests as the proxy recorded them, replayed with undici straight to the registry, ${CONCURRENCY} in flight: ${((results.replayed / replayRun.ms) * 1000).toFixed(0)} requests/s; registry CPU ${(replayRun.cpu.registry / results.replayed).toFixed(2)} ms a request; CPU ${cpuText(replayRun.cpu)}`,
    ],
    [
      `${MANY_TAGS_IMAGES * MANY_TAGS_PER_IMAGE} tags over ${MANY_TAGS_IMAGES} images, cold, loopback`,
      `${times(results.manyTagsRuns.map((run) => run.ms))}; ${total(manyTagsRun.summary.requests)} requests over ${manyTagsRun.connections} connections; peak RSS ${mb(manyTagsPeak)} (worst of ${results.manyTagsRuns.length})`,
      'peak RSS < 150 MB',
      `${verdict(manyTagsPeak < 150 * 2 ** 20)}: ${mb(manyTagsPeak)}`,
      `${manyTagsRun.summary.tags} tags, ${manyTagsRun.summary.digests} digests; CPU ${cpuText(manyTagsRun.cpu)}`,
    ],
    [
      'start-up (`readme-gen --version`)',
      `${Math.round(results.startupMs)} ms`,
      '< 150 ms',
      verdict(results.startupMs < 150),
      'the median from the table above',
    ],
    ...hostsRows(results.hosts),
  ];

  return `## Registry

\`readme-gen snapshot\` against docker-registry 2.8.2 on 127.0.0.1 (test/harness), the benchmark of issue 4. Wall times are of the whole process, spawned from the bench; ${RUNS} runs each (median, best, worst) unless the note says otherwise. Peak RSS is \`peakRssBytes\` from \`--json\` (\`maxRSS\`), the highest of the runs. "Through the 10 ms proxy" is the test harness's counting proxy, in the bench process, holding each request and each response ${DELAY_MS} ms: ${2 * DELAY_MS} ms a round trip, like a registry across the internet. The registry, readme-gen and the proxy share this machine's CPUs; CPU times are from /proc. Connections are those readme-gen's undici opened (bench/count-connections.ts, preloaded). Load average when this section started: ${results.loadAverage.map((load) => load.toFixed(2)).join(', ')}.

Fixture (bench/registry.ts): repository \`${REPOSITORY}\`, ${fixture.tags} tags over ${fixture.indexes} OCI indexes of 1–4 platforms (${fixture.platformManifests} platform manifests), half with BuildKit attestations (${fixture.attestationManifests} attestation manifests of one statement each), ${fixture.signatureTags} signed with a cosign \`.sig\` tag, ${TAGS_PER_IMAGE} tags per image; pushed in ${seconds(fixture.pushMs)} by ${PUSHERS} pushers. Repository \`${MANY_TAGS_REPOSITORY}\`: ${MANY_TAGS_IMAGES * MANY_TAGS_PER_IMAGE} tags over ${MANY_TAGS_IMAGES} two-platform indexes, pushed in ${seconds(results.manyTagsPushMs)}. ${hostsFixtureText(results.hosts)}

Baseline: the original tool's algorithm (list tags; one HEAD per tag with the full Accept list; one manifest GET per distinct digest), one request at a time over one kept-alive undici connection, cosign's \`sha256-…\` tags left out. Ideal: the minimum requests of a cold run × ${2 * DELAY_MS} ms ÷ ${CONCURRENCY} (the default concurrency) + start-up. For proxied runs the proxy also tells where the time went: from spawn to the first request, the requests (mean requests in flight and mean time each spent in the proxy, by Little's law from arrival and completion times), and from the last response to exit.

${table(rows)}`;
}

function table(rows: string[][]): string {
  return `| what | measured | target | verdict | note |
| --- | --- | --- | --- | --- |
${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}
`;
}

// ---------------------------------------------------------------- many repositories on one host (issue 15)

/**
 * Issue 15's fixture: HOSTS_IMAGES repositories bench/hosts-NNN on the one
 * registry, each holding one single-platform image under TAGS_PER_IMAGE tags
 * (a cold run reads its tag list, a HEAD per tag, the manifest and the config
 * blob: 8 requests); and the same number of requests in one repository,
 * bench/hosts-one: the same number of images and tags, and one more tag on
 * each image but the last, whose HEADs stand for the tag lists the other
 * repositories need and this one does not. Either run also sends the one
 * referrers probe that finds no API.
 */
const HOSTS_IMAGES = 200;
const HOSTS_ONE_REPOSITORY = 'bench/hosts-one';
const hostsRepository = (i: number): string => `bench/hosts-${String(i).padStart(3, '0')}`;

interface HostsResults {
  pushMs: number;
  /** `snapshot --all` over the HOSTS_IMAGES repositories, cold, through the proxy */
  many: (Run & { proxied: ProxyView })[];
  /** `snapshot` of bench/hosts-one, cold, through the proxy */
  one: (Run & { proxied: ProxyView })[];
}

/** `--all` over many small repositories on one host against one repository of as many requests, the runs taking turns. */
async function hostsBenchmark(bench: BenchContext): Promise<HostsResults> {
  const { scratch, registry, proxy, cpu, throughProxy } = bench;
  say(`${HOSTS_IMAGES} repositories of one image and ${TAGS_PER_IMAGE} tags, and ${HOSTS_ONE_REPOSITORY}: pushing`);
  const pushMs = await pushHostsFixture(registry);
  const monorepo = path.join(scratch, 'hosts-all');
  for (let i = 0; i < HOSTS_IMAGES; i++) {
    const image = path.join(monorepo, hostsRepository(i));
    mkdirSync(image, { recursive: true });
    writeFileSync(
      path.join(image, 'readme-gen.yaml'),
      `name: image-${i}\nlocation: ${proxy.host}/${hostsRepository(i)}\nstate: state.json\n`,
    );
  }
  // A monorepo is a git work tree: readme-gen finds its root once, not once per config.
  execFileSync('git', ['init', '-q'], { cwd: monorepo });
  const one = workspace(scratch, 'hosts-one', proxy.host, HOSTS_ONE_REPOSITORY);
  const results: HostsResults = { pushMs, many: [], one: [] };
  say(
    `snapshot --all over the ${HOSTS_IMAGES} repositories and snapshot of ${HOSTS_ONE_REPOSITORY}, cold, through the proxy, taking turns`,
  );
  // Cold: no cache and no state, which would spare the GETs (issue 13).
  const forgetStates = (): void => {
    for (let i = 0; i < HOSTS_IMAGES; i++) rmSync(path.join(monorepo, hostsRepository(i), 'state.json'), { force: true });
    rmSync(path.join(one, 'state.json'), { force: true });
  };
  for (let r = 0; r < RUNS; r++) {
    forgetStates();
    const many = await throughProxy(() =>
      runSnapshot([...snapshotArgs(path.join(scratch, `hosts-all-cache-${r}`)), '--all'], monorepo, cpu),
    );
    const states = (many.summary as unknown as { states: { tags: number; digests: number }[] }).states;
    if (states.length !== HOSTS_IMAGES || states.some((state) => state.tags !== TAGS_PER_IMAGE || state.digests !== 1))
      throw new Error(
        `readme-gen --all saw ${states.length} states; the fixture has ${HOSTS_IMAGES} of ${TAGS_PER_IMAGE} tags on 1 digest`,
      );
    results.many.push(many);
    const single = await throughProxy(() => runSnapshot(snapshotArgs(path.join(one, `cache-${r}`)), one, cpu));
    if (single.summary.tags !== HOSTS_IMAGES * (TAGS_PER_IMAGE + 1) - 1 || single.summary.digests !== HOSTS_IMAGES)
      throw new Error(`readme-gen saw ${single.summary.tags} tags on ${single.summary.digests} digests in ${HOSTS_ONE_REPOSITORY}`);
    results.one.push(single);
  }
  return results;
}

async function pushHostsFixture(registry: RunningRegistry): Promise<number> {
  const started = now();
  let next = 0;
  const worker = async (): Promise<void> => {
    const one = new Pusher({ registryUrl: registry.url, repository: HOSTS_ONE_REPOSITORY });
    for (let i = next++; i < HOSTS_IMAGES; i = next++) {
      const own = new Pusher({ registryUrl: registry.url, repository: hostsRepository(i) });
      for (const [pusher, tags] of [
        [own, TAGS_PER_IMAGE],
        [one, TAGS_PER_IMAGE + (i < HOSTS_IMAGES - 1 ? 1 : 0)],
      ] as const) {
        const image = await pusher.pushImage({
          tag: `v1.${i}.0`,
          platform: PLATFORMS[0]!,
          labels: { 'org.opencontainers.image.version': `1.${i}` },
        });
        for (let t = 1; t < tags; t++) await pusher.tag(`v1.${i}.${t}`, image.digest);
      }
    }
  };
  await Promise.all(Array.from({ length: PUSHERS }, worker));
  return now() - started;
}

function hostsFixtureText(results: HostsResults): string {
  return `Issue 15: ${HOSTS_IMAGES} repositories \`bench/hosts-000\` … \`bench/hosts-${HOSTS_IMAGES - 1}\` of one single-platform image and ${TAGS_PER_IMAGE} tags each, and \`${HOSTS_ONE_REPOSITORY}\` with as many images and tags plus one more tag on each image but the last (their HEADs stand for the tag lists the others need), pushed in ${seconds(results.pushMs)}.`;
}

function hostsRows(results: HostsResults): string[][] {
  const many = medianRun(results.many);
  const one = medianRun(results.one);
  const ratio = many.ms / one.ms;
  const sameRequests = [...results.many, ...results.one].every((run) => run.proxied.total === many.proxied.total);
  const peakInFlight = Math.max(...results.many.map((run) => run.proxied.peakInFlight));
  return [
    [
      `${HOSTS_IMAGES} images × ${TAGS_PER_IMAGE} tags, a repository each on one host: \`snapshot --all\`, cold, through the 10 ms proxy`,
      `${times(results.many.map((run) => run.ms))}; ${many.proxied.total} requests: ${kinds(many.proxied.counts)}, over ${many.connections} connections; at most ${peakInFlight} in flight; peak RSS ${mb(peak(results.many))}`,
      '≤ 1.2× the same number of requests in one repository (next row)',
      `${verdict(ratio <= 1.2 && sameRequests)}: ${ratio.toFixed(2)}×${sameRequests ? '' : ' (**not the same number of requests**)'}`,
      `issue 15: the images side by side under the host's one limit of ${CONCURRENCY}; runs alternating with the next row's; median run: ${where(many.proxied)}; CPU ${cpuText(many.cpu)}`,
    ],
    [
      `the same number of requests in one repository (\`${HOSTS_ONE_REPOSITORY}\`), \`snapshot\`, cold, through the 10 ms proxy`,
      `${times(results.one.map((run) => run.ms))}; ${one.proxied.total} requests: ${kinds(one.proxied.counts)}, over ${one.connections} connections`,
      '—',
      '—',
      `median run: ${where(one.proxied)}; CPU ${cpuText(one.cpu)}`,
    ],
  ];
}

// `node dist/bench/registry.js hosts`: issue 15's rows alone, for working on them; `npm run bench` runs them with the rest.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === 'hosts') {
  const loadAverage = os.loadavg();
  const bench = await startBench();
  try {
    const results = await hostsBenchmark(bench);
    process.stdout.write(
      `Load average at the start: ${loadAverage.map((load) => load.toFixed(2)).join(', ')}. ${hostsFixtureText(results)}\n\n${table(hostsRows(results))}`,
    );
  } finally {
    await bench.stop();
  }
}
