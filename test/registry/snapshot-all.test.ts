/**
 * `snapshot --all` over many images on one registry host (issue 15): the
 * images run side by side under the host's one request limit, not image after
 * image, while what the run says stays per image and in the configs' order.
 * The counting proxy in front of the real registry holds each request and each
 * response a while, so requests of different images overlap only if the
 * client sends them together, and counts the requests it holds at once.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { snapshotAll } from '../../src/commands/snapshot.js';
import { openSession } from '../../src/registry/fetch-state.js';
import type { SnapshotProgress } from '../../src/registry/snapshot.js';
import { type CountingProxy, type Intercept, countByKind, startCountingProxy } from '../harness/counting-proxy.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const IMAGES = 12;
const TAGS = ['1.0', 'latest'] as const;
const LIMIT = 4;
const DELAY_MS = 15;
/** long enough that every other image's answer comes first */
const STALL_MS = 400;

type TestContext = Parameters<typeof temporaryDirectory>[0];

const repository = (i: number): string => `hosts/img-${String(i).padStart(2, '0')}`;
const configOf = (i: number): string => `images/img-${String(i).padStart(2, '0')}/readme-gen.yaml`;

/** A monorepo of IMAGES configs on `host`; `locations` replaces some images' repositories; `live`: no state file, read from the registry. */
function monorepo(t: TestContext, host: string, locations: Record<number, string> = {}, live = false): string {
  const dir = temporaryDirectory(t);
  for (let i = 0; i < IMAGES; i++) {
    const config = path.join(dir, configOf(i));
    mkdirSync(path.dirname(config), { recursive: true });
    writeFileSync(config, `name: img-${i}\nlocation: ${host}/${locations[i] ?? repository(i)}\n${live ? '' : 'state: state.json\n'}`);
  }
  return dir;
}

