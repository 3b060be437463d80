/**
 * Tag-list pagination against a real registry. distribution 2.8 returns every
 * tag in one page and ignores `n` (see the harness self-tests), so the
 * counting proxy's intercept plays a paginating registry in front of it: it
 * serves the real tag list in pages of 50 with a relative
 * `Link: </v2/acme/app/tags/list?last=X&n=50>; rel="next"`, as distribution
 * v3 does, and everything else (HEADs, manifests, blobs) goes to the registry.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { ImageState } from '../../src/state/image-state.js';
import { startSentinel } from '../harness/loopback.js';
import {
  type CannedResponse,
  type CountingProxy,
  type Intercept,
  type InterceptedRequest,
  type ProxiedRequest,
  startCountingProxy,
} from '../harness/counting-proxy.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const REPOSITORY = 'acme/app';
const TAGS_PATH = `/v2/${REPOSITORY}/tags/list`;
const PAGE_SIZE = 50;
const MANY = 135;

let registry: RunningRegistry;
/** every tag in the repository, in byte order (the order the state lists them in too) */
let allTags: string[];

before(async () => {
  registry = await startRegistry();
  const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  const image = await pusher.pushImage({ tag: 'latest', platform: { os: 'linux', architecture: 'amd64' } });
  await pusher.pushManyTags('v', MANY, image.digest);
  const response = await fetch(`${registry.url}${TAGS_PATH}`);
  // distribution 2.8 lists tags in no particular order; the paginating intercept serves them sorted, as v3 does.
  allTags = ((await response.json()) as { tags: string[] }).tags.sort();
  assert.equal(allTags.length, MANY + 1);
});

after(async () => {
  await registry?.stop();
});

function relativeLink(last: string, size = PAGE_SIZE): string {
  return `${TAGS_PATH}?last=${encodeURIComponent(last)}&n=${size}`;
}

interface PagingOptions {
  /** the next page's URL after a page that ends with `last`; default a relative link */
  linkFor?: (last: string) => string;
  /** `last` includes the tag it names, as some registries get wrong: each page repeats the previous page's last tag */
  inclusive?: boolean;
  /** a Link on a full last page too, which leads to an empty page */
  linkOnLastPage?: boolean;
  /** answers a first request whose n is larger than the page size with this status, as quay (413) and ECR (400/405) do */
  refuseLargeN?: number;
}

function isTagList(request: InterceptedRequest): URL | undefined {
  const url = new URL(request.path, 'http://proxy.invalid');
  return request.method === 'GET' && url.pathname === TAGS_PATH ? url : undefined;
}

/** A registry that serves `tags` in pages of PAGE_SIZE however large an n is asked for (distribution clamps n too). */
function paginating(tags: readonly string[], options: PagingOptions = {}): Intercept {
  return (request) => {
    const url = isTagList(request);
    if (!url) return undefined;
    const n = url.searchParams.get('n');
    if (options.refuseLargeN !== undefined && n !== null && Number(n) > PAGE_SIZE) {
      return json(options.refuseLargeN, { errors: [{ code: 'UNSUPPORTED', message: `n must be at most ${PAGE_SIZE}` }] });
    }
    const last = url.searchParams.get('last');
    let start = last === null ? 0 : tags.findIndex((tag) => (options.inclusive ? tag >= last : tag > last));
    if (start < 0) start = tags.length;
    const page = tags.slice(start, start + PAGE_SIZE);
    const more = start + PAGE_SIZE < tags.length || (options.linkOnLastPage === true && page.length === PAGE_SIZE);
    const headers: Record<string, string> = {};
    const end = page.at(-1);
    if (more && end !== undefined) headers.link = `<${(options.linkFor ?? relativeLink)(end)}>; rel="next"`;
    return json(200, { name: REPOSITORY, tags: page }, headers);
  };
}

function json(status: number, body: object, headers: Record<string, string> = {}): CannedResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

async function behind(t: TestContext, intercept: Intercept): Promise<CountingProxy> {
  const proxy = await startCountingProxy(registry.url, { intercept });
  t.after(() => proxy.stop());
  return proxy;
}

