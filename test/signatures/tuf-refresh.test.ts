/**
 * The trusted root kept fresh through TUF, against a TUF repository this test
 * generates and serves on 127.0.0.1 (test/helpers/tuf-repository.ts), with
 * images signed by a test CA and logs pushed to the real registry. Each test
 * has its own repository and cache; the server counts every request.
 *
 * readme-gen runs with runCliAsync: the repository is served from this
 * process, which a blocked event loop could not do.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MIRROR_URL } from '@sigstore/tuf';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../../src/signatures/trusted-root.js';
import { PUBLIC_GOOD_TUF_MIRROR, PUBLIC_GOOD_TUF_ROOT, offlineTrustedRoot } from '../../src/signatures/tuf-trusted-root.js';
import { publicGoodTrustedRootFromSeeds, publicGoodTufRootFromSeeds } from '../../scripts/trusted-root-seed.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';
import { type TestLog, createCa, createLog, issueLeaf, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';
import { TufRepository } from '../helpers/tuf-repository.js';

const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const INTEGRATED_TIME = SIGNED_AT / 1000 + 30;
/** signed and logged in the first log */
const APP = 'acme/app';
/** signed and logged in the second log, which only the rotated trusted root names */
const ROTATED = 'acme/rotated';
/** no signature at all */
const UNSIGNED = 'acme/unsigned';
const DEADLINE_MS = 60_000;

let registry: RunningRegistry;
const ca = await createCa();
const firstLog = createLog();
const secondLog = createLog();
/** the trusted root before the rotation: the CA and the first log */
const rootBefore = trustedRoot(ca, firstLog);
/** after it: the same, plus the second log */
const rootAfter = withSecondLog(rootBefore, secondLog);

function withSecondLog(root: object, log: TestLog): object {
  const [added] = (trustedRoot(ca, log) as { tlogs: object[] }).tlogs;
  const copy = structuredClone(root) as { tlogs: object[] };
  copy.tlogs.push({
    ...(added as object),
    baseUrl: 'https://log2.rekor.test.invalid',
    publicKey: { ...(added as { publicKey: object }).publicKey, validFor: { start: '2026-01-01T00:00:00Z' } },
  });
  return copy;
}

before(async () => {
  registry = await startRegistry();
  const leaf = await issueLeaf(ca, { subject: SUBJECT, issuer: ISSUER, notBefore: new Date(SIGNED_AT) });
  for (const [repository, log, logIndex] of [
    [APP, firstLog, 11],
    [ROTATED, secondLog, 22],
  ] as const) {
    const pusher = new Pusher({ registryUrl: registry.url, repository });
    const image = await pusher.pushImage({ tag: 'latest', platform: { os: 'linux', architecture: 'amd64' } });
    await pusher.pushCosignSignature(image.digest, [
      signLegacy({
        payload: payloadFor(image.digest, `${registry.host}/${repository}`),
        privateKey: leaf.privateKey,
        certificatePem: leaf.pem,
        log: { log, logIndex, integratedTime: INTEGRATED_TIME },
      }),
    ]);
  }
  await new Pusher({ registryUrl: registry.url, repository: UNSIGNED }).pushImage({
    tag: 'latest',
    platform: { os: 'linux', architecture: 'amd64' },
  });
});

after(async () => {
  await registry?.stop();
});

/** A TUF repository serving `root`, started, and stopped when the test ends. */
async function tufRepository(t: { after: (fn: () => Promise<void>) => void }, root: object = rootBefore): Promise<TufRepository> {
  const repository = new TufRepository();
  repository.publish({ trustedRoot: root });
  await repository.start();
  t.after(() => repository.stop());
  return repository;
}

interface Workspace {
  dir: string;
  cache: string;
  run(args: string[]): Promise<CliRun>;
  /** points readme-gen.yaml at another image */
  useImage(repository: string): void;
}

