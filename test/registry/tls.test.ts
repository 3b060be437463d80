/**
 * Registries that speak TLS with a private CA, as self-hosted registries and
 * corporate mirrors do: docker-registry on 127.0.0.1 with a certificate from a
 * test CA, read directly (certs.d, as docker and podman find a registry's CA)
 * and through squid's CONNECT tunnel under a test name (the CA from certs.d or
 * from NODE_EXTRA_CA_CERTS). A certificate that does not verify fails at once,
 * saying where the CA goes; a registry asking for a client certificate gets
 * the one in certs.d.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageState } from '../../src/state/image-state.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type RunningSquid, startSquid } from '../harness/squid-server.js';
import {
  type IssuedCertificate,
  type TlsCa,
  createTlsCa,
  issueClientCertificate,
  issueServerCertificate,
} from '../harness/tls-certificates.js';
import { type CliRun, runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const REPOSITORY = 'acme/app';
/** .test is reserved (RFC 6761): only squid's hosts file knows it */
const TEST_NAME = 'registry.readme-gen.test';

type TestContext = Parameters<typeof temporaryDirectory>[0];

interface Snapshot {
  run: CliRun;
  state: () => ImageState;
}

/** `readme-gen snapshot` of `host`/acme/app in a fresh directory, with `certsD` (host → files) under its own XDG_CONFIG_HOME. */
async function snapshot(
  t: TestContext,
  host: string,
  options: { certsD?: Record<string, Record<string, string>>; env?: NodeJS.ProcessEnv; args?: string[] } = {},
): Promise<Snapshot> {
  const dir = temporaryDirectory(t);
  const configHome = path.join(dir, 'xdg-config');
  for (const [certsHost, files] of Object.entries(options.certsD ?? {})) {
    const hostDir = path.join(configHome, 'containers', 'certs.d', certsHost);
    mkdirSync(hostDir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(hostDir, name), content);
  }
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${host}/${REPOSITORY}\nstate: state.json\n`);
  const run = await runCliAsync(['snapshot', '--cache-dir', path.join(dir, 'cache'), ...(options.args ?? [])], dir, {
    XDG_CONFIG_HOME: configHome,
    ...options.env,
  });
  return { run, state: () => JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState };
}

function tagsOf(state: ImageState): Record<string, string> {
  return Object.fromEntries(state.tags.map((tag) => [tag.name, tag.digest]));
}

describe('a TLS registry with a private CA', () => {
  let tlsCa: TlsCa;
  let otherCa: TlsCa;
  let registry: RunningRegistry;
  let squid: RunningSquid;
  let pushed: Record<string, string>;
  /** 127.0.0.1:PORT, the registry's own address */
  let loopbackHost: string;
  /** registry.readme-gen.test:PORT, which only squid resolves */
  let namedHost: string;

  before(async () => {
    tlsCa = await createTlsCa();
    otherCa = await createTlsCa('another CA');
    const server = await issueServerCertificate(tlsCa, { dnsNames: [TEST_NAME], ipAddresses: ['127.0.0.1'] });
    registry = await startRegistry({ tls: { ...server, caPem: tlsCa.certificatePem } });
    const pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY, tls: { caPem: tlsCa.certificatePem } });
    const index = await pusher.pushIndex({
      tag: 'latest',
      images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
    });
    const single = await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
    pushed = { latest: index.digest, single: single.digest };
    loopbackHost = registry.host;
    namedHost = `${TEST_NAME}:${new URL(registry.url).port}`;
    squid = await startSquid({ [TEST_NAME]: '127.0.0.1' });
  });

  after(async () => {
    await squid?.stop();
    await registry?.stop();
  });

  test('on loopback, with its CA in certs.d: read over https, every tag and digest', async (t) => {
    const { run, state } = await snapshot(t, loopbackHost, { certsD: { [loopbackHost]: { 'ca.crt': tlsCa.certificatePem } } });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(tagsOf(state()), pushed);
  });

  test('HTTP/2 is negotiated (ALPN) unless --no-http2 says HTTP/1.1: the same state either way', async (t) => {
    const certsD = { [loopbackHost]: { 'ca.crt': tlsCa.certificatePem } };
    const h2 = await snapshot(t, loopbackHost, { certsD, args: ['--json'] });
    const h1 = await snapshot(t, loopbackHost, { certsD, args: ['--json', '--no-http2'] });

    for (const { run } of [h2, h1]) assert.equal(run.status, 0, run.stderr);
    const protocols = (run: CliRun) => (JSON.parse(run.stdout) as { protocols: Record<string, string> }).protocols;
    assert.deepEqual(protocols(h2.run), { [`https://${loopbackHost}`]: 'h2' });
    assert.deepEqual(protocols(h1.run), { [`https://${loopbackHost}`]: 'http/1.1' });
    assert.deepEqual(h2.state(), h1.state());
    assert.deepEqual(tagsOf(h2.state()), pushed);
  });

  test('on loopback without certs.d: plain HTTP is refused, and the error says where the CA goes', async (t) => {
    const { run } = await snapshot(t, loopbackHost);

    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, new RegExp(`${loopbackHost.replaceAll('.', '\\.')} speaks TLS`));
    assert.match(run.stderr, /certs\.d\/127\.0\.0\.1:\d+\/ca\.crt/);
  });

  test('a CA in certs.d that did not sign the certificate: exit 3 at the first attempt, naming certs.d and NODE_EXTRA_CA_CERTS', async (t) => {
    const { run } = await snapshot(t, loopbackHost, { certsD: { [loopbackHost]: { 'ca.crt': otherCa.certificatePem } } });

    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /TLS certificate of 127\.0\.0\.1:\d+ does not verify \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    assert.match(run.stderr, /certs\.d\/127\.0\.0\.1:\d+\/ca\.crt/);
    assert.match(run.stderr, /NODE_EXTRA_CA_CERTS/);
    assert.doesNotMatch(run.stderr, /attempts/, 'a certificate is not asked for again');
  });

  test('a ca.crt that is not a certificate: exit 2 naming the file', async (t) => {
    const { run } = await snapshot(t, loopbackHost, { certsD: { [loopbackHost]: { 'ca.crt': 'not a certificate\n' } } });

    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /certs\.d\/127\.0\.0\.1:\d+\/ca\.crt: no PEM certificate/);
  });

  test("through squid's CONNECT, the CA from NODE_EXTRA_CA_CERTS: the same tags, the tunnel in squid's log", async (t) => {
    const caFile = path.join(temporaryDirectory(t), 'test-ca.pem');
    writeFileSync(caFile, tlsCa.certificatePem);
    const before = squid.accessLog().length;

    const { run, state } = await snapshot(t, namedHost, { env: { HTTPS_PROXY: squid.url, NODE_EXTRA_CA_CERTS: caFile } });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(tagsOf(state()), pushed);
    const tunnels = squid.accessLog().slice(before);
    assert.ok(
      tunnels.some((line) => line.includes(`CONNECT ${namedHost}`)),
      tunnels.join('\n'),
    );
  });

  test("through squid's CONNECT, the CA from certs.d", async (t) => {
    const before = squid.accessLog().length;

    const { run, state } = await snapshot(t, namedHost, {
      certsD: { [namedHost]: { 'ca.crt': tlsCa.certificatePem } },
      env: { HTTPS_PROXY: squid.url },
    });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(tagsOf(state()), pushed);
    assert.ok(
      squid
        .accessLog()
        .slice(before)
        .some((line) => line.includes(`CONNECT ${namedHost}`)),
    );
  });

  test("through squid's CONNECT without the CA: exit 3, the certificate named as the cause", async (t) => {
    const { run } = await snapshot(t, namedHost, { env: { HTTPS_PROXY: squid.url } });

    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, new RegExp(`TLS certificate of ${namedHost.replaceAll('.', '\\.')} does not verify`));
  });
});

