/**
 * `readme-gen snapshot` against real registries that want credentials:
 * docker-registry 2.8 with token auth (our token server, anonymous pull on or
 * off) and with htpasswd Basic auth. A proxy in front of each registry
 * records the Authorization header of every request readme-gen makes, so the
 * tests know which bearer tokens it held and can check that no password,
 * Basic header or token ends up in what it prints or writes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageState } from '../../src/state/image-state.js';
import { type CountingProxy, startCountingProxy } from '../harness/counting-proxy.js';
import { Pusher, pushSampleContent } from '../harness/push.js';
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

/** docker-registry with token auth by `tokens`, holding the test content, behind a watching proxy. */
async function tokenRegistry(tokens: TokenServer): Promise<Watched> {
  const registry = await startRegistry({ auth: { token: tokens } });
  await pushSampleContent(
    new Pusher({
      registryUrl: registry.url,
      repository: REPOSITORY,
      auth: { bearer: { tokenServer: tokens, username: USER, password: TOKEN_PASSWORD } },
    }),
  );
  return watch(registry);
}

/** docker-registry with htpasswd (Basic) auth, holding the test content, behind a watching proxy. */
async function htpasswdRegistry(): Promise<Watched> {
  const registry = await startRegistry({ auth: { htpasswd: { username: USER, password: HTPASSWD_PASSWORD } } });
  await pushSampleContent(
    new Pusher({ registryUrl: registry.url, repository: REPOSITORY, auth: { basic: { username: USER, password: HTPASSWD_PASSWORD } } }),
  );
  return watch(registry);
}

async function stop(watched: readonly (Watched | undefined)[], tokenServers: readonly (TokenServer | undefined)[]): Promise<void> {
  for (const each of watched) {
    await each?.proxy.stop();
    await each?.registry.stop();
  }
  for (const server of tokenServers) await server?.stop();
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
    open = await tokenRegistry(tokens);
    lockedTokens = await startTokenServer({ users: { [USER]: TOKEN_PASSWORD }, anonymousPull: false });
    locked = await tokenRegistry(lockedTokens);
  });

  after(() => stop([open, locked], [tokens, lockedTokens]));

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
    basicRegistry = await htpasswdRegistry();
  });

  after(() => stop([basicRegistry], []));

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

/**
 * A directory to put first on PATH, holding `docker-credential-<name>`
 * scripts that follow the helper protocol: `get` reads the server URL on
 * stdin (no newline, as docker sends it), appends it to `calls.log`, and
 * does what `body` says.
 */
