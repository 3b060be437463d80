/**
 * Load against a real registry (docker-registry 2.8):
 * - 10,000 tags in one repository: snapshot succeeds, one HEAD per tag over
 *   kept-alive connections, and the README renders from that state. Its peak
 *   RSS is printed, not asserted: the 150 MB target is measured by `npm run
 *   bench` (BENCHMARKS.md), where a memory target belongs, with the machine
 *   and the Node version it was measured on;
 * - 200 images in one `--all` run (20 repositories, 10 configs each with
 *   its own exclude list): snapshot --all and render --all --write (live, no
 *   state files) succeed under a lowered open-file limit, so a descriptor
 *   kept per image or per request would fail them with EMFILE;
 * - several readme-gen processes snapshotting at once into one cache
 *   directory: all succeed with identical states, and the cache holds only
 *   whole entries, nothing temporary.
 *
 * Every readme-gen run here is limited to FD_LIMIT open files. Timings and
 * peak RSS are printed at the end.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, type Socket, connect, createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import { type TimedRun, assertCacheConsistent, assertNoTemporaryFiles, runReadmeGen } from './invariants.js';

const TAGS = 10_000;
/** the 10,000 tags point at this many images */
const DIGESTS = 4;
const IMAGES = 200;
const REPOSITORIES = 20;
const PROCESSES = 4;
/** rounds of PROCESSES concurrent snapshots, each on a fresh shared cache */
const ROUNDS = 3;
/** open files allowed to each readme-gen run: node needs a few dozen; 16 connections per host fit well under it */
const FD_LIMIT = 256;

type TestContext = Parameters<typeof temporaryDirectory>[0];

interface SnapshotSummary {
  written?: boolean;
  tags?: number;
  states?: { state: string; written: boolean; tags: number; digests: number }[];
  requests: Record<string, number>;
  retries: number;
  cache: { hits: number; misses: number };
  peakRssBytes: number;
}

let registry: RunningRegistry;
const report: string[] = [];

before(async () => {
  registry = await startRegistry();
});

after(async () => {
  await registry?.stop();
  if (report.length > 0) process.stdout.write(`\nload (open files limited to ${FD_LIMIT}):\n${report.join('\n')}\n`);
});

function readmeGen(args: readonly string[], cwd: string): Promise<TimedRun> {
  return runReadmeGen(args, cwd, { env: { DOCKER_CONFIG: cwd }, fdLimit: FD_LIMIT, deadlineMs: 180_000 });
}

