/**
 * Secrets: every command — snapshot, render (live, to stdout and --write),
 * verify, pr --dry-run and pr against a loopback GitHub — run with registry
 * credentials (READMEGEN_REGISTRY_USERNAME/PASSWORD, for a registry with
 * token auth) and a GITHUB_TOKEN, all distinctive values. Every request
 * readme-gen makes is recorded at the host it reaches: the registry and the
 * token server through recording proxies, blob storage (a server on
 * 127.0.0.2, to which the registry proxy redirects every blob GET with a 307,
 * as registries backed by S3 do) and the GitHub server directly.
 *
 * Neither secret, nor its base64 forms (the Basic credentials, the bearer
 * tokens the token server issued, recorded from its answers), may appear in
 * stdout, stderr, any file under the scratch directory (work tree, .git, the
 * bare origin, the cache, every git object decompressed), or any request to a
 * host other than its own: the password only to the token server, the
 * registry's bearer token only to the registry, the GitHub token only to
 * GitHub — and blob storage gets no Authorization at all, while the snapshot
 * still succeeds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Digest } from '../../src/state/image-state.js';
import { type CountingProxy, type InterceptedRequest, startCountingProxy } from '../harness/counting-proxy.js';
import { type GitHubServer, branchExistsIn, startGitHubServer } from '../harness/github-server.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type TokenServer, startTokenServer } from '../harness/token-server.js';
import { createCa, createLog, issueLeaf, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';
import { type TimedRun, filesUnder, runReadmeGen } from './invariants.js';

const OWNER = 'acme';
const REPO = 'app';
const REPOSITORY = `${OWNER}/${REPO}`;
const USER = 'ci-bot';
/** Unique, so finding one anywhere means it leaked. */
const PASSWORD = `regpw-${randomBytes(12).toString('hex')}`;
const GITHUB_TOKEN = `ghs_secretsTest${randomBytes(16).toString('hex')}`;
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';

type Host = 'registry' | 'token server' | 'blob storage';

/** One request as the host it reached saw it, every header included. */
interface Seen {
  host: Host;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let tokens: TokenServer;
let tokenProxy: CountingProxy;
let registry: RunningRegistry;
let registryProxy: CountingProxy;
let blobStorage: { server: Server; origin: string };
let github: GitHubServer;
let scratch: string;
let work: string;
let remote: string;
let cache: string;
let gitConfig: string;
let dockerConfig: string;
let pusher: Pusher;
let latest: Digest;
let redirectBlobs = true;
/** blob GETs answered 503 instead */
let blobFault = false;
/** every request readme-gen made to the registry, the token server and blob storage */
const seen: Seen[] = [];
/** every bearer token the token server issued to readme-gen */
const issued: string[] = [];
/** every readme-gen run, for the output scan */
const runs: { what: string; run: TimedRun }[] = [];

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** Records a request that reached `host`; blob storage reads no body (a GET has none). */
function record(host: Host, request: InterceptedRequest | IncomingMessage): void {
  if ('forward' in request) {
    seen.push({ host, method: request.method, url: request.path, headers: request.headers, body: request.body.toString('latin1') });
  } else {
    seen.push({ host, method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: '' });
  }
}

/** git as the test's own hand, isolated from the machine's git config. */
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
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.test',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.test',
    },
  });
}

/** A pull token the test fetches for itself (never through the recording proxy): what blob storage uses to read the registry. */
let storageToken: Promise<string> | undefined;
function ownPullToken(): Promise<string> {
  storageToken ??= (async () => {
    const realm = new URL(tokens.realm);
    realm.searchParams.set('service', tokens.service);
    realm.searchParams.set('scope', `repository:${REPOSITORY}:pull`);
    const response = await fetch(realm, { headers: { authorization: `Basic ${base64(`${USER}:${PASSWORD}`)}` } });
    return ((await response.json()) as { token: string }).token;
  })();
  return storageToken;
}

/** Blob storage on another loopback address: serves /storage/<digest> with the registry's bytes, and records who asked how. */
async function startBlobStorage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    record('blob storage', request);
    const digest = /^\/storage\/(sha256:[0-9a-f]{64})/.exec(request.url ?? '')?.[1];
    if (!digest) {
      response.writeHead(404).end();
      return;
    }
    void ownPullToken()
      .then((token) => fetch(`${registry.url}/v2/${REPOSITORY}/blobs/${digest}`, { headers: { authorization: `Bearer ${token}` } }))
      .then(async (upstream) => {
        const bytes = Buffer.from(await upstream.arrayBuffer());
        response.writeHead(upstream.status, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.2', resolve);
  });
  return { server, origin: `http://127.0.0.2:${(server.address() as AddressInfo).port}` };
}