/** readme-gen.yaml naming the image, its state file, the TUF repository and its root.json; a cache directory of its own. */
function workspace(t: Parameters<typeof temporaryDirectory>[0], tuf: TufRepository, repository = APP): Workspace {
  const dir = temporaryDirectory(t);
  const cache = path.join(dir, 'cache');
  writeFileSync(path.join(dir, 'tuf-root.json'), tuf.rootJson);
  const useImage = (image: string) =>
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      [
        `name: app`,
        `location: ${registry.host}/${image}`,
        'state: state.json',
        `tuf-mirror: ${tuf.url}`,
        'tuf-root: tuf-root.json',
        '',
      ].join('\n'),
    );
  useImage(repository);
  return { dir, cache, useImage, run: (args) => runCliAsync([...args, '--cache-dir', cache], dir, {}, { deadlineMs: DEADLINE_MS }) };
}

/** The cache of one mirror: its pointer and the trusted root it names, as bytes, to compare before and after. */
function cacheOf(
  workspaceCache: string,
  tuf: TufRepository,
): { pointer: string | undefined; trustedRoot: string | undefined; entries: string[] } {
  const directory = path.join(workspaceCache, 'tuf', encodeURIComponent(new URL(tuf.url).host));
  if (!existsSync(path.join(directory, 'current.json')))
    return { pointer: undefined, trustedRoot: undefined, entries: existsSync(directory) ? readdirSync(directory).sort() : [] };
  const pointer = readFileSync(path.join(directory, 'current.json'), 'utf8');
  const generation = (JSON.parse(pointer) as { generation: string }).generation;
  return {
    pointer,
    trustedRoot: readFileSync(path.join(directory, generation, 'targets', 'trusted_root.json'), 'utf8'),
    entries: readdirSync(directory).sort(),
  };
}

function assertOk(run: CliRun, what: string): void {
  assert.equal(run.status, 0, `${what}: exit ${run.status}\n${run.stderr}`);
}

function assertRefused(run: CliRun, tuf: TufRepository, problem: RegExp): void {
  assert.equal(run.status, 4, `not refused: exit ${run.status}\n${run.stderr}`);
  assert.match(run.stderr, /^readme-gen: [^\n]+\n$/, 'one line on stderr');
  assert.ok(run.stderr.startsWith(`readme-gen: the TUF repository ${tuf.url} is refused: `), run.stderr);
  assert.match(run.stderr, problem);
  assert.ok(run.stderr.endsWith('; nothing was cached, the cache is as it was\n'), run.stderr);
}

