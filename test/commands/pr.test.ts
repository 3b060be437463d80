/**
 * `readme-gen pr` end to end, with real components only: a real registry
 * (docker-registry) as the image source, real git with a bare repository on
 * disk as origin, and — since GitHub's API cannot run here — a loopback server
 * implementing the three endpoints used, which checks the token on every
 * request and records everything. The tests run in order, as a bot would run
 * on a schedule: registry change → PR opened; no change → nothing written;
 * another change → the same PR updated; and so on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_HTTP_OPTIONS } from '../../src/http/http-client.js';
import { shortDigest } from '../../src/pr/state-changes.js';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { type GitHubServer, type RecordedRequest, branchExistsIn, startGitHubServer } from '../harness/github-server.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCliAsync } from '../helpers/run-cli.js';
import { expectedRows, pushTaggedPlatforms, shownRows } from '../helpers/tagged-platforms.js';
import {
  type TestCa,
  type TestLeaf,
  type TestLog,
  createCa,
  createLog,
  issueLeaf,
  payloadFor,
  signLegacy,
  trustedRoot,
} from '../helpers/signing.js';

const OWNER = 'acme';
const REPO = 'app';
const REPOSITORY = `${OWNER}/${REPO}`;
const BRANCH = 'readme-gen/update';
/** Unique, so finding it anywhere means it leaked. */
const TOKEN = `ghs_readmeGenTest${randomBytes(16).toString('hex')}`;
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const OLD_SIGNER = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const NEW_SIGNER = 'https://github.com/acme/app/.github/workflows/build.yaml@refs/heads/main';
const BOT = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>';

let registry: RunningRegistry;
let github: GitHubServer;
let pusher: Pusher;
let ca: TestCa;
let log: TestLog;
let logIndex = 0;
let scratch: string;
let remote: string;
let work: string;
let cacheDir: string;
let gitConfig: string;
/** Every stdout and stderr readme-gen printed, for the leak check. */
const printed: string[] = [];
/** The digests the registry holds, by what the tests call them. */
const digests: Record<'A' | 'B' | 'C', Digest> = { A: 'sha256:', B: 'sha256:', C: 'sha256:' };

/** git as the test's own hand (setting up, inspecting), isolated from the machine's git config. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test Author',
      GIT_AUTHOR_EMAIL: 'author@example.test',
      GIT_COMMITTER_NAME: 'Test Author',
      GIT_COMMITTER_EMAIL: 'author@example.test',
    },
  });
}

function remoteBranch(): string | undefined {
  try {
    return git(remote, 'rev-parse', '--verify', '--quiet', `refs/heads/${BRANCH}`).trim();
  } catch {
    return undefined;
  }
}

function remoteRefs(): string {
  return git(remote, 'for-each-ref', '--format=%(refname) %(objectname)');
}

/** readme-gen pr in the work tree, as CI would run it: token and repository from the environment. */
async function runPr(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run = await runCliAsync(['pr', '--quiet', '--cache-dir', cacheDir, '--api-url', github.url, ...args], work, {
    GITHUB_TOKEN: TOKEN,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_API_URL: undefined,
    GIT_CONFIG_GLOBAL: gitConfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: undefined,
    GIT_AUTHOR_EMAIL: undefined,
    GIT_COMMITTER_NAME: undefined,
    GIT_COMMITTER_EMAIL: undefined,
    ...env,
  });
  printed.push(run.stdout, run.stderr);
  return run;
}

async function pushSignedIndex(tag: string, architectures: string[], leaf: TestLeaf): Promise<Digest> {
  const index = await pusher.pushIndex({ tag, images: architectures.map((architecture) => ({ platform: { os: 'linux', architecture } })) });
  const integratedTime = SIGNED_AT / 1000 + 30;
  await pusher.pushCosignSignature(index.digest, [
    signLegacy({
      payload: payloadFor(index.digest, `${registry.host}/${REPOSITORY}`),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: logIndex++, integratedTime },
    }),
  ]);
  return index.digest;
}