describe('a TLS registry that asks for a client certificate', () => {
  let tlsCa: TlsCa;
  let client: IssuedCertificate;
  let registry: RunningRegistry;

  before(async () => {
    tlsCa = await createTlsCa();
    const server = await issueServerCertificate(tlsCa, { ipAddresses: ['127.0.0.1'] });
    client = await issueClientCertificate(tlsCa, 'readme-gen test client');
    const probeClient = await issueClientCertificate(tlsCa, 'readiness probe');
    registry = await startRegistry({ tls: { ...server, caPem: tlsCa.certificatePem, clientCaPem: tlsCa.certificatePem, probeClient } });
    const pusher = new Pusher({
      registryUrl: registry.url,
      repository: REPOSITORY,
      tls: { caPem: tlsCa.certificatePem, client: probeClient },
    });
    await pusher.pushImage({ tag: 'latest', platform: { os: 'linux', architecture: 'amd64' } });
  });

  after(async () => {
    await registry?.stop();
  });

  test("certs.d's client.cert and client.key are presented: the run reads the registry", async (t) => {
    const files = { 'ca.crt': tlsCa.certificatePem, 'client.cert': client.certificatePem, 'client.key': client.keyPem };
    const { run, state } = await snapshot(t, registry.host, { certsD: { [registry.host]: files } });

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      state().tags.map((tag) => tag.name),
      ['latest'],
    );
  });

  test('without a client certificate: exit 3', async (t) => {
    const { run } = await snapshot(t, registry.host, { certsD: { [registry.host]: { 'ca.crt': tlsCa.certificatePem } } });

    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /127\.0\.0\.1:\d+/);
  });

  test('a client.cert without its key: exit 2 naming the file and the missing key', async (t) => {
    const { run } = await snapshot(t, registry.host, {
      certsD: { [registry.host]: { 'ca.crt': tlsCa.certificatePem, 'client.cert': client.certificatePem } },
    });

    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /client\.cert: a client certificate without its key; put client\.key beside it/);
  });
});