describe('refreshing the trusted root through TUF', () => {
  test('the first refresh caches the root, and a snapshot → render with a signature it vouches for verifies', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    assertOk(await work.run(['snapshot']), 'snapshot');
    assert.deepEqual(tuf.requests, [
      'GET /2.root.json',
      'GET /timestamp.json',
      'GET /1.snapshot.json',
      'GET /1.targets.json',
      `GET /${[...tuf.files.keys()].find((file) => file.startsWith('targets/'))}`,
    ]);
    const cached = cacheOf(work.cache, tuf);
    assert.deepEqual(JSON.parse(cached.trustedRoot ?? 'null'), rootBefore, 'the cached trusted_root.json is the one served');
    assert.deepEqual(
      cached.entries.filter((entry) => !entry.startsWith('gen-')),
      ['current.json'],
      'one generation and its pointer, no staging left',
    );

    const render = await work.run(['render', '--offline']);
    assertOk(render, 'render --offline');
    assert.ok(render.stdout.includes('https://search.sigstore.dev/?logIndex=11'), 'the signature is shown as verified, with its log entry');
    assert.equal(tuf.requests.length, 5, 'the offline render asked the TUF repository nothing');
  });

  test('an offline render uses the cache and makes no request; with nothing cached a private repository is exit 2', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    assertOk(await work.run(['snapshot']), 'snapshot');
    const asked = tuf.requests.length;
    await tuf.stop(); // any request now would fail
    assertOk(await work.run(['render', '--offline']), 'render --offline from the cache');
    assertOk(await work.run(['render']), 'render from the committed state (reads no registry, so no refresh either)');
    assertOk(await work.run(['render', '--offline', '--write']), 'render --offline --write');
    const verify = await work.run(['verify', 'README.md', '--tuf-mirror', tuf.url]);
    assertOk(verify, 'verify with the cached root of the private repository');
    assert.match(verify.stdout, /^README\.md: authentic: /);
    assert.equal(tuf.requests.length, asked);

    const fresh = await runCliAsync(
      ['render', '--offline', '--cache-dir', path.join(work.dir, 'empty-cache')],
      work.dir,
      {},
      { deadlineMs: DEADLINE_MS },
    );
    assert.equal(fresh.status, 2, fresh.stderr);
    assert.equal(
      fresh.stderr,
      `readme-gen: no trusted root from the TUF repository ${tuf.url} is cached in ${path.join(work.dir, 'empty-cache')}; run readme-gen snapshot (or a live render) once with the network, or pin a root with --trusted-root FILE\n`,
    );
  });

  test('a rotation that adds a log key is picked up on the next run, and a signature logged in the new log verifies', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf, ROTATED);
    assertOk(await work.run(['snapshot']), 'snapshot before the rotation');
    const before = await work.run(['render', '--offline']);
    assert.equal(before.status, 4, `the second log is not trusted yet: ${before.stderr}`);
    assert.match(before.stderr, /check \(d\) transparency log failed/);

    tuf.publish({ trustedRoot: rootAfter });
    assertOk(await work.run(['snapshot']), 'snapshot after the rotation');
    assert.ok(
      tuf.requests.includes('GET /2.snapshot.json') && tuf.requests.includes('GET /2.targets.json'),
      'the new generation was fetched',
    );
    assert.deepEqual(JSON.parse(cacheOf(work.cache, tuf).trustedRoot ?? 'null'), rootAfter);
    const render = await work.run(['render', '--offline']);
    assertOk(render, 'render --offline after the rotation');
    assert.ok(render.stdout.includes('https://search.sigstore.dev/?logIndex=22'));
  });

  test('expired timestamp metadata is refused, naming the file and its date, and the cache stays as it was', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    assertOk(await work.run(['snapshot']), 'snapshot');
    const cachedBefore = cacheOf(work.cache, tuf);

    tuf.publish({ trustedRoot: rootAfter, timestampExpires: '2026-01-02T03:04:05Z' });
    const run = await work.run(['snapshot']);
    assertRefused(run, tuf, /: timestamp\.json expired on 2026-01-02T03:04:05Z;/);
    assert.deepEqual(cacheOf(work.cache, tuf), cachedBefore, 'pointer, trusted root and directory listing unchanged');
    assertOk(await work.run(['render', '--offline']), 'the previous cache still serves offline renders');
  });

  test('expired metadata on a first refresh caches nothing at all', async (t) => {
    const tuf = new TufRepository();
    tuf.publish({ trustedRoot: rootBefore, expires: '2026-02-03T04:05:06Z' });
    await tuf.start();
    t.after(() => tuf.stop());
    const work = workspace(t, tuf);
    const run = await work.run(['snapshot']);
    assertRefused(run, tuf, /: snapshot\.json expired on 2026-02-03T04:05:06Z;/);
    assert.deepEqual(cacheOf(work.cache, tuf), { pointer: undefined, trustedRoot: undefined, entries: [] });
    assert.equal(existsSync(path.join(work.dir, 'state.json')), false, 'a refused refresh stops the snapshot before it writes');
  });

  test('tampered targets metadata (its signature does not verify) is refused and nothing is cached', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    assertOk(await work.run(['snapshot']), 'snapshot');
    const cachedBefore = cacheOf(work.cache, tuf);

    tuf.publish({ trustedRoot: rootAfter, tamperTargets: true });
    const run = await work.run(['snapshot']);
    assertRefused(run, tuf, /: targets\.json: the signature does not verify \(0 of the 1 required keys signed it\);/);
    assert.deepEqual(cacheOf(work.cache, tuf), cachedBefore);
  });

  test('a timestamp older than the cached one is refused as a version rollback', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    const oldTimestamp = tuf.files.get('timestamp.json') as Buffer;
    tuf.publish();
    assertOk(await work.run(['snapshot']), 'snapshot at version 2');
    const cachedBefore = cacheOf(work.cache, tuf);

    tuf.serveTimestamp(oldTimestamp);
    const run = await work.run(['snapshot']);
    assertRefused(run, tuf, /: timestamp\.json: version rollback \(version 1 offered after version 2 was trusted\);/);
    assert.deepEqual(cacheOf(work.cache, tuf), cachedBefore);
  });

  test('a repository that cannot be reached: a warning naming it and the cached root used instead; with nothing cached, exit 3', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    assertOk(await work.run(['snapshot']), 'snapshot');
    const refreshed = (JSON.parse(cacheOf(work.cache, tuf).pointer ?? '{}') as { refreshed: string }).refreshed;

    tuf.failWith = 503;
    // No state file: render reads the registry live, and so refreshes the root first.
    writeFileSync(
      path.join(work.dir, 'live.yaml'),
      readFileSync(path.join(work.dir, 'readme-gen.yaml'), 'utf8').replace('state: state.json\n', ''),
    );
    const live = await work.run(['render', '--config', 'live.yaml']);
    assertOk(live, 'live render with the repository down');
    assert.equal(
      live.stderr,
      `readme-gen: warning: cannot reach the TUF repository ${tuf.url} (HTTP 503 for 2.root.json); verifying with the trusted root cached from it on ${refreshed}\n`,
    );
    assert.ok(live.stdout.includes('https://search.sigstore.dev/?logIndex=11'));

    await tuf.stop();
    const gone = await work.run(['snapshot']);
    assertOk(gone, 'snapshot with the repository gone');
    assert.match(
      gone.stderr,
      new RegExp(
        `^readme-gen: warning: cannot reach the TUF repository ${tuf.url} \\(ECONNREFUSED fetching 2\\.root\\.json\\); verifying with the trusted root cached from it on ${refreshed}\\nreadme-gen: unchanged: state\\.json \\(1 tag, 1 digest\\)\\n$`,
      ),
    );

    const first = await runCliAsync(
      ['snapshot', '--cache-dir', path.join(work.dir, 'empty-cache')],
      work.dir,
      {},
      { deadlineMs: DEADLINE_MS },
    );
    assert.equal(first.status, 3, first.stderr);
    assert.match(
      first.stderr,
      /^readme-gen: cannot reach the TUF repository \S+ \(ECONNREFUSED fetching 2\.root\.json\), and no trusted root from it is cached; retry when it can be reached, or pin a root with --trusted-root FILE\n$/,
    );
  });
  test('a cache that cannot be written: a warning, and the refreshed root serves this run', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    writeFileSync(
      path.join(work.dir, 'live.yaml'),
      readFileSync(path.join(work.dir, 'readme-gen.yaml'), 'utf8').replace('state: state.json\n', ''),
    );
    const notADirectory = path.join(work.dir, 'not-a-directory');
    writeFileSync(notADirectory, '');
    const run = await runCliAsync(
      ['render', '--config', 'live.yaml', '--cache-dir', notADirectory],
      work.dir,
      {},
      { deadlineMs: DEADLINE_MS },
    );
    assertOk(run, 'live render');
    assert.match(
      run.stderr,
      new RegExp(
        `^readme-gen: warning: cannot write the trusted-root cache ${notADirectory}/tuf/\\S+ \\(ENOTDIR\\); the root refreshed now serves this run only\\n$`,
      ),
    );
    assert.ok(run.stdout.includes('https://search.sigstore.dev/?logIndex=11'));
    assert.ok(tuf.requests.includes('GET /timestamp.json'));
  });
});