function summary(run: TimedRun): SnapshotSummary {
  return JSON.parse(run.stdout) as SnapshotSummary;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * A TCP forwarder to the registry that counts the connections made through it
 * (bytes are piped, not parsed, so it costs the run almost nothing).
 */
async function countingForwarder(targetUrl: string): Promise<{ host: string; connections: () => number; stop: () => Promise<void> }> {
  const target = new URL(targetUrl);
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    connections++;
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function readState(file: string): ImageState {
  return JSON.parse(readFileSync(file, 'utf8')) as ImageState;
}

describe(`${TAGS.toLocaleString('en')} tags in one repository`, () => {
  const repository = 'acme/many';
  let expected: Map<string, Digest>;

  before(async () => {
    const pusher = new Pusher({ registryUrl: registry.url, repository });
    expected = new Map();
    const started = performance.now();
    // One digest's tags per pusher call, all at once: pushManyTags keeps 8 PUTs in flight each.
    await Promise.all(
      Array.from({ length: DIGESTS }, async (_, i) => {
        const image =
          i % 2 === 0
            ? await pusher.pushIndex({
                images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
              })
            : await pusher.pushImage({ platform: { os: 'linux', architecture: 'amd64' } });
        const tags = await pusher.pushManyTags(`d${i}-`, TAGS / DIGESTS, image.digest);
        for (const tag of tags) expected.set(tag, image.digest);
      }),
    );
    report.push(`  pushed ${TAGS} tags over ${DIGESTS} digests in ${Math.round(performance.now() - started)} ms`);
  });

  test('snapshot: succeeds, every tag recorded, cold and warm; the README renders from it', async (t) => {
    const dir = temporaryDirectory(t);
    const forwarder = await countingForwarder(registry.url);
    t.after(() => forwarder.stop());
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: many\nlocation: ${forwarder.host}/${repository}\nstate: state.json\n`);
    const cache = path.join(dir, 'cache');

    const cold = await readmeGen(['snapshot', '--quiet', '--json', '--cache-dir', cache], dir);
    assert.equal(cold.status, 0, cold.stderr);
    const state = readState(path.join(dir, 'state.json'));
    assert.equal(state.tags.length, TAGS);
    assert.deepEqual(new Map(state.tags.map((tag) => [tag.name, tag.digest])), expected);
    assert.equal(Object.keys(state.images).length, DIGESTS);
    const coldSummary = summary(cold);
    assert.equal(coldSummary.requests.head, TAGS, 'one HEAD per tag');
    const coldConnections = forwarder.connections();
    // Kept-alive connections, at most --concurrency (16) of them; a connection per request would be 10,000.
    assert.ok(coldConnections <= 2 * 16, `${coldConnections} TCP connections for ${TAGS} HEADs`);

    const warm = await readmeGen(['snapshot', '--quiet', '--json', '--cache-dir', cache], dir);
    assert.equal(warm.status, 0, warm.stderr);
    const warmSummary = summary(warm);
    assert.equal(warmSummary.written, false);
    assert.equal((warmSummary.requests.manifest ?? 0) + (warmSummary.requests.blob ?? 0), 0, 'warm: no manifest or blob GET');

    const render = await readmeGen(['render', '--write', '--quiet'], dir);
    assert.equal(render.status, 0, render.stderr);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const tag of ['d0-0000', `d${DIGESTS - 1}-${String(TAGS / DIGESTS - 1).padStart(4, '0')}`])
      assert.ok(readme.includes(tag), `the README lacks ${tag}`);
    assertCacheConsistent(cache);
    assertNoTemporaryFiles(dir);

    report.push(
      `  ${TAGS} tags: snapshot cold ${Math.round(cold.ms)} ms, peak RSS ${mib(coldSummary.peakRssBytes)}, ${coldConnections} TCP connections, ${JSON.stringify(coldSummary.requests)}`,
      `  ${TAGS} tags: snapshot warm ${Math.round(warm.ms)} ms, peak RSS ${mib(warmSummary.peakRssBytes)}`,
      `  ${TAGS} tags: render --write from the state ${Math.round(render.ms)} ms, README ${readme.length} bytes`,
    );
  });
});

describe(`${IMAGES} images in one --all run`, () => {
  /** each repository's tags and the digest each points at */
  const repositories: { name: string; tags: Map<string, Digest> }[] = [];

  before(async () => {
    const started = performance.now();
    for (let r = 0; r < REPOSITORIES; r++) {
      const name = `acme/img-${String(r).padStart(2, '0')}`;
      const pusher = new Pusher({ registryUrl: registry.url, repository: name });
      const tags = new Map<string, Digest>();
      const index = await pusher.pushIndex({
        tag: 'latest',
        images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
      });
      tags.set('latest', index.digest);
      const single = await pusher.pushImage({ tag: '1.0', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
      tags.set('1.0', single.digest);
      for (const tag of await pusher.pushManyTags('v', 5, single.digest)) tags.set(tag, single.digest);
      repositories.push({ name, tags });
    }
    report.push(`  pushed ${REPOSITORIES} repositories for the --all runs in ${Math.round(performance.now() - started)} ms`);
  });

  /** Config i: repository i mod 20, and its own exclude list (10 different ones per repository). */
  function imageConfig(i: number): { repository: (typeof repositories)[number]; exclude: string[] } {
    const repository = repositories[i % REPOSITORIES];
    assert.ok(repository);
    const variant = Math.floor(i / REPOSITORIES);
    return { repository, exclude: [`v${variant % 5}`, ...(variant >= 5 ? ['latest'] : [])] };
  }

  /** A git work tree with IMAGES configs under images/NNN/, with state files or without (render live). */
  function monorepo(t: TestContext, withState: boolean): string {
    const dir = temporaryDirectory(t);
    for (let i = 0; i < IMAGES; i++) {
      const { repository, exclude } = imageConfig(i);
      const image = path.join(dir, 'images', String(i).padStart(3, '0'));
      mkdirSync(image, { recursive: true });
      writeFileSync(
        path.join(image, 'readme-gen.yaml'),
        `name: image-${i}\nlocation: ${registry.host}/${repository.name}\n${withState ? 'state: state.json\n' : ''}exclude-tags: ${JSON.stringify(exclude)}\n`,
      );
    }
    execFileSync('git', ['init', '-q'], { cwd: dir });
    return dir;
  }

  test(`snapshot --all: ${IMAGES} states, each with its own tags, no EMFILE`, async (t) => {
    const dir = monorepo(t, true);
    const cache = path.join(dir, '.cache');

    const run = await readmeGen(['snapshot', '--all', '--quiet', '--json', '--cache-dir', cache], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /EMFILE/);
    const result = summary(run);
    assert.equal(result.states?.length, IMAGES);
    assert.ok(result.states?.every((state) => state.written));
    for (let i = 0; i < IMAGES; i++) {
      const { repository, exclude } = imageConfig(i);
      const state = readState(path.join(dir, 'images', String(i).padStart(3, '0'), 'state.json'));
      const shown = [...repository.tags].filter(([tag]) => !exclude.includes(tag)).sort(([a], [b]) => (a < b ? -1 : 1));
      assert.deepEqual(
        state.tags.map((tag) => [tag.name, tag.digest]),
        shown,
        `image ${i}`,
      );
    }
    assertCacheConsistent(cache);
    assertNoTemporaryFiles(dir);
    report.push(
      `  snapshot --all over ${IMAGES} images: ${Math.round(run.ms)} ms, peak RSS ${mib(result.peakRssBytes)}, ${JSON.stringify(result.requests)}`,
    );
  });

  test(`render --all --write, live (no state files): ${IMAGES} READMEs, no EMFILE`, async (t) => {
    const dir = monorepo(t, false);

    const run = await readmeGen(['render', '--all', '--write', '--quiet', '--cache-dir', path.join(dir, '.cache')], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /EMFILE/);
    assert.equal(run.stderr.match(/^readme-gen: wrote images\/\d{3}\/README\.md$/gm)?.length, IMAGES, run.stderr.slice(0, 2000));
    for (const i of [0, 57, IMAGES - 1]) {
      const { repository } = imageConfig(i);
      const readme = readFileSync(path.join(dir, 'images', String(i).padStart(3, '0'), 'README.md'), 'utf8');
      assert.ok(readme.includes(repository.name), `README ${i} does not name ${repository.name}`);
    }
    assertCacheConsistent(path.join(dir, '.cache'));
    assertNoTemporaryFiles(dir);
    report.push(`  render --all --write (live) over ${IMAGES} images: ${Math.round(run.ms)} ms`);
  });
});

describe(`${PROCESSES} processes sharing one cache directory`, () => {
  const repository = 'acme/shared';

  before(async () => {
    const pusher = new Pusher({ registryUrl: registry.url, repository });
    // Many distinct digests, so the processes write many cache entries at the same moments.
    for (let i = 0; i < 30; i++) await pusher.pushImage({ tag: `single-${i}`, platform: { os: 'linux', architecture: 'amd64' } });
    for (let i = 0; i < 10; i++) {
      await pusher.pushIndex({
        tag: `multi-${i}`,
        images: ['amd64', 'arm64', 's390x'].map((architecture) => ({ platform: { os: 'linux', architecture } })),
      });
    }
  });

  test(`${ROUNDS} rounds of ${PROCESSES} concurrent snapshots on a cold shared cache, then one on it warm: identical states, a consistent cache`, async (t) => {
    const reference = temporaryDirectory(t);
    const config = `name: shared\nlocation: ${registry.host}/${repository}\nstate: state.json\n`;
    writeFileSync(path.join(reference, 'readme-gen.yaml'), config);
    const alone = await readmeGen(['snapshot', '--quiet', '--cache-dir', path.join(reference, 'cache')], reference);
    assert.equal(alone.status, 0, alone.stderr);
    const expected = readFileSync(path.join(reference, 'state.json'));

    for (let round = 0; round < ROUNDS; round++) {
      const shared = path.join(temporaryDirectory(t), 'cache');
      const workspaces = Array.from({ length: PROCESSES }, () => {
        const dir = temporaryDirectory(t);
        writeFileSync(path.join(dir, 'readme-gen.yaml'), config);
        return dir;
      });

      const cold = await Promise.all(workspaces.map((dir) => readmeGen(['snapshot', '--quiet', '--json', '--cache-dir', shared], dir)));
      for (const [i, run] of cold.entries()) {
        assert.equal(run.status, 0, `process ${i}: ${run.stderr}`);
        assert.equal(run.stderr, '');
        assert.deepEqual(readFileSync(path.join(workspaces[i] ?? '', 'state.json')), expected, `process ${i}'s state differs`);
      }
      const entries = assertCacheConsistent(shared);
      assert.ok(entries > 0, 'the cache was filled');
      for (const dir of [path.dirname(shared), ...workspaces]) assertNoTemporaryFiles(dir);

      const warm = await Promise.all(workspaces.map((dir) => readmeGen(['snapshot', '--quiet', '--json', '--cache-dir', shared], dir)));
      for (const [i, run] of warm.entries()) {
        assert.equal(run.status, 0, `process ${i}, warm: ${run.stderr}`);
        const { requests, cache } = summary(run);
        assert.equal((requests.manifest ?? 0) + (requests.blob ?? 0), 0, `process ${i}, warm: everything came from the shared cache`);
        assert.equal(cache.misses, 0);
      }
      assert.equal(assertCacheConsistent(shared), entries);
      for (const dir of [path.dirname(shared), ...workspaces]) assertNoTemporaryFiles(dir);

      const misses = cold.map((run) => summary(run).cache.misses);
      report.push(
        `  round ${round + 1}: ${PROCESSES} concurrent cold snapshots ${cold.map((run) => Math.round(run.ms)).join('/')} ms (cache misses ${misses.join('/')}), ${entries} entries; warm ${warm.map((run) => Math.round(run.ms)).join('/')} ms`,
      );
    }
  });
});
