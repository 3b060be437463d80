/**
 * The HTTP client over HTTP/2, against Node's own HTTP/2 server with TLS on
 * 127.0.0.1 (one that also speaks HTTP/1.1, as registries' fronts do): ALPN
 * picks h2 unless the client says HTTP/1.1 only; on h2 the client keeps
 * `streams` requests in flight over one connection, on HTTP/1.1 `concurrency`
 * over as many connections; and the faults a registry's HTTP/2 front shows —
 * a 503, a stream reset, the connection going away (GOAWAY), an answer that
 * never comes — are met as over HTTP/1.1: retried, or one clear error.
 */
import assert from 'node:assert/strict';
import { type Http2ServerRequest, type Http2ServerResponse, constants, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from '../../src/errors.js';
import { HttpClient, type HttpOptions } from '../../src/http/http-client.js';
import { createTlsCa, issueServerCertificate } from '../harness/tls-certificates.js';

type Handler = (request: Http2ServerRequest, response: Http2ServerResponse) => void | Promise<void>;

interface Server {
  url: string;
  /** requests being answered right now, and the most at once since the last reset */
  inFlight: { now: number; max: number };
  /** TLS connections accepted, by the protocol ALPN chose */
  connections: Record<string, number>;
  /** requests seen, by path */
  seen: Map<string, number>;
  handle: Handler | undefined;
  reset(): void;
}

function client(caPem: string, options: Partial<HttpOptions> = {}): HttpClient<'get'> {
  return new HttpClient(
    {
      kinds: ['get'],
      name: 'the test server',
      error: (message, errorOptions) => new RegistryError(message, errorOptions),
      unresolvableFix: 'n/a',
      refusedFix: 'n/a',
    },
    { tlsFor: () => ({ ca: [caPem] }), backoffMs: 10, maxRetries: 2, timeoutMs: 2_000, ...options },
  );
}

describe('HTTP/2 to a TLS host', () => {
  let caPem: string;
  let server: Server;
  let close: () => Promise<void>;

  before(async () => {
    const ca = await createTlsCa();
    caPem = ca.certificatePem;
    const certificate = await issueServerCertificate(ca, { ipAddresses: ['127.0.0.1'] });
    const http2 = createSecureServer({ cert: certificate.certificatePem, key: certificate.keyPem, allowHTTP1: true });
    const state: Server = {
      url: '',
      inFlight: { now: 0, max: 0 },
      connections: {},
      seen: new Map(),
      handle: undefined,
      reset() {
        this.inFlight = { now: 0, max: 0 };
        this.connections = {};
        this.seen.clear();
        this.handle = undefined;
      },
    };
    http2.on('secureConnection', (socket: { alpnProtocol?: string | false }) => {
      const protocol = socket.alpnProtocol || 'none';
      state.connections[protocol] = (state.connections[protocol] ?? 0) + 1;
    });
    http2.on('request', (request: Http2ServerRequest, response: Http2ServerResponse) => {
      const path = request.url;
      state.seen.set(path, (state.seen.get(path) ?? 0) + 1);
      state.inFlight.now++;
      state.inFlight.max = Math.max(state.inFlight.max, state.inFlight.now);
      response.on('close', () => state.inFlight.now--);
      void (async () => {
        if (state.handle) await state.handle(request, response);
        else {
          await sleep(30);
          response.end(`ok ${path}`);
        }
      })();
    });
    await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
    state.url = `https://127.0.0.1:${(http2.address() as AddressInfo).port}`;
    server = state;
    close = () => new Promise((resolve) => http2.close(() => resolve()));
  });

  after(async () => {
    await close?.();
  });

  async function getMany(http: HttpClient<'get'>, count: number): Promise<string[]> {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        http.send({ method: 'GET', url: `${server.url}/item/${index}`, kind: 'get', maxBytes: 1024 }),
      ),
    );
    return answers.map((answer) => answer.body.toString('utf8'));
  }

  test('ALPN chooses h2: 200 requests over one connection, 64 in flight at most and at some point', async () => {
    server.reset();
    const http = client(caPem);
    try {
      const bodies = await getMany(http, 200);
      assert.deepEqual(
        bodies,
        Array.from({ length: 200 }, (_, index) => `ok /item/${index}`),
      );
      assert.deepEqual(http.stats.protocols, { [server.url]: 'h2' });
      assert.deepEqual(server.connections, { h2: 1 });
      assert.equal(server.inFlight.max, 64);
    } finally {
      await http.close();
    }
  });

  test('--concurrency N on h2: N streams in flight', async () => {
    server.reset();
    const http = client(caPem, { concurrency: 8, streams: 8 });
    try {
      await getMany(http, 50);
      assert.equal(server.inFlight.max, 8);
    } finally {
      await http.close();
    }
  });

  test('HTTP/1.1 only (--no-http2): 16 connections, 16 in flight', async () => {
    server.reset();
    const http = client(caPem, { http2: false });
    try {
      await getMany(http, 100);
      assert.deepEqual(http.stats.protocols, { [server.url]: 'http/1.1' });
      assert.equal(server.connections['http/1.1'], 16);
      assert.equal(server.connections.h2, undefined);
      assert.equal(server.inFlight.max, 16);
    } finally {
      await http.close();
    }
  });

  test('a 503 on h2 is retried, and the retry answered', async () => {
    server.reset();
    server.handle = (request, response) => {
      response.statusCode = server.seen.get(request.url) === 1 ? 503 : 200;
      response.end('answer');
    };
    const http = client(caPem);
    try {
      const response = await http.send({ method: 'GET', url: `${server.url}/flaky`, kind: 'get', maxBytes: 1024 });
      assert.equal(response.status, 200);
      assert.equal(server.seen.get('/flaky'), 2);
      assert.equal(http.stats.retries, 1);
    } finally {
      await http.close();
    }
  });

  test('a stream reset (RST_STREAM) is retried, and the retry answered', async () => {
    server.reset();
    server.handle = (request, response) => {
      if (server.seen.get(request.url) === 1) response.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      else response.end('after the reset');
    };
    const http = client(caPem);
    try {
      const response = await http.send({ method: 'GET', url: `${server.url}/reset`, kind: 'get', maxBytes: 1024 });
      assert.equal(response.body.toString('utf8'), 'after the reset');
      assert.equal(server.seen.get('/reset'), 2);
    } finally {
      await http.close();
    }
  });

  test('the connection going away (GOAWAY) mid-run: the requests after it go on a new connection, all answered', async () => {
    server.reset();
    let goneAway = false;
    server.handle = async (request, response) => {
      await sleep(20);
      if (!goneAway && request.url === '/item/10') {
        goneAway = true;
        response.stream.session?.goaway(constants.NGHTTP2_NO_ERROR);
      }
      response.end(`ok ${request.url}`);
    };
    const http = client(caPem);
    try {
      const bodies = await getMany(http, 100);
      assert.equal(new Set(bodies).size, 100);
      assert.ok(goneAway);
      assert.ok((server.connections.h2 ?? 0) >= 2, JSON.stringify(server.connections));
    } finally {
      await http.close();
    }
  });

  test('an answer that never comes: the timeout ends it, retried, then one error naming the request', async () => {
    server.reset();
    server.handle = () => undefined; // never answers
    const http = client(caPem, { timeoutMs: 200, maxRetries: 1 });
    try {
      await assert.rejects(
        http.send({ method: 'GET', url: `${server.url}/silent`, kind: 'get', maxBytes: 1024 }),
        (error: unknown) =>
          error instanceof RegistryError && /GET https:\/\/127\.0\.0\.1:\d+\/silent: .*\(after 2 attempts\)/.test(error.message),
      );
      assert.equal(server.seen.get('/silent'), 2);
    } finally {
      await http.close();
    }
  });
});