function workspace(t: TestContext, host: string): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${host}/${REPOSITORY}\nstate: state.json\n`);
  return dir;
}

function snapshot(dir: string): Promise<CliRun> {
  return runCliAsync(['snapshot', '--quiet', '--json', '--cache-dir', path.join(dir, 'cache')], dir, {
    DOCKER_CONFIG: dir,
    READMEGEN_REGISTRY_USERNAME: undefined,
    READMEGEN_REGISTRY_PASSWORD: undefined,
  });
}

function stateTags(dir: string): string[] {
  return (JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState).tags.map((tag) => tag.name);
}

function tagRequests(proxy: CountingProxy): ProxiedRequest[] {
  return proxy.requests.filter((request) => request.path.startsWith(TAGS_PATH));
}

/** Every tag once in the state, and looked up once: one HEAD per tag. */
function assertEveryTagOnce(dir: string, proxy: CountingProxy): void {
  const names = stateTags(dir);
  assert.equal(new Set(names).size, names.length, 'no tag twice');
  assert.deepEqual(names, allTags);
  const heads = proxy.requests.filter((request) => request.method === 'HEAD').map((request) => request.path);
  assert.equal(heads.length, allTags.length, 'one HEAD per tag');
  assert.equal(new Set(heads).size, heads.length, 'no tag looked up twice');
}

describe('Link pagination of the tag list', () => {
  test(`${MANY + 1} tags in pages of ${PAGE_SIZE} with relative Links: every tag once, ${Math.ceil((MANY + 1) / PAGE_SIZE)} pages, each Link followed as given`, async (t) => {
    const proxy = await behind(t, paginating(allTags));
    const dir = workspace(t, proxy.host);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '', 'nothing on stderr with --quiet (no warnings either)');
    assertEveryTagOnce(dir, proxy);
    const pages = tagRequests(proxy);
    assert.equal(pages.length, Math.ceil(allTags.length / PAGE_SIZE));
    assert.ok(pages.every((page) => page.status === 200 && page.intercepted));
    assert.deepEqual(
      pages.slice(1).map((page) => page.path),
      [relativeLink(allTags[PAGE_SIZE - 1] ?? ''), relativeLink(allTags[2 * PAGE_SIZE - 1] ?? '')],
      'the next page is exactly the Link, not a URL rebuilt from last=',
    );
    assert.equal((JSON.parse(run.stdout) as { requests: { tags: number } }).requests.tags, pages.length);
  });

  test('pages that repeat the previous last tag (an inclusive last=) still give every tag once', async (t) => {
    const proxy = await behind(t, paginating(allTags, { inclusive: true }));
    const dir = workspace(t, proxy.host);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assertEveryTagOnce(dir, proxy);
    assert.equal(tagRequests(proxy).length, 3);
  });

  test('a Link after the last full page leads to an empty page, which ends the list', async (t) => {
    const tags = allTags.slice(0, 2 * PAGE_SIZE);
    const proxy = await behind(t, paginating(tags, { linkOnLastPage: true }));
    const dir = workspace(t, proxy.host);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateTags(dir), tags);
    assert.deepEqual(
      tagRequests(proxy)
        .map((request) => request.path)
        .slice(1),
      [relativeLink(tags[PAGE_SIZE - 1] ?? ''), relativeLink(tags[2 * PAGE_SIZE - 1] ?? '')],
    );
  });
});

describe('a next-page Link to another host is refused', () => {
  let sentinels: { server: Server; origin: string; requests: string[] }[];

  before(async () => {
    // Something listens where the links point, so a request there would be seen.
    sentinels = await Promise.all(
      ['127.0.0.2', '127.0.0.1'].map((address) => startSentinel(address, { name: REPOSITORY, tags: ['from-the-other-host'] })),
    );
  });
  after(async () => {
    for (const { server } of sentinels ?? []) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const cases: [string, (origin: string) => (last: string) => string][] = [
    ['an absolute http://127.0.0.2:PORT link', (origin) => (last) => `${origin}${relativeLink(last)}`],
    ['a protocol-relative //127.0.0.2:PORT link', (origin) => (last) => `${origin.replace(/^http:/, '')}${relativeLink(last)}`],
  ];
  for (const [name, linkFor] of cases) {
    test(`${name}: exit 3 naming that host, and nothing is fetched from it`, async (t) => {
      const [other] = sentinels;
      assert.ok(other);
      const proxy = await behind(t, paginating(allTags, { linkFor: linkFor(other.origin) }));
      const dir = workspace(t, proxy.host);

      const run = await snapshot(dir);

      assert.equal(run.status, 3, run.stderr);
      assert.ok(run.stderr.includes(new URL(other.origin).host), run.stderr);
      assert.match(run.stderr, /another host/);
      assert.deepEqual(other.requests, []);
      assert.equal(tagRequests(proxy).length, 1);
      assert.equal(existsSync(path.join(dir, 'state.json')), false);
    });
  }

  test('the same address on another port is another origin too', async (t) => {
    const [, sameAddress] = sentinels;
    assert.ok(sameAddress);
    const proxy = await behind(t, paginating(allTags, { linkFor: (last) => `${sameAddress.origin}${relativeLink(last)}` }));
    const dir = workspace(t, proxy.host);

    const run = await snapshot(dir);

    assert.equal(run.status, 3, run.stderr);
    assert.ok(run.stderr.includes(sameAddress.origin), run.stderr);
    assert.deepEqual(sameAddress.requests, []);
  });
});

describe('a registry that refuses a large n', () => {
  test('413 to n=1000: the tag list is asked again without n, and every tag arrives', async (t) => {
    const proxy = await behind(t, (request) => {
      const url = isTagList(request);
      if (url?.searchParams.get('n') === '1000') return json(413, { errors: [{ code: 'SIZE_INVALID', message: 'n is too large' }] });
      return undefined;
    });
    const dir = workspace(t, proxy.host);

    const run = await snapshot(dir);

    assert.equal(run.status, 0, run.stderr);
    assertEveryTagOnce(dir, proxy);
    const pages = tagRequests(proxy);
    assert.deepEqual(
      pages.map((page) => [new URL(page.path, 'http://x').searchParams.get('n'), page.status, page.intercepted]),
      [
        ['1000', 413, true],
        [null, 200, false],
      ],
    );
  });

  for (const status of [400, 405, 413]) {
    test(`${status} to a large n, then pages of ${PAGE_SIZE} by Link (ECR, quay): every tag once`, async (t) => {
      const proxy = await behind(t, paginating(allTags, { refuseLargeN: status }));
      const dir = workspace(t, proxy.host);

      const run = await snapshot(dir);

      assert.equal(run.status, 0, run.stderr);
      assertEveryTagOnce(dir, proxy);
      assert.deepEqual(
        tagRequests(proxy).map((page) => page.status),
        [status, 200, 200, 200],
      );
    });
  }

  test('a 400 on a later page is an error (exit 3), not a silent truncation', async (t) => {
    const pages = paginating(allTags);
    const proxy = await behind(t, (request) =>
      isTagList(request)?.searchParams.has('last') ? json(400, { errors: [{ code: 'UNSUPPORTED', message: 'no' }] }) : pages(request),
    );
    const dir = workspace(t, proxy.host);

    const run = await snapshot(dir);

    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /HTTP 400/);
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
  });
});

describe('Link headers as RFC 8288 allows them', () => {
  test('other links and parameters around rel="next" still lead to the next page', async (t) => {
    const withNoise = paginating(allTags);
    const proxy = await behind(t, async (request) => {
      const answer = await withNoise(request);
      const link = answer?.headers?.link;
      if (!answer || link === undefined) return answer;
      const target = /^<([^>]*)>/.exec(String(link))?.[1] ?? '';
      return { ...answer, headers: { ...answer.headers, link: `</v2/>; rel="service", <${target}>; title="more tags"; rel="next"` } };
    });
    const dir = workspace(t, proxy.host);
    const run = await snapshot(dir);
    assert.equal(run.status, 0, run.stderr);
    assertEveryTagOnce(dir, proxy);
  });

  test('a Link back to a page already read stops the run (exit 3) instead of looping to the page cap', async (t) => {
    const proxy = await behind(t, (request) =>
      isTagList(request)
        ? json(200, { name: REPOSITORY, tags: allTags.slice(0, PAGE_SIZE) }, { link: `<${relativeLink(allTags[0] ?? '')}>; rel="next"` })
        : undefined,
    );
    const dir = workspace(t, proxy.host);
    const run = await snapshot(dir);
    assert.equal(run.status, 3);
    assert.match(run.stderr, /leads back to a page already read/);
    assert.ok(tagRequests(proxy).length <= 3, `${tagRequests(proxy).length} tag-list requests`);
  });
});