describe('when the trusted root is not refreshed', () => {
  test('a pinned root (--trusted-root) never asks the TUF repository', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    writeFileSync(path.join(work.dir, 'pinned.json'), JSON.stringify(rootBefore));
    assertOk(await work.run(['snapshot', '--trusted-root', 'pinned.json']), 'snapshot');
    assertOk(await work.run(['render', '--trusted-root', 'pinned.json']), 'render');
    assert.deepEqual(tuf.requests, []);
    assert.equal(cacheOf(work.cache, tuf).pointer, undefined);
  });

  test('an image without signatures asks nothing', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf, UNSIGNED);
    assertOk(await work.run(['snapshot']), 'snapshot');
    assertOk(await work.run(['render', '--offline']), 'render');
    assert.deepEqual(tuf.requests, []);
  });

  test('at most one refresh per process, however many images', async (t) => {
    const tuf = await tufRepository(t);
    const dir = temporaryDirectory(t);
    for (const name of ['one', 'two']) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'tuf-root.json'), tuf.rootJson);
      writeFileSync(
        path.join(dir, name, 'readme-gen.yaml'),
        [
          `name: ${name}`,
          `location: ${registry.host}/${APP}`,
          'state: state.json',
          `tuf-mirror: ${tuf.url}`,
          'tuf-root: tuf-root.json',
          '',
        ].join('\n'),
      );
    }
    const run = await runCliAsync(['snapshot', '--all', '--cache-dir', path.join(dir, 'cache')], dir, {}, { deadlineMs: DEADLINE_MS });
    assertOk(run, 'snapshot --all');
    assert.ok(existsSync(path.join(dir, 'one', 'state.json')) && existsSync(path.join(dir, 'two', 'state.json')));
    assert.equal(tuf.requests.filter((request) => request === 'GET /timestamp.json').length, 1, tuf.requests.join(', '));
  });
});