/** Deleting a manifest by digest takes every tag pointing at it with it (distribution 2.8). */
async function deleteManifest(digest: Digest): Promise<void> {
  const response = await fetch(`${registry.url}/v2/${REPOSITORY}/manifests/${digest}`, { method: 'DELETE' });
  assert.equal(response.status, 202, await response.text());
}

function requestsSince(count: number): RecordedRequest[] {
  return github.requests.slice(count);
}

function writes(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => request.method !== 'GET');
}

function stateOnBranch(): ImageState {
  return JSON.parse(git(remote, 'show', `refs/heads/${BRANCH}:state.json`)) as ImageState;
}

/** The branch is exactly one commit on origin's main, changing exactly the README and the state. */
function assertOneCommitOnMain(): void {
  const main = git(remote, 'rev-parse', 'refs/heads/main').trim();
  assert.equal(git(remote, 'rev-list', '--count', `refs/heads/main..refs/heads/${BRANCH}`).trim(), '1');
  assert.equal(git(remote, 'rev-parse', `refs/heads/${BRANCH}^`).trim(), main, 'rebuilt on the tip of main');
  assert.deepEqual(git(remote, 'diff', '--name-only', 'refs/heads/main', `refs/heads/${BRANCH}`).trim().split('\n'), [
    'README.md',
    'state.json',
  ]);
  assert.equal(git(remote, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', `refs/heads/${BRANCH}`).trim(), `${BOT}|${BOT}`);
}

before(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-pr-'));
  remote = path.join(scratch, 'remote.git');
  work = path.join(scratch, 'work');
  cacheDir = path.join(scratch, 'cache');
  gitConfig = path.join(scratch, 'gitconfig');
  writeFileSync(gitConfig, '');

  registry = await startRegistry();
  pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  github = await startGitHubServer({
    token: TOKEN,
    owner: OWNER,
    repo: REPO,
    branchExists: branchExistsIn(remote),
  });
  ca = await createCa();
  log = createLog();
  const oldLeaf = await issueLeaf(ca, {
    subject: OLD_SIGNER,
    issuer: 'https://token.actions.githubusercontent.com',
    notBefore: new Date(SIGNED_AT),
  });

  // The registry as it was when the README was last committed.
  digests.A = await pushSignedIndex('latest', ['amd64', 'arm64'], oldLeaf);
  await pusher.tag('1.0', digests.A);
  digests.C = (await pusher.pushImage({ tag: '0.9', platform: { os: 'linux', architecture: 'amd64' } })).digest;

  // origin: a bare repository; the work tree: its clone, holding config, state and README as committed.
  git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(scratch, 'clone', '--quiet', remote, work);
  git(work, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  writeFileSync(
    path.join(work, 'readme-gen.yaml'),
    `name: app\nlocation: ${registry.host}/${REPOSITORY}\nstate: state.json\ntrusted-root: trusted_root.json\n`,
  );
  writeFileSync(path.join(work, 'trusted_root.json'), JSON.stringify(trustedRoot(ca, log)));
  writeFileSync(path.join(work, 'notes.txt'), 'hand-written\n');
  for (const args of [['snapshot'], ['render', '--write']]) {
    const run = await runCliAsync([...args, '--quiet', '--cache-dir', cacheDir], work);
    assert.equal(run.status, 0, run.stderr);
  }
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'app README');
  git(work, 'push', '--quiet', '--set-upstream', 'origin', 'main');
});

after(async () => {
  await github?.stop();
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('readme-gen pr', () => {
  test('a registry change opens a pull request that says what changed, on a branch of one commit', async () => {
    const newLeaf = await issueLeaf(ca, {
      subject: NEW_SIGNER,
      issuer: 'https://token.actions.githubusercontent.com',
      notBefore: new Date(SIGNED_AT),
    });
    await deleteManifest(digests.C);
    digests.B = await pushSignedIndex('latest', ['amd64', 'arm64', 's390x'], newLeaf);
    await pusher.tag('1.1', digests.B);

    const run = await runPr();

    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `https://github.test/${REPOSITORY}/pull/1\n`);
    assert.match(run.stderr, /opened pull request #1/);
    const [list, create, ...rest] = github.requests;
    assert.equal(rest.length, 0);
    assert.deepEqual(
      [list?.method, list?.path, list?.query],
      ['GET', `/repos/${REPOSITORY}/pulls`, { head: `${OWNER}:${BRANCH}`, state: 'open', per_page: '100' }],
    );
    assert.deepEqual([create?.method, create?.path], ['POST', `/repos/${REPOSITORY}/pulls`]);
    assert.ok(
      github.requests.every((request) => request.authorization === 'valid'),
      'Authorization: Bearer <token>, exactly, on every request',
    );
    assert.equal(list?.headers['x-github-api-version'], '2022-11-28');
    assert.equal(list?.headers.accept, 'application/vnd.github+json');

    const sent = JSON.parse(create?.body ?? '') as { title: string; head: string; base: string; body: string };
    assert.equal(sent.head, BRANCH);
    assert.equal(sent.base, 'main');
    assert.equal(sent.title, 'readme-gen: update app (1 tag added, 1 tag removed, latest moved, new signer)');
    const [A, B, C] = [shortDigest(digests.A), shortDigest(digests.B), shortDigest(digests.C)];
    for (const line of [
      `- \`1.1\` → \`${B}\` (\`linux/amd64\`, \`linux/arm64\`, \`linux/s390x\`)`,
      `- \`0.9\` (was \`${C}\`)`,
      `- \`latest\`: \`${A}\` → \`${B}\``,
      '- `latest`: added `linux/s390x`',
      `- \`${OLD_SIGNER}\` → \`${NEW_SIGNER}\``,
    ]) {
      assert.ok(sent.body.includes(`\n${line}\n`), `body lacks: ${line}\n${sent.body}`);
    }
    assert.match(
      sent.body,
      /<details><summary>README diff: README\.md \(\+\d+ −\d+\)<\/summary>\n\n```+diff\n--- a\/README\.md\n\+\+\+ b\/README\.md\n/,
    );
    assert.ok(sent.body.length <= 65_536);

    assertOneCommitOnMain();
    assert.equal(git(remote, 'log', '-1', '--format=%s', `refs/heads/${BRANCH}`).trim(), sent.title);
    const message = git(remote, 'log', '-1', '--format=%B', `refs/heads/${BRANCH}`);
    assert.match(message, new RegExp(`- tag latest moved: ${A} -> ${B}; platforms added linux/s390x`));
    const state = stateOnBranch();
    assert.deepEqual(
      state.tags.map((tag) => `${tag.name}=${tag.digest}`).sort(),
      [`1.0=${digests.A}`, `1.1=${digests.B}`, `latest=${digests.B}`].sort(),
    );
    assert.equal(
      git(remote, 'show', `refs/heads/${BRANCH}:README.md`),
      readFileSync(path.join(work, 'README.md'), 'utf8'),
      'the work tree holds what was proposed',
    );
    assert.equal(git(work, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'main', 'HEAD stays where it was');
    assert.equal(github.pulls[0]?.body, sent.body);
  });

  test('a second run with no change pushes nothing and writes nothing to the API', async () => {
    const branchBefore = remoteBranch();
    const seen = github.requests.length;

    const run = await runPr();

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /already holds this change; nothing pushed/);
    assert.match(run.stderr, /pull request #1 is up to date/);
    assert.equal(remoteBranch(), branchBefore, 'the remote branch is unchanged');
    assert.deepEqual(writes(requestsSince(seen)), [], 'no POST or PATCH');

    const json = await runPr(['--json']);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { outcome: string; pushed: boolean; pullRequest: { number: number; url: string } };
    assert.deepEqual(
      [report.outcome, report.pushed, report.pullRequest],
      ['up-to-date', false, { number: 1, url: `https://github.test/${REPOSITORY}/pull/1` }],
    );
  });

  test('--dry-run prints the plan and writes nothing anywhere, needing no token', async () => {
    await pusher.tag('1.0', digests.B);
    const refs = remoteRefs();
    const files = ['README.md', 'state.json'].map((file) => readFileSync(path.join(work, file), 'utf8'));
    const status = git(work, 'status', '--porcelain');
    const objects = git(work, 'count-objects', '-v');
    const localRefs = git(work, 'for-each-ref');
    const seen = github.requests.length;

    const run = await runPr(['--dry-run'], { GITHUB_TOKEN: undefined });

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^readme-gen pr --dry-run: nothing was written, committed, pushed or sent to GitHub\.$/m);
    assert.match(run.stdout, /^Repository: acme\/app$/m);
    assert.match(run.stdout, /^Base: +main \(origin\/main at [0-9a-f]{12}\)$/m);
    assert.match(run.stdout, /^Files:\n {2}M README\.md\n {2}M state\.json$/m);
    assert.match(run.stdout, /^Commit message:\n {4}readme-gen: update app \(1 tag added, 1 tag removed, 2 tags moved, new signer\)$/m);
    assert.match(run.stdout, /^Pull request title:\n {4}readme-gen: update app/m);
    assert.ok(run.stdout.includes(`- \`1.0\`: \`${shortDigest(digests.A)}\` → \`${shortDigest(digests.B)}\``));
    assert.match(run.stdout, /```+diff\n--- a\/README\.md/);
    assert.equal(remoteRefs(), refs, 'nothing pushed');
    assert.deepEqual(requestsSince(seen), [], 'no API call at all');
    assert.deepEqual(
      ['README.md', 'state.json'].map((file) => readFileSync(path.join(work, file), 'utf8')),
      files,
      'no file written',
    );
    assert.equal(git(work, 'status', '--porcelain'), status);
    assert.equal(git(work, 'count-objects', '-v'), objects, 'no git object written');
    assert.equal(git(work, 'for-each-ref'), localRefs, 'no ref written');

    const json = await runPr(['--dry-run', '--json'], { GITHUB_TOKEN: undefined });
    assert.equal(json.status, 0, json.stderr);
    assert.equal(json.stderr, '', 'with --json, stdout is the whole report');
    const plan = JSON.parse(json.stdout) as {
      outcome: string;
      repository: string;
      base: string;
      branch: string;
      files: { path: string; kind: string; added: boolean }[];
      title: string;
      body: string;
    };
    assert.deepEqual([plan.outcome, plan.repository, plan.base, plan.branch], ['planned', 'acme/app', 'main', BRANCH]);
    assert.deepEqual(plan.files, [
      { path: 'README.md', kind: 'readme', added: false },
      { path: 'state.json', kind: 'state', added: false },
    ]);
    assert.ok(run.stdout.includes(plan.body), 'the same body the text plan shows');
    assert.ok(run.stdout.includes(`    ${plan.title}\n`), 'the same title');
    assert.deepEqual(requestsSince(seen), [], 'still no API call');
    assert.equal(remoteRefs(), refs, 'still nothing pushed');
  });

  test('a further registry change updates the same pull request and force-pushes the branch', async () => {
    // The tag moved in the previous test; this run names its token variable itself.
    const branchBefore = remoteBranch();
    const seen = github.requests.length;

    const run = await runPr(['--token-env', 'READMEGEN_BOT_TOKEN'], { GITHUB_TOKEN: undefined, READMEGEN_BOT_TOKEN: TOKEN });

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /updated pull request #1/);
    assert.equal(run.stdout, `https://github.test/${REPOSITORY}/pull/1\n`);
    const requests = requestsSince(seen);
    assert.deepEqual(
      requests.map((request) => `${request.method} ${request.path}`),
      [`GET /repos/${REPOSITORY}/pulls`, `PATCH /repos/${REPOSITORY}/pulls/1`],
    );
    const patch = JSON.parse(requests[1]?.body ?? '') as { title?: string; body?: string };
    assert.equal(patch.title, 'readme-gen: update app (1 tag added, 1 tag removed, 2 tags moved, new signer)');
    assert.ok(patch.body?.includes(`- \`1.0\`: \`${shortDigest(digests.A)}\` → \`${shortDigest(digests.B)}\``));
    assert.equal(github.pulls.length, 1, 'no second pull request');
    assert.notEqual(remoteBranch(), branchBefore);
    assertOneCommitOnMain();
    assert.equal(stateOnBranch().tags.find((tag) => tag.name === '1.0')?.digest, digests.B);
  });

  test('when main moves, the branch is rebuilt on its new tip; an unchanged body is not sent again', async () => {
    writeFileSync(path.join(work, 'notes.txt'), 'hand-written, revised\n');
    git(work, 'commit', '--quiet', '-m', 'notes', '--', 'notes.txt');
    git(work, 'push', '--quiet', 'origin', 'main');
    const seen = github.requests.length;

    const run = await runPr();

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /pushed [0-9a-f]{12} to origin\/readme-gen\/update/);
    assertOneCommitOnMain();
    assert.deepEqual(writes(requestsSince(seen)), []);
  });

  test('a GitHub API failure exits 3 naming the status and the endpoint', async () => {
    // Every attempt: a 5xx is retried, and only the last answer is reported.
    github.failNext('GET', 502, 'Server Error', { times: DEFAULT_HTTP_OPTIONS.maxRetries + 1 });
    const seen = github.requests.length;

    const run = await runPr();

    assert.equal(run.status, 3, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`GitHub API: GET ${github.url.replace(/\./g, '\\.')}/repos/acme/app/pulls answered 502: Server Error`),
    );
    assert.deepEqual(
      requestsSince(seen).map((request) => `${request.method} ${request.status}`),
      Array(DEFAULT_HTTP_OPTIONS.maxRetries + 1).fill('GET 502'),
    );
  });

  test("a refused write exits 3 with GitHub's explanation and a hint", async () => {
    github.failNext('PATCH', 403, 'GitHub Actions is not permitted to create or approve pull requests.');
    github.pulls[0]!.title = 'edited by hand';

    const run = await runPr();

    assert.equal(run.status, 3, run.stderr);
    assert.match(
      run.stderr,
      /PATCH .*\/repos\/acme\/app\/pulls\/1 answered 403: GitHub Actions is not permitted to create or approve pull requests\. \(the token may not write pull requests/,
    );
  });

  test('a missing token exits 2 naming the variable, before touching anything', async () => {
    const refs = remoteRefs();
    const seen = github.requests.length;

    const missing = await runPr([], { GITHUB_TOKEN: undefined });
    const named = await runPr(['--token-env', 'BOT_TOKEN'], { BOT_TOKEN: '' });

    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /no GitHub token: set GITHUB_TOKEN/);
    assert.equal(named.status, 2, named.stderr);
    assert.match(named.stderr, /no GitHub token: set BOT_TOKEN/);
    assert.equal(remoteRefs(), refs);
    assert.deepEqual(requestsSince(seen), []);
  });

  test('uncommitted changes to other files, or no git work tree, exit 2 with what to do', async (t) => {
    writeFileSync(path.join(work, 'notes.txt'), 'an edit in progress\n');
    t.after(() => git(work, 'checkout', '--', 'notes.txt'));
    const outside = path.join(scratch, 'not-a-repo');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'readme-gen.yaml'), readFileSync(path.join(work, 'readme-gen.yaml')));

    const dirty = await runPr();
    const notRepo = await runCliAsync(['pr', '--quiet', '--api-url', github.url], outside, {
      GITHUB_TOKEN: TOKEN,
      GITHUB_REPOSITORY: REPOSITORY,
      GIT_CEILING_DIRECTORIES: scratch,
    });
    printed.push(notRepo.stdout, notRepo.stderr);

    assert.equal(dirty.status, 2, dirty.stderr);
    assert.match(dirty.stderr, /uncommitted changes in notes\.txt: .*commit or stash the others first/);
    assert.equal(notRepo.status, 2, notRepo.stderr);
    assert.match(notRepo.stderr, /is not inside a git work tree/);
  });

  test('the token appears in no request body or header, commit, file or output', () => {
    assert.ok(github.requests.length > 0);
    for (const request of github.requests) {
      assert.ok(!request.body.includes(TOKEN), `${request.method} ${request.path} body`);
      assert.ok(!JSON.stringify(request.headers).includes(TOKEN), `${request.method} ${request.path} headers`);
      assert.ok(!request.url.includes(TOKEN));
    }
    assert.deepEqual(
      github.unexpected().map((request) => `${request.method} ${request.path} ${request.authorization}`),
      [],
      'every request was one of the three endpoints, with the token as Bearer',
    );
    for (const output of printed) assert.ok(!output.includes(TOKEN), 'printed output');
    assert.ok(!git(remote, 'log', '-p', '--all').includes(TOKEN), 'commits of the remote');
    for (const repository of [remote, work]) {
      const objects = git(repository, 'cat-file', '--batch-all-objects', '--batch');
      assert.ok(objects.length > 0);
      assert.ok(!objects.includes(TOKEN), `git objects of ${repository}`);
    }
    const needle = Buffer.from(TOKEN);
    for (const file of filesUnder(scratch)) assert.ok(!readFileSync(file).includes(needle), file);
  });
});

