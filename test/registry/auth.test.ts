/**
 * `readme-gen snapshot` against real registries that want credentials:
 * docker-registry 2.8 with token auth (our token server, anonymous pull on or
 * off) and with htpasswd Basic auth. A proxy in front of each registry
 * records the Authorization header of every request readme-gen makes, so the
 * tests know which bearer tokens it held and can check that no password,
 * Basic header or token ends up in what it prints or writes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageState } from '../../src/state/image-state.js';
import { type CountingProxy, startCountingProxy } from '../harness/counting-proxy.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type TokenServer, startTokenServer } from '../harness/token-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const REPOSITORY = 'acme/app';
const USER = 'ci';
const TOKEN_PASSWORD = 'tokpw-7f3a9c-Q2xv';
const HTPASSWD_PASSWORD = 'htpw-41d2e8-Zr9k';
const WRONG_PASSWORD = 'wrongpw-90ab1c-Mm3t';
const EXPECTED_TAGS = ['latest', 'rc-0', 'rc-1', 'rc-2', 'single'];

type TestContext = Parameters<typeof temporaryDirectory>[0];

/** A registry behind a proxy that remembers the Authorization header of each request, in order. */
interface Watched {
  registry: RunningRegistry;
  proxy: CountingProxy;
  authorizations: (string | undefined)[];
}

async function watch(registry: RunningRegistry): Promise<Watched> {
  const authorizations: (string | undefined)[] = [];
  const proxy = await startCountingProxy(registry.url, {
    intercept: (request) => {
      authorizations.push(request.headers.authorization);
      return undefined;
    },
  });
  return { registry, proxy, authorizations };
}

function forget(watched: Watched): void {
  watched.proxy.reset();
  watched.authorizations.splice(0);
}

async function pushContent(pusher: Pusher): Promise<void> {
  await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  const single = await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
  await pusher.pushManyTags('rc-', 3, single.digest);
}

