/**
 * A registry that redirects every request elsewhere, as registry.k8s.io does
 * to Artifact Registry: Debian's nginx answers 307 for every /v2/ request,
 * to a docker-registry under another repository name with its own token
 * server. readme-gen follows, answers the second host's own challenge, and
 * the credentials configured for the first host never reach the second.
 * A second front, the counting proxy, answers the challenge of a registry of
 * its own first and redirects only after it: the first host's token stays
 * there too.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Intercept, type InterceptedRequest, startCountingProxy } from '../harness/counting-proxy.js';
import { type RedirectingFront, startRedirectingFront } from '../harness/nginx-server.js';
import { Pusher, pushSampleContent } from '../harness/push.js';
import { startRegistry } from '../harness/registry-server.js';
import { startTokenServer } from '../harness/token-server.js';
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

/** A registry with its own token server (anonymous pull as given), behind a proxy recording each request's Authorization. */
async function tokenRegistry(repository: string, anonymousPull: boolean, intercept?: Intercept) {
  const tokens = await startTokenServer({ users: { [USER]: PASSWORD }, anonymousPull });
  const registry = await startRegistry({ auth: { token: tokens } });
  await pushSampleContent(
    new Pusher({ registryUrl: registry.url, repository, auth: { bearer: { tokenServer: tokens, username: USER, password: PASSWORD } } }),
  );
  const authorizations: (string | undefined)[] = [];
  const proxy = await startCountingProxy(registry.url, {
    intercept: (request) => {
      authorizations.push(request.headers.authorization);
      return intercept?.(request);
    },
  });
  return {
    tokens,
    proxy,
    authorizations,
    async stop() {
      await proxy.stop();
      await registry.stop();
      await tokens.stop();
    },
  };
}

describe('a front answering 307 for every /v2/ request (nginx) to a registry with its own token server', () => {
  let second: Awaited<ReturnType<typeof tokenRegistry>>;
  let front: RedirectingFront;
  /** while set, answers for the second registry (its tag list in pages) */
  let pages:
    ((request: InterceptedRequest) => Promise<{ status: number; headers: Record<string, string>; body: Buffer }> | undefined) | undefined;

  before(async () => {
    second = await tokenRegistry(`${PREFIX}${REPOSITORY}`, true, (request) => pages?.(request));
    front = await startRedirectingFront(second.proxy.url, PREFIX);
  });

  after(async () => {
    await front?.stop();
    await second?.stop();
  });

  test("the state equals a direct read, and the front's credentials reach neither the second registry nor its token server", async (t) => {
    const { tokens, proxy, authorizations } = second;
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

  test('a relative Link in the redirected tag list is resolved against the host that answered, not the front', async (t) => {
    const direct = await snapshot(t, `${second.proxy.host}/${PREFIX}${REPOSITORY}`);
    assert.equal(direct.run.status, 0, direct.run.stderr);
    const list = `/v2/${PREFIX}${REPOSITORY}/tags/list`;
    const nextPage = `${list}?n=1000&last=page-one`;
    // The first page holds one tag and a relative Link, as paginating registries send it; the second is the registry's whole list.
    pages = (request) =>
      request.method === 'GET' && request.path === `${list}?n=1000` && request.headers.authorization !== undefined
        ? request.forward().then((answer) => {
            const listing = JSON.parse(answer.body.toString('utf8')) as { name: string; tags: string[] };
            return {
              status: 200,
              headers: { 'content-type': 'application/json', link: `<${nextPage}>; rel="next"` },
              body: Buffer.from(JSON.stringify({ name: listing.name, tags: listing.tags.slice(0, 1) })),
            };
          })
        : undefined;
    t.after(() => (pages = undefined));
    const frontSeen = front.accessLog().length;
    second.proxy.reset();

    const { run, dir } = await snapshot(t, `${front.host}/${REPOSITORY}`);

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), stateOf(direct.dir));
    assert.ok(
      second.proxy.requests.some((request) => request.path === nextPage && request.status === 200),
      'the second page was asked of the host that answered the first',
    );
    const frontLog = front.accessLog().slice(frontSeen);
    assert.ok(
      !frontLog.some((line) => line.includes('last=page-one')),
      `the front was never asked for the second page:\n${frontLog.join('\n')}`,
    );
  });
});

describe('a registry that answers its own challenge, then redirects every manifest, blob and referrers request to another', () => {
  let second: Awaited<ReturnType<typeof tokenRegistry>>;
  let first: Awaited<ReturnType<typeof tokenRegistry>>;

  before(async () => {
    second = await tokenRegistry(REPOSITORY, true);
    // Only requests that carry the first host's token are redirected: readme-gen has answered its challenge by then.
    first = await tokenRegistry(REPOSITORY, false, (request) =>
      request.headers.authorization !== undefined && /\/(?:manifests|blobs|referrers)\//.test(request.path)
        ? { status: 307, headers: { location: `${second.proxy.url}${request.path}` } }
        : undefined,
    );
  });

  after(async () => {
    await first?.stop();
    await second?.stop();
  });

  test("the user's credentials reach only the first host's token server, its token only the first host", async (t) => {
    const direct = await snapshot(t, `${second.proxy.host}/${REPOSITORY}`);
    assert.equal(direct.run.status, 0, direct.run.stderr);
    second.tokens.requests.splice(0);
    second.authorizations.splice(0);

    const { run, dir } = await snapshot(t, `${first.proxy.host}/${REPOSITORY}`, {
      READMEGEN_REGISTRY_USERNAME: USER,
      READMEGEN_REGISTRY_PASSWORD: PASSWORD,
    });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(stateOf(dir), stateOf(direct.dir));
    assert.ok(first.tokens.requests.length > 0 && first.tokens.requests.every((request) => request.user === USER));
    assert.ok(second.tokens.requests.length > 0);
    assert.ok(
      second.tokens.requests.every((request) => !request.authorization),
      JSON.stringify(second.tokens.requests),
    );
    const firstTokens = new Set(first.authorizations.filter((value) => value !== undefined));
    assert.ok(firstTokens.size > 0);
    assert.ok(second.authorizations.length > 0);
    for (const value of second.authorizations) {
      assert.ok(value === undefined || (value.startsWith('Bearer ') && !firstTokens.has(value)), "only the second host's own token");
    }
  });
});