describe('the public-good defaults', () => {
  test('offline with nothing cached: the shipped root; the shipped roots are the ones @sigstore/tuf seeds', (t) => {
    const dir = temporaryDirectory(t);
    assert.deepEqual(offlineTrustedRoot({ cacheDir: dir }), { file: PUBLIC_GOOD_TRUSTED_ROOT, origin: 'shipped' });
    assert.deepEqual(offlineTrustedRoot({ cacheDir: null }), { file: PUBLIC_GOOD_TRUSTED_ROOT, origin: 'shipped' });
    assert.equal(PUBLIC_GOOD_TUF_MIRROR, 'https://tuf-repo-cdn.sigstore.dev');
    assert.equal(PUBLIC_GOOD_TUF_MIRROR, DEFAULT_MIRROR_URL, "written out in tuf-trusted-root.ts; keep it @sigstore/tuf's");
    assert.equal(readFileSync(PUBLIC_GOOD_TRUSTED_ROOT, 'utf8'), publicGoodTrustedRootFromSeeds(), 'npm run update-trusted-root');
    assert.equal(readFileSync(PUBLIC_GOOD_TUF_ROOT, 'utf8'), publicGoodTufRootFromSeeds(), 'npm run update-trusted-root');
    const tufRoot = JSON.parse(readFileSync(PUBLIC_GOOD_TUF_ROOT, 'utf8')) as {
      signed: { _type: string; version: number; expires: string };
    };
    assert.equal(tufRoot.signed._type, 'root');
    // An expired root is still a valid start (TUF walks the newer versions from it); this says when it is time to update the copy.
    assert.ok(tufRoot.signed.version >= 14, `root version ${tufRoot.signed.version}`);
  });

  test('offline, the newer of the cached and the shipped root is used', async (t) => {
    const tuf = await tufRepository(t);
    const work = workspace(t, tuf);
    assertOk(await work.run(['snapshot']), 'snapshot');
    // The test's root names keys from 2020 and 2026; as the public-good cache, an older one loses to the shipped root.
    const mirrorDirectory = path.join(work.cache, 'tuf', encodeURIComponent(new URL(tuf.url).host));
    const publicDirectory = path.join(work.cache, 'tuf', encodeURIComponent(new URL(PUBLIC_GOOD_TUF_MIRROR).host));
    cpSync(mirrorDirectory, publicDirectory, { recursive: true });
    assert.equal(
      offlineTrustedRoot({ cacheDir: work.cache }).origin,
      'shipped',
      'a cache whose newest key is from 2020 is older than the shipped root',
    );
    assert.equal(offlineTrustedRoot({ cacheDir: work.cache, mirror: tuf.url }).origin, 'cached');
  });
});
