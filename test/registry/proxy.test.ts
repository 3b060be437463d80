/**
 * readme-gen behind an HTTP proxy (Debian's squid), as on corporate networks
 * and self-hosted runners: HTTP_PROXY/HTTPS_PROXY are used for every host but
 * loopback (always direct) and those NO_PROXY names. The registry's name here
 * resolves only in squid's own hosts file, and every readme-gen a test starts
 * dies (loopback guard, exit 97) on a direct connection to a name that is not
 * loopback: a run that works went through the proxy.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GUARD_EXIT_CODE, TEST_HOSTS_ENV } from '../harness/loopback-guard.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type RunningSquid, startSquid } from '../harness/squid-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const REPOSITORY = 'acme/app';
/** .test is reserved (RFC 6761): no resolver but squid's hosts file knows it */
const PROXIED_NAME = 'registry.readme-gen.test';

type TestContext = Parameters<typeof temporaryDirectory>[0];

function snapshot(t: TestContext, host: string, env: NodeJS.ProcessEnv = {}): Promise<{ run: CliRun; dir: string }> {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${host}/${REPOSITORY}\nstate: state.json\n`);
  const args = ['snapshot', '--json', '--cache-dir', path.join(dir, 'cache'), '--insecure-registry', host];
  return runCliAsync(args, dir, { DOCKER_CONFIG: temporaryDirectory(t), ...env }).then((run) => ({ run, dir }));
}

/** The state without the location it was read from. */
function stateOf(dir: string): unknown {
  const { repository: _repository, ...rest } = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
  return rest;
}

describe('HTTP_PROXY/HTTPS_PROXY/NO_PROXY with squid', () => {
  let registry: RunningRegistry;
  let squid: RunningSquid;
  let proxiedHost: string;

  before(async () => {
    registry = await startRegistry();
    const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
    await pusher.pushIndex({
      tag: 'latest',
      images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
    });
    await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
    squid = await startSquid({ [PROXIED_NAME]: '127.0.0.1' });
    proxiedHost = `${PROXIED_NAME}:${new URL(registry.url).port}`;
  });

  /** The state as a run without any proxy reads it. */
  async function directState(t: TestContext): Promise<unknown> {
    const { run, dir } = await snapshot(t, registry.host);
    assert.equal(run.status, 0, run.stderr);
    return stateOf(dir);
  }

  after(async () => {
    await squid?.stop();
    await registry?.stop();
  });

  test("a registry reached only through the proxy: the same state as a direct read, every request in squid's log", async (t) => {
    const direct = await directState(t);
    const before = squid.accessLog().length;

    const { run, dir } = await snapshot(t, proxiedHost, { HTTP_PROXY: squid.url, https_proxy: squid.url });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), direct);
    const relayed = squid.accessLog().slice(before);
    assert.ok(relayed.length > 0, 'squid relayed the requests');
    assert.ok(
      relayed.every((line) => line.includes(PROXIED_NAME)),
      relayed.join('\n'),
    );
  });

  test('a loopback registry is read directly, even with the proxy down', async (t) => {
    const down = 'http://127.0.0.1:9';
    const { run, dir } = await snapshot(t, registry.host, { HTTP_PROXY: down, HTTPS_PROXY: down });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), await directState(t));
  });

  test('a host NO_PROXY names is connected to directly, not through the proxy', async (t) => {
    const before = squid.accessLog().length;

    const { run } = await snapshot(t, proxiedHost, { HTTP_PROXY: squid.url, no_proxy: `localhost,${PROXIED_NAME}` });

    // Offline, that name resolves only through squid: the direct connection is what the guard stops.
    assert.equal(run.status, GUARD_EXIT_CODE, run.stderr);
    assert.match(run.stderr, new RegExp(`tried to connect to ${PROXIED_NAME.replaceAll('.', '\\.')}`));
    assert.equal(squid.accessLog().length, before, 'squid saw nothing');
  });

  test('with the proxy down, a host NO_PROXY names is still read: the same state as a direct read', async (t) => {
    const down = 'http://127.0.0.1:9';
    // The name resolves to the registry here (the guard's hosts map), so a direct connection can succeed.
    const env = {
      HTTP_PROXY: down,
      HTTPS_PROXY: down,
      NO_PROXY: `example.com,${PROXIED_NAME}`,
      [TEST_HOSTS_ENV]: `${PROXIED_NAME}=127.0.0.1`,
    };

    const { run, dir } = await snapshot(t, proxiedHost, env);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), await directState(t));
  });

  test('with the proxy down and the host not in NO_PROXY: exit 3 naming the proxy, not the registry, without its credentials', async (t) => {
    const down = 'http://proxy-user:proxy-secret@127.0.0.1:9';
    const { run } = await snapshot(t, proxiedHost, { HTTP_PROXY: down, [TEST_HOSTS_ENV]: `${PROXIED_NAME}=127.0.0.1` });

    assert.equal(run.status, 3, run.stderr);
    assert.match(
      run.stderr,
      /the proxy http:\/\/127\.0\.0\.1:9 \(HTTP_PROXY\) cannot be reached \(ECONNREFUSED\); start it, fix HTTP_PROXY, or name the host in NO_PROXY/,
    );
    assert.doesNotMatch(run.stderr, /proxy-user|proxy-secret/);
  });
});