function credentialHelpers(t: TestContext, helpers: Record<string, string>): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const dir = temporaryDirectory(t);
  const log = path.join(dir, 'calls.log');
  for (const [name, body] of Object.entries(helpers)) {
    const file = path.join(dir, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n[ "$1" = get ] || exit 9\nurl=$(cat)\nprintf '%s %s\\n' ${name} "$url" >> '${log}'\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return {
    env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** A helper's answer: {"ServerURL", "Username", "Secret"} for the URL it was asked about. */
function answers(username: string, secret: string): string {
  return `printf '{"ServerURL":"%s","Username":"${username}","Secret":"${secret}"}' "$url"`;
}

function configFile(t: TestContext, config: object): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('credential helpers, identity tokens, podman auth.json and READMEGEN_REGISTRY_HOST', () => {
  const IDENTITY_TOKEN = 'idtok-5c1e77-Hq8w';
  const HELPER_LEAK = 'helperleak-0d93aa-Pf2s';
  let basicRegistry: Watched;
  let tokens: TokenServer;
  let locked: Watched;
  const rightBasic = `Basic ${basic(USER, HTPASSWD_PASSWORD)}`;
  const secrets = [HTPASSWD_PASSWORD, basic(USER, HTPASSWD_PASSWORD)];

  before(async () => {
    basicRegistry = await htpasswdRegistry();
    tokens = await startTokenServer({ users: { [USER]: TOKEN_PASSWORD }, anonymousPull: false, refreshTokens: { [IDENTITY_TOKEN]: USER } });
    locked = await tokenRegistry(tokens);
  });

  after(() => stop([basicRegistry, locked], [tokens]));

  test('credHelpers[host] is run with the host on stdin and wins over an "auths" entry for the host; the helper runs once per run', async (t) => {
    forget(basicRegistry);
    const host = basicRegistry.proxy.host;
    const dir = workspace(t, host);
    const helpers = credentialHelpers(t, { good: answers(USER, HTPASSWD_PASSWORD) });
    const config = configFile(t, { auths: { [host]: { auth: basic(USER, WRONG_PASSWORD) } }, credHelpers: { [host]: 'good' } });

    const run = await snapshot(dir, config, helpers.env);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assert.deepEqual(helpers.calls(), [`good ${host}`]);
    assert.deepEqual(new Set(basicRegistry.authorizations.slice(1)), new Set([rightBasic]));
    assertNoSecrets(run, dir, [...secrets, WRONG_PASSWORD]);
  });

  test('credsStore answers for a host without credHelpers; a credHelpers entry saying "credentials not found" means anonymous, not credsStore', async (t) => {
    const host = basicRegistry.proxy.host;
    const helpers = credentialHelpers(t, {
      store: answers(USER, HTPASSWD_PASSWORD),
      empty: 'echo "credentials not found in native keychain"; exit 1',
    });

    forget(basicRegistry);
    const storeDir = workspace(t, host);
    const fromStore = await snapshot(storeDir, configFile(t, { credsStore: 'store' }), helpers.env);
    assert.equal(fromStore.status, 0, fromStore.stderr);
    assert.ok(basicRegistry.authorizations.includes(rightBasic));
    assertNoSecrets(fromStore, storeDir, secrets);

    forget(basicRegistry);
    const dir = workspace(t, host);
    const run = await snapshot(dir, configFile(t, { credsStore: 'store', credHelpers: { [host]: 'empty' } }), helpers.env);

    assert.equal(run.status, 3, run.stderr);
    assert.match(oneLine(run.stderr), /none were found/);
    assert.ok(basicRegistry.authorizations.every((value) => value === undefined));
    assert.deepEqual(helpers.calls(), [`store ${host}`, `empty ${host}`]);
  });

  test('docker-credential-pass (Debian golang-docker-credential-helpers) as credsStore: the credentials it stored in pass, under a gpg key of the test', async (t) => {
    const host = basicRegistry.proxy.host;
    const home = temporaryDirectory(t);
    // pass encrypts to a gpg key: one without a passphrase, in a GNUPGHOME of this test, its agent stopped after.
    const env = { GNUPGHOME: path.join(home, 'gnupg'), PASSWORD_STORE_DIR: path.join(home, 'password-store') };
    mkdirSync(env.GNUPGHOME, { mode: 0o700 });
    t.after(() => spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, ...env } }));
    const run = (command: string, args: string[], input?: string) => {
      const result = spawnSync(command, args, { env: { ...process.env, ...env }, input, encoding: 'utf8' });
      assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    run('gpg', [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      'readme-gen test <test@example.invalid>',
      'default',
      'default',
      'never',
    ]);
    const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(run('gpg', ['--list-keys', '--with-colons']))?.[1] ?? '';
    run('pass', ['init', fingerprint]);
    run('docker-credential-pass', ['store'], JSON.stringify({ ServerURL: host, Username: USER, Secret: HTPASSWD_PASSWORD }));
    forget(basicRegistry);
    const dir = workspace(t, host);

    const snapshotRun = await snapshot(dir, configFile(t, { credsStore: 'pass' }), env);

    assert.equal(snapshotRun.status, 0, snapshotRun.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assert.ok(basicRegistry.authorizations.includes(rightBasic));
    assertNoSecrets(snapshotRun, dir, secrets);
  });

  const failures: [string, string, RegExp][] = [
    ['fails', `echo "${HELPER_LEAK}"; echo "${HELPER_LEAK}" >&2; exit 3`, /failed \(exit 3\)/],
    ['garbles', `echo "not json ${HELPER_LEAK}"`, /answer is not/],
    ['hangs', `echo "${HELPER_LEAK}"; sleep 30`, /no answer within 2 s/],
  ];
  for (const [name, body, says] of failures) {
    test(`a helper that ${name}: exit 3, one line naming the helper and the host, nothing it printed shown`, async (t) => {
      forget(basicRegistry);
      const host = basicRegistry.proxy.host;
      const dir = workspace(t, host);
      const helpers = credentialHelpers(t, { [name]: body });
      const started = Date.now();

      const run = await runCliAsync(['snapshot', '--timeout', '2', '--cache-dir', path.join(dir, 'cache')], dir, {
        DOCKER_CONFIG: configFile(t, { credHelpers: { [host]: name } }),
        ...helpers.env,
      });

      assert.equal(run.status, 3, run.stderr);
      const line = oneLine(run.stderr);
      assert.ok(line.includes(`docker-credential-${name}`) && line.includes(host), line);
      assert.match(line, says);
      assert.ok(Date.now() - started < 15_000, 'the timeout ended the helper');
      assert.deepEqual(basicRegistry.authorizations, [], 'nothing was sent to the registry');
      assertNoSecrets(run, dir, [HELPER_LEAK]);
    });
  }

  test('a helper that is not installed, or named by a path: exit 2 naming it and the config file', async (t) => {
    const host = basicRegistry.proxy.host;
    const dir = workspace(t, host);
    const config = configFile(t, { credsStore: 'readme-gen-test-missing' });

    const run = await snapshot(dir, config);

    assert.equal(run.status, 2, run.stderr);
    const line = oneLine(run.stderr);
    assert.ok(line.includes('docker-credential-readme-gen-test-missing') && line.includes(path.join(config, 'config.json')), line);

    const pathConfig = configFile(t, { credHelpers: { [host]: '../../bin/sh' } });
    const byPath = await snapshot(dir, pathConfig);
    assert.equal(byPath.status, 2, byPath.stderr);
    assert.match(oneLine(byPath.stderr), /credential helper "\.\.\/\.\.\/bin\/sh" is not a name/);
  });

  test('a helper answering <token>: the identity token is POSTed to the realm as grant_type=refresh_token, never sent as Basic nor to the registry', async (t) => {
    forget(locked);
    tokens.requests.splice(0);
    const host = locked.proxy.host;
    const dir = workspace(t, host);
    const helpers = credentialHelpers(t, { identity: answers('<token>', IDENTITY_TOKEN) });

    const run = await snapshot(dir, configFile(t, { credHelpers: { [host]: 'identity' } }), helpers.env);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      readState(dir).tags.map((tag) => tag.name),
      EXPECTED_TAGS,
    );
    assert.deepEqual(
      tokens.requests.map((request) => [request.method, request.grantType, request.user, request.authorization, request.status]),
      [['POST', 'refresh_token', USER, false, 200]],
    );
    assert.deepEqual(tokens.requests[0]?.form, [
      ['service', tokens.service],
      ['scope', `repository:${REPOSITORY}:pull`],
    ]);
    assert.deepEqual(tokens.requests[0]?.query, [], 'the token is in the body, not the URL');
    assert.ok(locked.authorizations.every((value) => value === undefined || value.startsWith('Bearer ')));
    assertNoSecrets(run, dir, [IDENTITY_TOKEN, ...bearerSecrets(locked.authorizations)]);
  });

  test('an "identitytoken" in auths is exchanged the same way; a refused one is exit 3 naming the file', async (t) => {
    const host = locked.proxy.host;
    tokens.requests.splice(0);
    const dir = workspace(t, host);
    const good = await snapshot(dir, configFile(t, { auths: { [host]: { identitytoken: IDENTITY_TOKEN } } }));
    assert.equal(good.status, 0, good.stderr);
    assert.deepEqual(
      tokens.requests.map((request) => [request.grantType, request.status]),
      [['refresh_token', 200]],
    );

    const config = configFile(t, { auths: { [host]: { identitytoken: 'revoked-token-a81f' } } });
    const refused = await snapshot(workspace(t, host), config);
    assert.equal(refused.status, 3, refused.stderr);
    const line = oneLine(refused.stderr);
    assert.ok(line.includes(path.join(config, 'config.json')) && line.includes('refused'), line);
    assertNoSecrets(refused, dir, ['revoked-token-a81f']);
  });

  test('podman auth.json: $REGISTRY_AUTH_FILE wins over the docker config; a namespace key applies to its repositories only', async (t) => {
    const host = basicRegistry.proxy.host;
    const authFileDir = temporaryDirectory(t);
    const authFile = path.join(authFileDir, 'auth.json');
    const wrongDocker = dockerConfig(t, { [host]: { auth: basic(USER, WRONG_PASSWORD) } });

    for (const [key, works] of [
      [host, true],
      [`${host}/acme`, true],
      [`${host}/acme/app`, true],
      [`${host}/other`, false],
    ] as const) {
      forget(basicRegistry);
      writeFileSync(authFile, JSON.stringify({ auths: { [key]: { auth: basic(USER, HTPASSWD_PASSWORD) } } }));
      const dir = workspace(t, host);
      const run = await snapshot(dir, wrongDocker, { REGISTRY_AUTH_FILE: authFile });
      assert.equal(run.status, works ? 0 : 3, `${key}: ${run.stderr}`);
      assert.equal(basicRegistry.authorizations.includes(rightBasic), works, key);
      assertNoSecrets(run, dir, [...secrets, WRONG_PASSWORD]);
    }
  });

  test('podman auth.json under $XDG_RUNTIME_DIR/containers when REGISTRY_AUTH_FILE is unset', async (t) => {
    forget(basicRegistry);
    const host = basicRegistry.proxy.host;
    const runtime = temporaryDirectory(t);
    mkdirSync(path.join(runtime, 'containers'));
    writeFileSync(
      path.join(runtime, 'containers', 'auth.json'),
      JSON.stringify({ auths: { [host]: { auth: basic(USER, HTPASSWD_PASSWORD) } } }),
    );
    const dir = workspace(t, host);

    const run = await snapshot(dir, dockerConfig(t), { XDG_RUNTIME_DIR: runtime });

    assert.equal(run.status, 0, run.stderr);
    assert.ok(basicRegistry.authorizations.includes(rightBasic));
  });

  test('READMEGEN_REGISTRY_HOST: the environment credentials go to that host only', async (t) => {
    const host = basicRegistry.proxy.host;
    for (const [named, works] of [
      [host, true],
      [locked.proxy.host, false],
    ] as const) {
      forget(basicRegistry);
      const dir = workspace(t, host);
      const run = await snapshot(dir, dockerConfig(t), { ...credentialEnv(USER, HTPASSWD_PASSWORD), READMEGEN_REGISTRY_HOST: named });
      assert.equal(run.status, works ? 0 : 3, run.stderr);
      assert.equal(
        basicRegistry.authorizations.some((value) => value !== undefined),
        works,
      );
      assertNoSecrets(run, dir, secrets);
    }
  });

  test('--all over two registries: credentials scoped by READMEGEN_REGISTRY_HOST never reach the other; unscoped ones are used for none, with one warning', async (t) => {
    const root = temporaryDirectory(t);
    for (const [name, host] of [
      ['basic', basicRegistry.proxy.host],
      ['token', locked.proxy.host],
    ] as const) {
      mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, name, 'readme-gen.yaml'), `name: ${name}\nlocation: ${host}/${REPOSITORY}\nstate: state.json\n`);
    }
    // The token registry answers with the identity token from auth.json; the basic one needs the environment's credentials.
    const authFile = path.join(temporaryDirectory(t), 'auth.json');
    writeFileSync(authFile, JSON.stringify({ auths: { [locked.proxy.host]: { identitytoken: IDENTITY_TOKEN } } }));
    const env = { ...credentialEnv(USER, HTPASSWD_PASSWORD), REGISTRY_AUTH_FILE: authFile };
    forget(basicRegistry);
    forget(locked);
    tokens.requests.splice(0);

    const scoped = await runCliAsync(['snapshot', '--all', '--quiet', '--cache-dir', path.join(root, 'cache')], root, {
      ...env,
      READMEGEN_REGISTRY_HOST: basicRegistry.proxy.host,
      DOCKER_CONFIG: dockerConfig(t),
    });

    assert.equal(scoped.status, 0, scoped.stderr);
    assert.ok(existsSync(path.join(root, 'basic', 'state.json')) && existsSync(path.join(root, 'token', 'state.json')));
    assert.ok(basicRegistry.authorizations.includes(rightBasic));
    assert.ok(tokens.requests.every((request) => request.user !== USER || request.grantType === 'refresh_token'));
    assert.ok(
      tokens.requests.every((request) => !request.authorization),
      'no Basic credentials went to the other registry',
    );
    assert.ok(!locked.authorizations.includes(rightBasic));

    forget(basicRegistry);
    const unscoped = await runCliAsync(['snapshot', '--all', '--cache-dir', path.join(root, 'cache-2')], root, {
      ...env,
      DOCKER_CONFIG: dockerConfig(t),
    });
    assert.equal(unscoped.status, 3, unscoped.stderr);
    assert.equal(unscoped.stderr.match(/READMEGEN_REGISTRY_HOST/g)?.length, 1, unscoped.stderr);
    assert.ok(basicRegistry.authorizations.every((value) => value === undefined));
    assertNoSecrets(scoped, root, [...secrets, IDENTITY_TOKEN]);
    assertNoSecrets(unscoped, root, [...secrets, IDENTITY_TOKEN]);
  });
});