function workspace(t: TestContext, host: string): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${host}/${REPOSITORY}\nstate: state.json\n`);
  return dir;
}

/** A DOCKER_CONFIG directory, empty unless `auths` is given: the user's own ~/.docker must never be read. */
function dockerConfig(t: TestContext, auths?: Record<string, object>): string {
  const dir = temporaryDirectory(t);
  if (auths) writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

function credentialEnv(username: string, password: string): NodeJS.ProcessEnv {
  return { READMEGEN_REGISTRY_USERNAME: username, READMEGEN_REGISTRY_PASSWORD: password };
}

/** `readme-gen snapshot --json` in `dir`, with only the credentials `env` gives (none inherited). */
function snapshot(dir: string, dockerConfigDir: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCliAsync(['snapshot', '--json', '--cache-dir', path.join(dir, 'cache')], dir, {
    READMEGEN_REGISTRY_USERNAME: undefined,
    READMEGEN_REGISTRY_PASSWORD: undefined,
    DOCKER_CONFIG: dockerConfigDir,
    ...env,
  });
}

function basic(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

function readState(dir: string): ImageState {
  return JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

/** The bearer tokens readme-gen sent, and each one's signature (unique to it). */
function bearerSecrets(authorizations: readonly (string | undefined)[]): string[] {
  const tokens = [
    ...new Set(
      authorizations
        .filter((value): value is string => value?.startsWith('Bearer ') ?? false)
        .map((value) => value.slice('Bearer '.length)),
    ),
  ];
  return tokens.flatMap((token) => [token, token.split('.').at(-1) ?? token]);
}

/**
 * None of `secrets` in stdout, stderr, or any file under the workspace: the
 * state file, the config and every file of the cache directory.
 */
function assertNoSecrets(run: CliRun, dir: string, secrets: readonly string[]): void {
  assert.ok(secrets.length > 0);
  const files = filesUnder(dir);
  for (const secret of secrets) {
    assert.ok(!run.stdout.includes(secret), `stdout holds a credential: ${run.stdout}`);
    assert.ok(!run.stderr.includes(secret), `stderr holds a credential: ${run.stderr}`);
    for (const file of files) assert.ok(!readFileSync(file).includes(secret), `${file} holds a credential`);
  }
}

/** A successful run filled the cache, so scanning it meant something. */
function assertCacheFilled(dir: string): void {
  assert.ok(filesUnder(path.join(dir, 'cache')).length > 0, 'the cache directory is empty');
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0] ?? '';
}

describe('token auth (Bearer, our token server)', () => {
  let tokens: TokenServer;
  let open: Watched;
  let lockedTokens: TokenServer;
  let locked: Watched;

  before(async () => {
    tokens = await startTokenServer({ users: { [USER]: TOKEN_PASSWORD }, anonymousPull: true });
    const registry = await startRegistry({ auth: { token: tokens } });
    open = await watch(registry);
    await pushContent(
      new Pusher({
        registryUrl: registry.url,
        repository: REPOSITORY,
        auth: { bearer: { tokenServer: tokens, username: USER, password: TOKEN_PASSWORD } },
      }),
    );

    lockedTokens = await startTokenServer({ users: { [USER]: TOKEN_PASSWORD }, anonymousPull: false });
    const lockedRegistry = await startRegistry({ auth: { token: lockedTokens } });
    locked = await watch(lockedRegistry);
    await pushContent(
      new Pusher({
        registryUrl: lockedRegistry.url,
        repository: REPOSITORY,
        auth: { bearer: { tokenServer: lockedTokens, username: USER, password: TOKEN_PASSWORD } },
      }),
    );
  });

  after(async () => {
    for (const watched of [open, locked]) {
      await watched?.proxy.stop();
      await watched?.registry.stop();
    }
    await tokens?.stop();
    await lockedTokens?.stop();
  });

  test('anonymous pull: one anonymous token request for repository:acme/app:pull with the service, then every request carries that token', async (t) => {
    tokens.requests.splice(0);
    forget(open);
    const dir = workspace(t, open.proxy.host);

    const run = await snapshot(dir, dockerConfig(t));

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assert.equal(tokens.requests.length, 1, JSON.stringify(tokens.requests));
    const [request] = tokens.requests;
    assert.equal(request?.authorization, false, 'no credentials were given, so none are sent');
    assert.equal(request?.status, 200);
    assert.deepEqual(
      request?.query.filter(([key]) => key === 'service'),
      [['service', tokens.service]],
    );
    assert.deepEqual(
      request?.query.filter(([key]) => key === 'scope'),
      [['scope', `repository:${REPOSITORY}:pull`]],
    );
    // The first request is refused (that is how the challenge arrives); after it, one token for all.
    assert.equal(open.proxy.requests[0]?.status, 401);
    assert.ok(
      open.proxy.requests.slice(1).every((proxied) => proxied.status !== 401),
      JSON.stringify(open.proxy.requests),
    );
    const later = new Set(open.authorizations.slice(1));
    assert.equal(later.size, 1, 'the same token on every request after the challenge');
    assert.match([...later][0] ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    assertCacheFilled(dir);
    assertNoSecrets(run, dir, bearerSecrets(open.authorizations));
  });

  test('with READMEGEN_REGISTRY_USERNAME/PASSWORD the token server sees Basic for that user, and the registry never sees the password', async (t) => {
    tokens.requests.splice(0);
    forget(open);
    const dir = workspace(t, open.proxy.host);

    const run = await snapshot(dir, dockerConfig(t), credentialEnv(USER, TOKEN_PASSWORD));

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assert.deepEqual(
      tokens.requests.map((request) => [request.authorization, request.user, request.status]),
      [[true, USER, 200]],
    );
    assert.ok(
      open.authorizations.every((value) => value === undefined || value.startsWith('Bearer ')),
      'only bearer tokens go to the registry, never Basic credentials',
    );
    assertCacheFilled(dir);
    assertNoSecrets(run, dir, [TOKEN_PASSWORD, basic(USER, TOKEN_PASSWORD), ...bearerSecrets(open.authorizations)]);
  });

  test('a token is fetched once per run, not per request', async (t) => {
    tokens.requests.splice(0);
    const dir = workspace(t, open.proxy.host);
    const counts: { proxied: number; tokens: number }[] = [];

    for (let run = 0; run < 2; run++) {
      forget(open);
      const before = tokens.requests.length;
      // A fresh cache and no state each time, so the run makes every request it can.
      rmSync(path.join(dir, 'state.json'), { force: true });
      const result = await runCliAsync(['snapshot', '--quiet', '--cache-dir', path.join(dir, `cache-${run}`)], dir, {
        ...credentialEnv(USER, TOKEN_PASSWORD),
        DOCKER_CONFIG: dockerConfig(t),
      });
      assert.equal(result.status, 0, result.stderr);
      counts.push({ proxied: open.proxy.requests.length, tokens: tokens.requests.length - before });
    }

    for (const count of counts) {
      // tag list, HEADs of 5 tags, 2 images + 2 platform manifests, a config blob, the referrers probe
      assert.ok(count.proxied >= 10, `only ${count.proxied} registry requests`);
      assert.equal(count.tokens, 1, `${count.tokens} token requests for ${count.proxied} registry requests`);
    }
  });

  test('a wrong password: exit 3, one line naming the registry and the refusal, and no password anywhere', async (t) => {
    const dir = workspace(t, open.proxy.host);
    forget(open);
    const good = await snapshot(dir, dockerConfig(t), credentialEnv(USER, TOKEN_PASSWORD));
    assert.equal(good.status, 0, good.stderr);
    const tokensSeen = bearerSecrets(open.authorizations);
    const stateBefore = readFileSync(path.join(dir, 'state.json'));
    tokens.requests.splice(0);

    const run = await runCliAsync(['snapshot', '--cache-dir', path.join(dir, 'cache')], dir, {
      ...credentialEnv(USER, WRONG_PASSWORD),
      DOCKER_CONFIG: dockerConfig(t),
    });

    assert.equal(run.status, 3, run.stderr);
    const line = oneLine(run.stderr);
    assert.ok(line.includes(`${open.proxy.host}/${REPOSITORY}`), line);
    assert.match(line, /refused/);
    assert.match(line, /credentials/);
    assert.equal(run.stdout, '');
    assert.deepEqual(
      tokens.requests.map((request) => [request.user, request.status]),
      [[USER, 401]],
      'a refused password is not tried again',
    );
    assert.deepEqual(readFileSync(path.join(dir, 'state.json')), stateBefore, 'the state file is left alone');
    assertNoSecrets(run, dir, [WRONG_PASSWORD, basic(USER, WRONG_PASSWORD), TOKEN_PASSWORD, basic(USER, TOKEN_PASSWORD), ...tokensSeen]);
    assertNoSecrets(good, dir, [TOKEN_PASSWORD, basic(USER, TOKEN_PASSWORD), ...tokensSeen]);
  });

  test('anonymous pull off and no credentials: exit 3 saying access was refused anonymously; with credentials it works', async (t) => {
    const dir = workspace(t, locked.proxy.host);
    lockedTokens.requests.splice(0);

    const anonymous = await snapshot(dir, dockerConfig(t));

    assert.equal(anonymous.status, 3, anonymous.stderr);
    const line = oneLine(anonymous.stderr);
    assert.ok(line.includes(`${locked.proxy.host}/${REPOSITORY}`), line);
    assert.match(line, /anonymously/);
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
    assert.deepEqual(
      lockedTokens.requests.map((request) => request.authorization),
      [false],
    );

    forget(locked);
    const withCredentials = await snapshot(dir, dockerConfig(t), credentialEnv(USER, TOKEN_PASSWORD));
    assert.equal(withCredentials.status, 0, withCredentials.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assertNoSecrets(withCredentials, dir, [TOKEN_PASSWORD, basic(USER, TOKEN_PASSWORD), ...bearerSecrets(locked.authorizations)]);
  });
});

describe('htpasswd auth (Basic)', () => {
  let basicRegistry: Watched;
  const rightBasic = `Basic ${basic(USER, HTPASSWD_PASSWORD)}`;
  const secrets = [HTPASSWD_PASSWORD, basic(USER, HTPASSWD_PASSWORD)];

  before(async () => {
    const registry = await startRegistry({ auth: { htpasswd: { username: USER, password: HTPASSWD_PASSWORD } } });
    basicRegistry = await watch(registry);
    await pushContent(
      new Pusher({ registryUrl: registry.url, repository: REPOSITORY, auth: { basic: { username: USER, password: HTPASSWD_PASSWORD } } }),
    );
  });

  after(async () => {
    await basicRegistry?.proxy.stop();
    await basicRegistry?.registry.stop();
  });

  test('anonymous: exit 3, one line saying the registry wants credentials and none were found', async (t) => {
    forget(basicRegistry);
    const dir = workspace(t, basicRegistry.proxy.host);

    const run = await snapshot(dir, dockerConfig(t));

    assert.equal(run.status, 3, run.stderr);
    const line = oneLine(run.stderr);
    assert.ok(line.includes(`${basicRegistry.proxy.host}/${REPOSITORY}`), line);
    assert.match(line, /asks for credentials/);
    assert.match(line, /none were found/);
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
    assert.ok(basicRegistry.proxy.requests.length > 0 && basicRegistry.proxy.requests.every((request) => request.status === 401));
    assert.ok(basicRegistry.authorizations.every((value) => value === undefined));
  });

  test('credentials from the environment: works, Basic on every request after the challenge', async (t) => {
    forget(basicRegistry);
    const dir = workspace(t, basicRegistry.proxy.host);

    const run = await snapshot(dir, dockerConfig(t), credentialEnv(USER, HTPASSWD_PASSWORD));

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assert.deepEqual(new Set(basicRegistry.authorizations.slice(1)), new Set([rightBasic]));
    assertCacheFilled(dir);
    assertNoSecrets(run, dir, secrets);
  });

  const configEntries: [string, (host: string) => Record<string, object>][] = [
    ['"auths" keyed by host:port with base64 auth', (host) => ({ [host]: { auth: basic(USER, HTPASSWD_PASSWORD) } })],
    [
      '"auths" keyed by a URL, with username and password fields',
      (host) => ({ [`http://${host}/v2/`]: { username: USER, password: HTPASSWD_PASSWORD } }),
    ],
  ];
  for (const [name, auths] of configEntries) {
    test(`credentials from DOCKER_CONFIG/config.json, ${name}: works`, async (t) => {
      forget(basicRegistry);
      const dir = workspace(t, basicRegistry.proxy.host);

      const run = await snapshot(dir, dockerConfig(t, auths(basicRegistry.proxy.host)));

      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(
        readState(dir).tags.map((tag) => tag.name),
        EXPECTED_TAGS,
      );
      assert.ok(basicRegistry.authorizations.includes(rightBasic));
      assertCacheFilled(dir);
      assertNoSecrets(run, dir, secrets);
    });
  }

  test('an "auths" entry for any other host is not used: exit 3, and no credential is sent', async (t) => {
    const host = basicRegistry.proxy.host;
    const [, port] = host.split(':');
    const otherPort = String(Number(port) === 65535 ? 1 : Number(port) + 1);
    const right = { auth: basic(USER, HTPASSWD_PASSWORD) };
    // Every entry holds the right password: if any were matched, the run would succeed.
    const auths = {
      '127.0.0.1': right,
      [`127.0.0.1:${otherPort}`]: right,
      [`127.0.0.2:${port}`]: right,
      [`localhost:${port}`]: right,
      [`${host}.evil.example`]: right,
      [`evil.example/${host}`]: right,
      'https://index.docker.io/v1/': right,
    };
    forget(basicRegistry);
    const dir = workspace(t, host);

    const run = await snapshot(dir, dockerConfig(t, auths));

    assert.equal(run.status, 3, run.stderr);
    assert.match(oneLine(run.stderr), /none were found/);
    assert.ok(
      basicRegistry.authorizations.every((value) => value === undefined),
      `credentials were sent: ${basicRegistry.authorizations.filter(Boolean).length} times`,
    );
    assertNoSecrets(run, dir, secrets);
  });

  test('a wrong password: exit 3, one line naming the registry, the refusal and where the credentials came from, never the password', async (t) => {
    forget(basicRegistry);
    const dir = workspace(t, basicRegistry.proxy.host);
    const configDir = dockerConfig(t, { [basicRegistry.proxy.host]: { auth: basic(USER, WRONG_PASSWORD) } });

    const fromEnv = await snapshot(dir, dockerConfig(t), credentialEnv(USER, WRONG_PASSWORD));
    const fromConfig = await snapshot(dir, configDir);

    for (const [run, source] of [
      [fromEnv, 'READMEGEN_REGISTRY_USERNAME/READMEGEN_REGISTRY_PASSWORD'],
      [fromConfig, path.join(configDir, 'config.json')],
    ] as const) {
      assert.equal(run.status, 3, run.stderr);
      const line = oneLine(run.stderr);
      assert.ok(line.includes(`${basicRegistry.proxy.host}/${REPOSITORY}`), line);
      assert.match(line, /refused/);
      assert.ok(line.includes(source), line);
      assertNoSecrets(run, dir, [WRONG_PASSWORD, basic(USER, WRONG_PASSWORD)]);
    }
    assert.equal(existsSync(path.join(dir, 'state.json')), false);
  });

  test('the environment wins over the docker config', async (t) => {
    forget(basicRegistry);
    const dir = workspace(t, basicRegistry.proxy.host);
    const configDir = dockerConfig(t, { [basicRegistry.proxy.host]: { auth: basic(USER, WRONG_PASSWORD) } });

    const run = await snapshot(dir, configDir, credentialEnv(USER, HTPASSWD_PASSWORD));

    assert.equal(run.status, 0, run.stderr);
    assert.ok(!basicRegistry.authorizations.includes(`Basic ${basic(USER, WRONG_PASSWORD)}`));
    assertNoSecrets(run, dir, [...secrets, WRONG_PASSWORD]);
  });
});
