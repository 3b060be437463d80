/**
 * A registry that redirects every request elsewhere, as registry.k8s.io does
 * to Artifact Registry: Debian's nginx answers 307 for every /v2/ request,
 * to a docker-registry under another repository name with its own token
 * server. readme-gen follows, answers the second host's own challenge, and
 * the credentials configured for the first host never reach the second.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CountingProxy, startCountingProxy } from '../harness/counting-proxy.js';
import { type RedirectingFront, startRedirectingFront } from '../harness/nginx-server.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type TokenServer, startTokenServer } from '../harness/token-server.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const REPOSITORY = 'acme/app';
const PREFIX = 'mirror/images/';
const USER = 'ci';
const PASSWORD = 'frontpw-5c1e2b-Hq7w';

type TestContext = Parameters<typeof temporaryDirectory>[0];

function snapshot(t: TestContext, location: string, env: NodeJS.ProcessEnv = {}): Promise<{ run: CliRun; dir: string }> {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${location}\nstate: state.json\n`);
  return runCliAsync(['snapshot', '--json', '--cache-dir', path.join(dir, 'cache')], dir, {
    DOCKER_CONFIG: temporaryDirectory(t),
    ...env,
  }).then((run) => ({ run, dir }));
}

/** The state without what names where it was read from. */
function stateOf(dir: string): unknown {
  const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
  const { repository: _repository, ...rest } = state;
  return rest;
}

describe('a front answering 307 for every /v2/ request (nginx) to a registry with its own token server', () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let front: RedirectingFront;
  const authorizations: (string | undefined)[] = [];

  before(async () => {
    tokens = await startTokenServer({ users: { [USER]: PASSWORD }, anonymousPull: true });
    registry = await startRegistry({ auth: { token: tokens } });
    const pusher = new Pusher({
      registryUrl: registry.url,
      repository: `${PREFIX}${REPOSITORY}`,
      auth: { bearer: { tokenServer: tokens, username: USER, password: PASSWORD } },
    });
    await pusher.pushIndex({
      tag: 'latest',
      images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
    });
    const single = await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
    await pusher.pushManyTags('rc-', 3, single.digest);
    proxy = await startCountingProxy(registry.url, {
      intercept: (request) => {
        authorizations.push(request.headers.authorization);
        return undefined;
      },
    });
    front = await startRedirectingFront(proxy.url, PREFIX);
  });

  after(async () => {
    await front?.stop();
    await proxy?.stop();
    await registry?.stop();
    await tokens?.stop();
  });

  test("the state equals a direct read, and the front's credentials reach neither the second registry nor its token server", async (t) => {
    const direct = await snapshot(t, `${proxy.host}/${PREFIX}${REPOSITORY}`);
    assert.equal(direct.run.status, 0, direct.run.stderr);
    tokens.requests.splice(0);
    authorizations.splice(0);
    proxy.reset();

    // Credentials for the front's host, as a user of registry.k8s.io-like hosts would configure them.
    const { run, dir } = await snapshot(t, `${front.host}/${REPOSITORY}`, {
      READMEGEN_REGISTRY_USERNAME: USER,
      READMEGEN_REGISTRY_PASSWORD: PASSWORD,
    });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), stateOf(direct.dir));
    const frontLog = front.accessLog();
    assert.ok(frontLog.length > 0);
    assert.ok(
      frontLog.every((line) => / 307 -$/.test(line)),
      `every request to the front is redirected, none carries Authorization:\n${frontLog.join('\n')}`,
    );
    // The second host's challenge was answered with its own token, asked for anonymously, for the repository as it is named there.
    assert.ok(tokens.requests.length > 0);
    for (const request of tokens.requests) {
      assert.equal(request.authorization, false, JSON.stringify(request));
      assert.deepEqual(
        request.query.filter(([key]) => key === 'scope'),
        [['scope', `repository:${PREFIX}${REPOSITORY}:pull`]],
      );
    }
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    assert.ok(!authorizations.includes(basic), "the front's credentials never reach the second registry");
    assert.ok(
      authorizations.every((value) => value === undefined || value.startsWith('Bearer ')),
      JSON.stringify(authorizations),
    );
    assert.ok(
      proxy.requests.filter((request) => request.status === 401).length <= 1,
      'one challenge, then the token is reused across redirects',
    );
  });
});
