/**
 * Issue 15's catalog measure, part of `npm run bench`: `readme-gen snapshot
 * --all` over 1,500 images × 30 tags (45,000 tag look-ups) on docker-registry
 * with TLS on 127.0.0.1, behind a TCP relay that holds every chunk 10 ms each
 * way — a registry across the internet. The relay passes the TLS bytes as
 * they are, so ALPN still chooses the protocol: HTTP/2 (the default, 64
 * streams) against HTTP/1.1 (`--no-http2`, 16 connections), both cold.
 * Records, never fails: a missed target is written down.
 *
 * readme-gen runs as an asynchronously spawned child: the relay lives in this
 * process, and a blocking spawn would stop it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageFile } from '../src/package-root.js';
import { Pusher } from '../test/harness/push.js';
import { startRegistry } from '../test/harness/registry-server.js';
import { createTlsCa, issueServerCertificate } from '../test/harness/tls-certificates.js';

const IMAGES = 1_500;
const TAGS_PER_IMAGE = 30;
const DELAY_MS = 10;
const PUSHERS = 8;
/** the defaults of src/http/http-client.ts: requests in flight per host */
const STREAMS = 64;
const CONNECTIONS = 16;
const bin = packageFile('dist', 'src', 'cli', 'bin.js');

interface CatalogRun {
  ms: number;
  requests: Record<string, number>;
  protocols: Record<string, string>;
}