describe('readme-gen pr --all', () => {
  test('every configured image in one commit and one pull request, a section each', async (t) => {
    const repositories = { one: 'acme/one', two: 'acme/two' } as const;
    const pushers = {
      one: new Pusher({ registryUrl: registry.url, repository: repositories.one }),
      two: new Pusher({ registryUrl: registry.url, repository: repositories.two }),
    };
    const amd64 = { platform: { os: 'linux', architecture: 'amd64' } };
    await pushers.one.pushImage({ ...amd64, tag: 'latest' });
    const twoBefore = (await pushers.two.pushImage({ ...amd64, tag: 'latest' })).digest;
    const server = await startGitHubServer({ token: TOKEN, owner: 'acme', repo: 'images' });
    t.after(() => server.stop());

    // A monorepo with an image per directory, cloned the usual way (so origin/HEAD names the default branch).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-pr-all-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const seed = path.join(dir, 'seed');
    const bare = path.join(dir, 'images.git');
    const clone = path.join(dir, 'images');
    git(dir, 'init', '--quiet', '--initial-branch=trunk', seed);
    for (const [name, repository] of Object.entries(repositories)) {
      mkdirSync(path.join(seed, name));
      writeFileSync(
        path.join(seed, name, 'readme-gen.yaml'),
        `name: ${name}\nlocation: ${registry.host}/${repository}\nstate: state.json\n`,
      );
    }
    for (const args of [['snapshot'], ['render', '--write']]) {
      const run = await runCliAsync([...args, '--all', '--quiet', '--cache-dir', cacheDir], seed, { GIT_CONFIG_GLOBAL: gitConfig });
      assert.equal(run.status, 0, run.stderr);
    }
    git(seed, 'add', '--all');
    git(seed, 'commit', '--quiet', '-m', 'images');
    git(dir, 'clone', '--quiet', '--bare', seed, bare);
    git(dir, 'clone', '--quiet', bare, clone);

    await pushers.one.tag('edge', (await pushers.one.getManifest('latest')).digest);
    const twoAfter = (await pushers.two.pushImage({ platform: { os: 'linux', architecture: 'arm64' }, tag: 'latest' })).digest;
    const run = await runCliAsync(['pr', '--all', '--quiet', '--cache-dir', cacheDir, '--api-url', server.url], clone, {
      GITHUB_TOKEN: TOKEN,
      GITHUB_REPOSITORY: 'acme/images',
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_CONFIG_NOSYSTEM: '1',
    });
    printed.push(run.stdout, run.stderr);

    assert.equal(run.status, 0, run.stderr);
    const [, create] = server.requests;
    const sent = JSON.parse(create?.body ?? '{}') as { title: string; base: string; body: string };
    assert.equal(sent.title, 'readme-gen: update one, two');
    assert.equal(sent.base, 'trunk', "origin's default branch");
    assert.match(sent.body, /### one \(`[^`]+\/acme\/one`\)\n\n\*\*Tags added\*\*\n\n- `edge` → /);
    assert.ok(sent.body.includes(`- \`latest\`: \`${shortDigest(twoBefore)}\` → \`${shortDigest(twoAfter)}\``));
    assert.ok(sent.body.includes('- `latest`: added `linux/arm64`; removed `linux/amd64`'));
    assert.equal((sent.body.match(/<details><summary>README diff/g) ?? []).length, 2);
    assert.deepEqual(git(bare, 'diff', '--name-only', 'refs/heads/trunk', `refs/heads/${BRANCH}`).trim().split('\n'), [
      'one/README.md',
      'one/state.json',
      'two/README.md',
      'two/state.json',
    ]);
    assert.equal(git(bare, 'rev-list', '--count', `refs/heads/trunk..refs/heads/${BRANCH}`).trim(), '1');
    for (const text of [run.stdout, run.stderr, create?.body ?? '', git(bare, 'log', '-p', '--all')]) assert.ok(!text.includes(TOKEN));
  });
});

describe('readme-gen pr --dry-run on platform manifests with tags of their own (1.0-arm64)', () => {
  test('plans a README with one row per tag digest, writing nothing', async (t) => {
    const pushed = await pushTaggedPlatforms(new Pusher({ registryUrl: registry.url, repository: 'acme/per-arch' }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-pr-per-arch-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [seed, bare, clone] = ['seed', 'per-arch.git', 'per-arch'].map((name) => path.join(dir, name)) as [string, string, string];
    git(dir, 'init', '--quiet', '--initial-branch=main', seed);
    writeFileSync(path.join(seed, 'readme-gen.yaml'), `name: per-arch\nlocation: ${registry.host}/acme/per-arch\nstate: state.json\n`);
    git(seed, 'add', '--all');
    git(seed, 'commit', '--quiet', '-m', 'per-arch image');
    git(dir, 'clone', '--quiet', '--bare', seed, bare);
    git(dir, 'clone', '--quiet', bare, clone);

    const run = await runCliAsync(['pr', '--dry-run', '--quiet', '--cache-dir', cacheDir], clone, {
      GITHUB_REPOSITORY: 'acme/per-arch',
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_CONFIG_NOSYSTEM: '1',
    });

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Files:\n {2}A README\.md\n {2}A state\.json$/m);
    const diff = /^````diff\n--- a\/README\.md\n\+\+\+ b\/README\.md\n@@ -0,0 \+1,\d+ @@\n((?:\+.*\n)+)````$/m.exec(run.stdout);
    assert.ok(diff?.[1], `the README's diff in the plan:\n${run.stdout}`);
    const planned = diff[1].replace(/^\+/gm, '');
    assert.deepEqual(shownRows(planned), expectedRows(pushed, 'default'));
    assert.deepEqual(readdirSync(clone).sort(), ['.git', 'readme-gen.yaml'], 'nothing written');
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}