before(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-secrets-'));
  work = path.join(scratch, 'work');
  remote = path.join(scratch, 'remote.git');
  cache = path.join(scratch, 'cache');
  gitConfig = path.join(scratch, 'gitconfig');
  dockerConfig = path.join(scratch, 'docker');
  writeFileSync(gitConfig, '');
  mkdirSync(dockerConfig);

  tokens = await startTokenServer({ users: { [USER]: PASSWORD }, anonymousPull: false });
  tokenProxy = await startCountingProxy(new URL(tokens.realm).origin, {
    intercept: async (request) => {
      record('token server', request);
      const answer = await request.forward();
      const token = (JSON.parse(answer.body.toString('utf8') || '{}') as { token?: string }).token;
      if (token) issued.push(token);
      return answer;
    },
  });
  // The registry sends clients to the token server through its recording proxy.
  registry = await startRegistry({ auth: { token: { ...tokens, realm: `${tokenProxy.url}/token` } } });
  blobStorage = await startBlobStorage();
  registryProxy = await startCountingProxy(registry.url, {
    intercept: (request) => {
      record('registry', request);
      const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(request.path)?.[1];
      if (request.method !== 'GET' || !digest) return undefined;
      if (blobFault) return { status: 503, body: 'blob storage is down' };
      if (!redirectBlobs) return undefined;
      return {
        status: 307,
        headers: {
          location: `${blobStorage.origin}/storage/${digest}?X-Amz-Expires=300&X-Amz-Signature=${randomBytes(8).toString('hex')}`,
        },
      };
    },
  });
  github = await startGitHubServer({
    token: GITHUB_TOKEN,
    owner: OWNER,
    repo: REPO,
    branchExists: branchExistsIn(remote),
  });

  pusher = new Pusher({
    registryUrl: registry.url,
    repository: REPOSITORY,
    auth: { bearer: { tokenServer: tokens, username: USER, password: PASSWORD } },
  });
  const index = await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  latest = index.digest;
  await pusher.pushImage({ tag: '1.0', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
  const ca = await createCa();
  const log = createLog();
  const leaf = await issueLeaf(ca, {
    subject: IDENTITY,
    issuer: 'https://token.actions.githubusercontent.com',
    notBefore: new Date(SIGNED_AT),
  });
  await pusher.pushCosignSignature(latest, [
    signLegacy({
      payload: payloadFor(latest, `${registryProxy.host}/${REPOSITORY}`),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: 11, integratedTime: SIGNED_AT / 1000 + 30 },
    }),
  ]);

  git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(scratch, 'clone', '--quiet', remote, work);
  git(work, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  const location = `location: ${registryProxy.host}/${REPOSITORY}\ntrusted-root: trusted_root.json\n`;
  writeFileSync(path.join(work, 'readme-gen.yaml'), `name: app\n${location}state: state.json\n`);
  // The same image without a state file: render reads the registry live.
  writeFileSync(path.join(work, 'live.yaml'), `name: app\n${location}output: LIVE.md\n`);
  writeFileSync(path.join(work, 'trusted_root.json'), JSON.stringify(trustedRoot(ca, log)));
});

after(async () => {
  await github?.stop();
  await registryProxy?.stop();
  await registry?.stop();
  await tokenProxy?.stop();
  await tokens?.stop();
  if (blobStorage) {
    blobStorage.server.closeAllConnections();
    await new Promise((resolve) => blobStorage.server.close(resolve));
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** readme-gen in the work tree with both secrets in its environment, as a CI job has them. */
async function readmeGen(what: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<TimedRun> {
  // Every command that reads a registry gets a cache of this run's own; verify reads none.
  const cached = args[0] === 'verify' || args.includes('--cache-dir') ? args : [...args, '--cache-dir', cache];
  const run = await runReadmeGen(cached, work, {
    env: {
      READMEGEN_REGISTRY_USERNAME: USER,
      READMEGEN_REGISTRY_PASSWORD: PASSWORD,
      GITHUB_TOKEN,
      GITHUB_REPOSITORY: REPOSITORY,
      DOCKER_CONFIG: dockerConfig,
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: undefined,
      GIT_AUTHOR_EMAIL: undefined,
      GIT_COMMITTER_NAME: undefined,
      GIT_COMMITTER_EMAIL: undefined,
      ...env,
    },
  });
  runs.push({ what, run });
  return run;
}

function registrySecrets(): string[] {
  return [PASSWORD, base64(PASSWORD), base64(`${USER}:${PASSWORD}`), Buffer.from(`${USER}:${PASSWORD}`).toString('base64url')];
}

/** Each issued token, and its signature alone (unique to it). */
function bearerSecrets(): string[] {
  return issued.flatMap((token) => [token, token.split('.').at(-1) ?? token]);
}

function githubSecrets(): string[] {
  return [GITHUB_TOKEN, base64(GITHUB_TOKEN), base64(`x-access-token:${GITHUB_TOKEN}`), base64(`${GITHUB_TOKEN}:x-oauth-basic`)];
}

function allSecrets(): string[] {
  return [...registrySecrets(), ...bearerSecrets(), ...githubSecrets()];
}

function assertNoneIn(text: string | Buffer, secrets: readonly string[], where: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds a secret (${secret.slice(0, 6)}…)`);
}

/** A request as text — method, URL, every header but the one allowed, body — for the scan. */
function requestText(request: Seen, without: string[] = []): string {
  const headers = Object.entries(request.headers)
    .filter(([name]) => !without.includes(name))
    .map(([name, value]) => `${name}: ${String(value)}`);
  return [`${request.method} ${request.url}`, ...headers, '', request.body].join('\n');
}

describe('secrets stay where they belong, through every command', () => {
  let baseline: Buffer;

  test('snapshot without the blob redirect, for the state to compare with', async () => {
    redirectBlobs = false;
    try {
      const run = await readmeGen('snapshot (no redirect)', [
        'snapshot',
        '--quiet',
        '--out',
        path.join(scratch, 'baseline.json'),
        '--cache-dir',
        path.join(scratch, 'baseline-cache'),
      ]);
      assert.equal(run.status, 0, run.stderr);
    } finally {
      redirectBlobs = true;
    }
    baseline = readFileSync(path.join(scratch, 'baseline.json'));
    assert.ok(issued.length > 0, 'the token server issued a token');
  });

  test('snapshot, every blob GET redirected to blob storage on 127.0.0.2: succeeds with the same state, and storage got no Authorization', async () => {
    const before = seen.length;

    const run = await readmeGen('snapshot', ['snapshot', '--quiet']);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readFileSync(path.join(work, 'state.json')), baseline);
    const storage = seen.slice(before).filter((request) => request.host === 'blob storage');
    assert.ok(storage.length >= 2, `blob storage served ${storage.length} blobs (the config of 1.0 and the signature payload)`);
    for (const request of storage) assert.equal(request.headers.authorization, undefined, `${request.url} got an Authorization header`);
  });

  test('render --write from the state', async () => {
    const run = await readmeGen('render --write', ['render', '--write', '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(readFileSync(path.join(work, 'README.md'), 'utf8').includes(latest));
  });

  test('render live (no state file), to stdout and --write', async () => {
    const printed = await readmeGen('render live', ['render', '--config', 'live.yaml', '--quiet']);
    assert.equal(printed.status, 0, printed.stderr);
    assert.ok(printed.stdout.includes(latest));
    const written = await readmeGen('render live --write', ['render', '--config', 'live.yaml', '--write', '--quiet']);
    assert.equal(written.status, 0, written.stderr);
    assert.equal(readFileSync(path.join(work, 'LIVE.md'), 'utf8'), printed.stdout);
  });

  test('verify', async () => {
    const run = await readmeGen('verify', ['verify', 'README.md', '--trusted-root', 'trusted_root.json']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /README\.md: authentic: /);
  });

  test('pr --dry-run, then pr against the loopback GitHub, after the registry changed', async () => {
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '-m', 'app README');
    git(work, 'push', '--quiet', '--set-upstream', 'origin', 'main');
    await pusher.tag('1.1', latest);

    const dryRun = await readmeGen('pr --dry-run', ['pr', '--dry-run', '--quiet', '--api-url', github.url]);
    assert.equal(dryRun.status, 0, dryRun.stderr);
    assert.match(dryRun.stdout, /nothing was written, committed, pushed or sent to GitHub/);
    assert.deepEqual(github.requests, [], 'a dry run sends GitHub nothing');

    const real = await readmeGen('pr', ['pr', '--quiet', '--api-url', github.url]);
    assert.equal(real.status, 0, real.stderr);
    assert.equal(real.stdout, `https://github.test/${REPOSITORY}/pull/1\n`);
    assert.ok(github.requests.length >= 2);
  });

  test('a registry failure (503 on every blob GET): exit 3, and its message holds no secret', async () => {
    blobFault = true;
    try {
      const run = await readmeGen('snapshot (failing)', [
        'snapshot',
        '--quiet',
        '--out',
        'failing-state.json',
        '--cache-dir',
        path.join(scratch, 'failing-cache'),
      ]);
      assert.equal(run.status, 3, run.stderr);
      assert.match(run.stderr, /HTTP 503/);
    } finally {
      blobFault = false;
    }
  });

  test('no secret in any output, any file, any git object', () => {
    const secrets = allSecrets();
    assert.ok(runs.length >= 9);
    for (const { what, run } of runs) {
      assertNoneIn(run.stdout, secrets, `stdout of ${what}`);
      assertNoneIn(run.stderr, secrets, `stderr of ${what}`);
    }
    const files = filesUnder(scratch);
    assert.ok(
      files.some((file) => file.startsWith(`cache${path.sep}sha256${path.sep}`)),
      'the cache was written',
    );
    for (const file of files) {
      if (file === 'gitconfig') continue;
      assertNoneIn(readFileSync(path.join(scratch, file)), secrets, file);
    }
    for (const repository of [work, remote]) {
      const objects = git(repository, 'cat-file', '--batch-all-objects', '--batch');
      assert.ok(objects.includes('readme-gen'), `git objects of ${repository} were read`);
      assertNoneIn(objects, secrets, `a git object of ${repository}`);
    }
  });

  test('each secret went only to its own host', () => {
    const byHost = (host: Host) => seen.filter((request) => request.host === host);
    const registrySeen = byHost('registry');
    const tokenSeen = byHost('token server');
    const storageSeen = byHost('blob storage');
    assert.ok(registrySeen.length > 0 && tokenSeen.length > 0 && storageSeen.length > 0);

    // The registry: bearer tokens the token server issued (or nothing, before the challenge), nothing else secret.
    for (const request of registrySeen) {
      const authorization = request.headers.authorization;
      if (authorization !== undefined) {
        assert.match(
          authorization,
          /^Bearer /,
          `${request.method} ${request.url}: the registry got ${authorization.split(' ')[0]} credentials`,
        );
        assert.ok(issued.includes(authorization.slice('Bearer '.length)), 'a bearer token the token server did not issue');
      }
      assertNoneIn(requestText(request, ['authorization']), allSecrets(), `registry request ${request.method} ${request.url}`);
      assertNoneIn(requestText(request), [...registrySecrets(), ...githubSecrets()], `registry request ${request.method} ${request.url}`);
    }
    // The token server: Basic credentials of the user, and no bearer token or GitHub token.
    for (const request of tokenSeen) {
      assert.equal(
        request.headers.authorization,
        `Basic ${base64(`${USER}:${PASSWORD}`)}`,
        "the token server got the user's credentials as Basic",
      );
      assertNoneIn(requestText(request, ['authorization']), allSecrets(), `token request ${request.url}`);
      assertNoneIn(requestText(request), [...bearerSecrets(), ...githubSecrets()], `token request ${request.url}`);
    }
    // Blob storage: no credentials of any kind.
    for (const request of storageSeen) {
      assert.equal(request.headers.authorization, undefined);
      assertNoneIn(requestText(request), allSecrets(), `blob storage request ${request.url}`);
    }
    // GitHub: its own token, exactly as Bearer (the server checks), and nothing of the registry's.
    assert.ok(github.requests.length > 0);
    assert.deepEqual(github.unexpected(), [], 'every GitHub request carried the token as Bearer, to a known endpoint');
    for (const request of github.requests) {
      const text = [`${request.method} ${request.url}`, JSON.stringify(request.headers), request.body].join('\n');
      assertNoneIn(text, allSecrets(), `GitHub request ${request.method} ${request.path}`);
    }
    assert.ok(new Set(issued).size >= 1, `${issued.length} tokens issued`);
  });
});