describe('snapshot --all: many images on one host', () => {
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  /** what the proxy does before forwarding, set by each test */
  let intercept: Intercept = () => undefined;

  before(async () => {
    registry = await startRegistry();
    await Promise.all(
      Array.from({ length: IMAGES }, async (_, i) => {
        const pusher = new Pusher({ registryUrl: registry.url, repository: repository(i) });
        const image = await pusher.pushImage({ tag: TAGS[0], platform: { os: 'linux', architecture: 'amd64' } });
        for (const tag of TAGS.slice(1)) await pusher.tag(tag, image.digest);
      }),
    );
    proxy = await startCountingProxy(registry.url, { delayMs: DELAY_MS, intercept: (request) => intercept(request) });
  });

  after(async () => {
    await proxy.stop();
    await registry.stop();
  });

  test('the images run side by side under one limit: more in flight than one image needs, never more than --concurrency', async (t) => {
    intercept = () => undefined;
    const dir = monorepo(t, proxy.host);
    const args = (cache: string) => ['--concurrency', String(LIMIT), '--cache-dir', path.join(dir, cache), '--json'];

    proxy.reset();
    const one = await runCliAsync(['snapshot', '--config', configOf(0), ...args('one')], dir);
    assert.equal(one.status, 0, one.stderr);
    const oneImageNeeds = proxy.peakInFlight;
    // Otherwise the limit could not show: one image alone would fill it.
    assert.ok(oneImageNeeds < LIMIT, `one image alone had ${oneImageNeeds} requests in flight`);

    proxy.reset();
    const all = await runCliAsync(['snapshot', '--all', ...args('all')], dir);
    assert.equal(all.status, 0, all.stderr);
    assert.ok(proxy.peakInFlight > oneImageNeeds, `--all had at most ${proxy.peakInFlight} in flight, one image ${oneImageNeeds}`);
    assert.ok(proxy.peakInFlight <= LIMIT, `--all had ${proxy.peakInFlight} requests in flight, over --concurrency ${LIMIT}`);
    const kinds = countByKind(proxy.requests);
    assert.equal(kinds['GET tags'], IMAGES);
    // The cache is cold: the first image to ask learns that the host has no referrers API, for all of them.
    assert.equal(kinds['GET referrers'], 1);

    const summary = JSON.parse(all.stdout) as { states: { state: string; tags: number; written: boolean }[] };
    assert.deepEqual(
      summary.states.map((state) => [state.state, state.tags, state.written]),
      Array.from({ length: IMAGES }, (_, i) => [path.join(path.dirname(configOf(i)), 'state.json'), TAGS.length, i !== 0]),
    );
    for (let i = 0; i < IMAGES; i++) {
      const state = JSON.parse(readFileSync(path.join(dir, path.dirname(configOf(i)), 'state.json'), 'utf8')) as { repository: string };
      assert.equal(state.repository, `${proxy.host}/${repository(i)}`);
    }
  });

  test("render --all reads live images side by side too, and says what it wrote in the configs' order", async (t) => {
    intercept = () => undefined;
    const dir = monorepo(t, proxy.host, {}, true);
    const args = (cache: string) => ['--concurrency', String(LIMIT), '--cache-dir', path.join(dir, cache)];

    proxy.reset();
    const one = await runCliAsync(['render', '--config', configOf(0), ...args('one')], dir);
    assert.equal(one.status, 0, one.stderr);
    const oneImageNeeds = proxy.peakInFlight;
    assert.ok(oneImageNeeds < LIMIT, `one image alone had ${oneImageNeeds} requests in flight`);

    proxy.reset();
    const all = await runCliAsync(['render', '--all', '--write', ...args('all')], dir);
    assert.equal(all.status, 0, all.stderr);
    assert.ok(proxy.peakInFlight > oneImageNeeds, `--all had at most ${proxy.peakInFlight} in flight, one image ${oneImageNeeds}`);
    assert.ok(proxy.peakInFlight <= LIMIT, `--all had ${proxy.peakInFlight} requests in flight, over --concurrency ${LIMIT}`);
    assert.equal(countByKind(proxy.requests)['GET tags'], IMAGES);
    const readme = (i: number) => path.join(path.dirname(configOf(i)), 'README.md');
    assert.deepEqual(
      all.stderr.trimEnd().split('\n'),
      Array.from({ length: IMAGES }, (_, i) => `readme-gen: wrote ${readme(i)}`),
    );
    for (let i = 0; i < IMAGES; i++) {
      const written = readFileSync(path.join(dir, readme(i)), 'utf8');
      assert.ok(written.includes(`docker pull ${proxy.host}/${repository(i)}@sha256:`), `${readme(i)} does not pull its own image`);
    }
  });

  test('images that share content fetch it once, side by side as one after the other', async (t) => {
    intercept = () => undefined;
    // Every config reads the same repository (as variants of one image's README would): one image's content for all.
    const dir = monorepo(t, proxy.host, Object.fromEntries(Array.from({ length: IMAGES }, (_, i) => [i, repository(0)])));
    proxy.reset();
    const run = await runCliAsync(['snapshot', '--all', '--quiet', '--cache-dir', path.join(dir, 'cache')], dir);
    assert.equal(run.status, 0, run.stderr);
    const kinds = countByKind(proxy.requests);
    assert.equal(kinds['GET manifests'], 1);
    assert.equal(kinds['GET blobs'], 1);
    assert.equal(kinds.HEAD, IMAGES * TAGS.length);
  });

  test("warnings name their image and come in the configs' order, whichever image said its own first", async (t) => {
    // Two tag lists with a name no registry may hold; the first image's answer held back, so its warning is the later one.
    intercept = async (request) => {
      const image = [1, 5].find((i) => request.path.startsWith(`/v2/${repository(i)}/tags/list`));
      if (image === undefined) return undefined;
      if (image === 1) await sleep(STALL_MS);
      const answer = await request.forward();
      const listing = JSON.parse(answer.body.toString('utf8')) as { tags: string[] };
      return { ...answer, body: JSON.stringify({ ...listing, tags: [...listing.tags, `bad tag ${image}`] }) };
    };
    const dir = monorepo(t, proxy.host);
    const run = await runCliAsync(['snapshot', '--all', '--cache-dir', path.join(dir, 'cache')], dir);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stderr.trimEnd().split('\n');
    assert.deepEqual(
      lines.filter((line) => line.includes('warning')),
      [1, 5].map((i) => `readme-gen: warning: ${configOf(i)}: tag "bad tag ${i}" is not a valid OCI tag name; skipped`),
    );
    assert.deepEqual(
      lines.filter((line) => !line.includes('warning')),
      Array.from(
        { length: IMAGES },
        (_, i) => `readme-gen: wrote ${path.join(path.dirname(configOf(i)), 'state.json')} (2 tags, 1 digest)`,
      ),
    );
  });

  test('of two images that fail, the error is the first in order, though the other failed first', async (t) => {
    const first = 'hosts/missing-first';
    // The first missing repository answers late: the later image's 404 comes first.
    intercept = async (request) => {
      if (request.path.startsWith(`/v2/${first}/tags/list`)) await sleep(STALL_MS);
      return undefined;
    };
    const dir = monorepo(t, proxy.host, { 3: first, 9: 'hosts/missing-second' });
    const run = await runCliAsync(['snapshot', '--all', '--cache-dir', path.join(dir, 'cache')], dir);
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, new RegExp(`${proxy.host}/${first}: repository not found \\(404\\)`));
    assert.doesNotMatch(run.stderr, /missing-second/);
  });

  test('progress is summed over the images, with how many are done', async (t) => {
    intercept = () => undefined;
    const dir = monorepo(t, proxy.host);
    const seen: SnapshotProgress[] = [];
    const fetch = { cacheDir: null, warn: (message: string) => assert.fail(message), concurrency: LIMIT };
    const session = openSession(fetch, IMAGES);
    try {
      await snapshotAll({
        cwd: dir,
        configs: Array.from({ length: IMAGES }, (_, i) => path.join(dir, configOf(i))),
        fetch: { ...fetch, session, onProgress: (progress) => seen.push(structuredClone(progress)) },
      });
    } finally {
      await session.http.close();
    }
    const images = seen.map((progress) => progress.images?.done ?? NaN);
    assert.deepEqual(
      images.filter((done, i) => done !== images[i - 1]),
      Array.from({ length: IMAGES + 1 }, (_, i) => i),
    );
    assert.deepEqual(seen.at(-1), {
      images: { done: IMAGES, total: IMAGES },
      tags: { done: IMAGES * TAGS.length, total: IMAGES * TAGS.length },
      manifests: { done: IMAGES, total: IMAGES },
      signatures: { done: 0, total: 0 },
    });
    // Side by side: some image had its tags counted before another was done, image after image none would.
    const tagsBeforeFirstDone = Math.max(...seen.filter((progress) => progress.images?.done === 0).map((progress) => progress.tags.total));
    assert.ok(tagsBeforeFirstDone > TAGS.length, `only ${tagsBeforeFirstDone} tags were known before the first image was done`);
  });
});