export async function catalogBenchmark(options: { startupMs: number }): Promise<string> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-bench-catalog-'));
  const ca = await createTlsCa();
  const certificate = await issueServerCertificate(ca, { ipAddresses: ['127.0.0.1'] });
  const registry = await startRegistry({ tls: { ...certificate, caPem: ca.certificatePem } });
  const relay = await startDelayRelay(Number(new URL(registry.url).port), DELAY_MS);
  try {
    say(`catalog: pushing ${IMAGES} images × ${TAGS_PER_IMAGE} tags over TLS`);
    const pushMs = await pushCatalog(registry.url, ca.certificatePem);
    const host = `127.0.0.1:${relay.port}`;
    trustInCertsD(scratch, host, ca.certificatePem);
    // Each run in a workspace of its own: a state file the other run wrote would be reused (issue 13), and the run not cold.
    say('catalog: snapshot --all over HTTP/2, cold');
    const h2 = await snapshotAll(catalogWorkspace(scratch, 'h2', host), path.join(scratch, 'cache-h2'), []);
    say('catalog: snapshot --all over HTTP/1.1 (--no-http2), cold');
    const h1 = await snapshotAll(catalogWorkspace(scratch, 'h1', host), path.join(scratch, 'cache-h1'), ['--no-http2']);
    return report({ pushMs, h2, h1, startupMs: options.startupMs });
  } finally {
    await relay.stop();
    await registry.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One repository per image, catalog/image-NNNN, each one single-platform image under 30 tags. */
async function pushCatalog(registryUrl: string, caPem: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < IMAGES; i = next++) {
      const pusher = new Pusher({ registryUrl, repository: repositoryOf(i), tls: { caPem } });
      const image = await pusher.pushImage({ tag: 'latest', platform: { os: 'linux', architecture: 'amd64' } });
      await pusher.pushManyTags('v', TAGS_PER_IMAGE - 1, image.digest);
      if (++done % 250 === 0) say(`catalog: pushed ${done}/${IMAGES} images (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  };
  await Promise.all(Array.from({ length: PUSHERS }, worker));
  return performance.now() - started;
}

function repositoryOf(i: number): string {
  return `catalog/image-${String(i).padStart(4, '0')}`;
}

/** A folder of IMAGES configs, what --all finds. */
function catalogWorkspace(scratch: string, name: string, host: string): string {
  const dir = path.join(scratch, name);
  for (let i = 0; i < IMAGES; i++) {
    const imageDir = path.join(dir, `image-${String(i).padStart(4, '0')}`);
    mkdirSync(imageDir, { recursive: true });
    writeFileSync(path.join(imageDir, 'readme-gen.yaml'), `name: image-${i}\nlocation: ${host}/${repositoryOf(i)}\nstate: state.json\n`);
  }
  return dir;
}

/** A certs.d, under the XDG_CONFIG_HOME the runs get, that trusts the test CA for the relay's address. */
function trustInCertsD(scratch: string, host: string, caPem: string): void {
  const certsD = path.join(scratch, 'xdg-config', 'containers', 'certs.d', host);
  mkdirSync(certsD, { recursive: true });
  writeFileSync(path.join(certsD, 'ca.crt'), caPem);
}

function snapshotAll(cwd: string, cacheDir: string, extra: string[]): Promise<CatalogRun> {
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(cwd, '..', 'xdg-config') };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'snapshot', '--all', '--quiet', '--json', '--cache-dir', cacheDir, ...extra], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => {
      const ms = performance.now() - started;
      if (status !== 0) return reject(new Error(`readme-gen snapshot --all ${extra.join(' ')} exited ${status}: ${stderr.slice(0, 2000)}`));
      const summary = JSON.parse(stdout) as { requests: Record<string, number>; protocols?: Record<string, string> };
      resolve({ ms, requests: summary.requests, protocols: summary.protocols ?? {} });
    });
  });
}

/**
 * A TCP relay to 127.0.0.1:`targetPort` that holds every chunk `delayMs` in
 * each direction, in order: the bytes are untouched (TLS, ALPN and all), only
 * late, as across a network with a 2 × delayMs round trip.
 */
async function startDelayRelay(targetPort: number, delayMs: number): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const delayed = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), delayMs));
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function report(results: { pushMs: number; h2: CatalogRun; h1: CatalogRun; startupMs: number }): string {
  const { h2, h1, startupMs } = results;
  const total = (run: CatalogRun) => Object.values(run.requests).reduce((sum, count) => sum + count, 0);
  const idealH2 = (total(h2) * 2 * DELAY_MS) / STREAMS + startupMs;
  const idealH1 = (total(h1) * 2 * DELAY_MS) / CONNECTIONS + startupMs;
  const speedup = h1.ms / h2.ms;
  const againstIdeal = h2.ms / idealH2;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const kinds = (run: CatalogRun) =>
    Object.entries(run.requests)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ');
  const protocols = (run: CatalogRun) => [...new Set(Object.values(run.protocols))].join(', ') || 'none recorded';
  return `## Catalog over HTTP/2 (issue 15)

\`readme-gen snapshot --all\` over ${IMAGES} images × ${TAGS_PER_IMAGE} tags (one repository per image, one single-platform image under ${TAGS_PER_IMAGE} tags; pushed in ${seconds(results.pushMs)} by ${PUSHERS} pushers) on docker-registry 2.8.2 with TLS (a test CA, given in certs.d) on 127.0.0.1, behind a TCP relay in the bench process that holds every chunk ${DELAY_MS} ms each way without touching the bytes, so ALPN still chooses the protocol. One cold run each (a fresh \`--cache-dir\`). Ideal: requests × ${2 * DELAY_MS} ms ÷ requests in flight + start-up (${Math.round(startupMs)} ms). The registry, readme-gen and the relay share this machine's 2 CPUs.

| what | measured | target | verdict | note |
| --- | --- | --- | --- | --- |
| HTTP/2 (default: ${STREAMS} streams on one connection per host) | ${seconds(h2.ms)}; ${total(h2)} requests: ${kinds(h2)}; protocol ${protocols(h2)} | ≥ 4× faster than HTTP/1.1; ≤ 1.2× the ideal | ${speedup >= 4 ? 'met' : '**missed**'}: ${speedup.toFixed(2)}×; ${againstIdeal <= 1.2 ? 'met' : '**missed**'}: ${againstIdeal.toFixed(2)}× | ideal ${seconds(idealH2)} |
| HTTP/1.1 (\`--no-http2\`: ${CONNECTIONS} connections) | ${seconds(h1.ms)}; ${total(h1)} requests: ${kinds(h1)}; protocol ${protocols(h1)} | — | — | ideal ${seconds(idealH1)} |
`;
}

// `node dist/bench/catalog.js`: this section alone, printed rather than written to BENCHMARKS.md.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(await catalogBenchmark({ startupMs: 0 }));

function say(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
