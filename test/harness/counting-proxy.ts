/**
 * A loopback reverse proxy in front of a test registry: it forwards every
 * request unchanged (method, path and query, headers including Host and
 * Authorization, body) and records what went through, so tests can count the
 * requests a client makes. Host is kept so the registry builds its absolute
 * URLs (upload Locations) with the proxy's address, keeping a client behind it.
 *
 * `delayMs` makes the registry look far away (a benchmark over the internet):
 * each request waits that long before it is forwarded, and each response that
 * long before it is returned. `intercept` is the hook for fault injection: it
 * sees each request first and may answer it itself — with a canned response
 * (possibly the registry's own answer, from `request.forward()`, altered), a
 * body streamed chunk by chunk (large, or slow: the producer may sleep), a
 * body cut short by closing or resetting the connection, or no answer at all
 * (RESET). An intercept that sleeps stalls the response.
 *
 * Forwarded bodies are buffered whole (test images are small), which keeps
 * the delay and the byte count simple; streamed canned bodies never are.
 */
import {
  Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
  createServer,
  request as httpRequest,
} from 'node:http';
import { type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session, constants, createSecureServer } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOOPBACK, closeServer, listenOnLoopback } from './loopback.js';

export interface ProxiedRequest {
  method: string;
  /** path with query, as the client sent it */
  path: string;
  status: number;
  /** response body bytes sent to the client (headers not counted) */
  bytesOut: number;
  /** true when `intercept` answered instead of the registry */
  intercepted: boolean;
  /** ms the registry took to answer, the delays not included (0 when `intercept` answered) */
  upstreamMs: number;
}

/** A request as `intercept` sees it, body read in full. */
export interface InterceptedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the registry's answer to this request (sent there now, without the delay), for an intercept that alters it */
  forward(): Promise<CannedResponse & { body: Buffer }>;
}

export interface CannedResponse {
  /** 0: no answer at all, only `finish` ('close' or 'reset') on the bare connection */
  status: number;
  /** Content-Length defaults to the length of `body`; set it here to claim another (a truncated body) */
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string;
  /**
   * Written after `body`, chunk by chunk as it is produced and never held
   * whole: a body too large to buffer, or a slow one (the producer may sleep
   * between chunks). Without a Content-Length in `headers` it is sent chunked.
   * Production stops when the client goes away.
   */
  stream?: AsyncIterable<Buffer> | Iterable<Buffer>;
  /**
   * How the response ends once its bytes are written: 'end' (the default) as
   * usual; 'close' the connection (FIN, after what was written is sent) or
   * 'reset' it (TCP RST, which may discard what was not yet sent), without
   * ending the message — with a Content-Length larger than what was sent, a
   * truncated body.
   */
  finish?: 'end' | 'close' | 'reset';
}

export type Intercept = (request: InterceptedRequest) => CannedResponse | undefined | Promise<CannedResponse | undefined>;

/** No answer at all: the connection is reset (TCP RST) before a status line is sent. */
export const RESET: CannedResponse = { status: 0, finish: 'reset' };

export interface CountingProxyOptions {
  /** delay in each direction, in ms */
  delayMs?: number;
  /** answers a request itself by returning a response; undefined forwards it */
  intercept?: Intercept;
  /**
   * Serve HTTP/2 over TLS with this certificate (ALPN h2 only) instead of
   * plain HTTP/1.1: the same requests, intercepts and records, and a
   * `finish` that ends one stream (RST_STREAM) rather than a connection that
   * carries only that request.
   */
  tls?: { certificatePem: string; keyPem: string };
}

export interface CountingProxy {
  /** http://127.0.0.1:PORT, or https:// with `tls` */
  url: string;
  host: string;
  requests: ProxiedRequest[];
  /** the most requests it held at once (from arrival to the response sent), since start or reset: what a client had in flight */
  readonly peakInFlight: number;
  /** forgets the recorded requests and the peak */
  reset(): void;
  stop(): Promise<void>;
}

/** Requests by kind — HEAD, GET tags, GET manifests, GET blobs, GET referrers — as request-economy checks count them. */
export function countByKind(requests: readonly { method: string; path: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) {
    const kind =
      request.method === 'HEAD' ? 'HEAD' : `GET ${/\/(tags|manifests|blobs|referrers)\//.exec(request.path)?.[1] ?? request.path}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export async function startCountingProxy(targetUrl: string, options: CountingProxyOptions = {}): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  const load = { inFlight: 0, peak: 0 };
  const serve = (request: IncomingMessage | Http2ServerRequest, peer: Peer) => {
    load.peak = Math.max(load.peak, ++load.inFlight);
    handle(request, peer, { target, agent, options })
      .then((record) => requests.push(record))
      .catch((error: unknown) => peer.fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => load.inFlight--);
  };
  const sessions = new Set<ServerHttp2Session>();
  const server = options.tls
    ? createSecureServer({ cert: options.tls.certificatePem, key: options.tls.keyPem, allowHTTP1: false }, (request, response) =>
        serve(request, http2Peer(response)),
      ).on('session', (session: ServerHttp2Session) => {
        sessions.add(session);
        session.once('close', () => sessions.delete(session));
      })
    : createServer((request, response) => serve(request, http1Peer(request, response)));
  const port = await listenOnLoopback(server);
  return {
    url: `${options.tls ? 'https' : 'http'}://${LOOPBACK}:${port}`,
    host: `${LOOPBACK}:${port}`,
    requests,
    get peakInFlight() {
      return load.peak;
    },
    reset: () => {
      requests.splice(0);
      load.peak = load.inFlight;
    },
    async stop() {
      if ('closeAllConnections' in server) await closeServer(server);
      else {
        // An HTTP/2 server's close() waits for its sessions, which a client keeps open: end them now.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const session of sessions) session.destroy();
        await closed;
      }
      agent.destroy();
    },
  };
}

/**
 * The answering side of one request, over either protocol: what a fault
 * does to "the connection" is, on HTTP/2, done to the request's own stream,
 * as the other streams of that connection are other requests.
 */
interface Peer {
  /** the client has gone: there is no one to answer */
  gone(): boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): void;
  /** writes `chunk`, waiting while the client's buffer is full; false once the client has gone */
  write(chunk: Buffer): Promise<boolean>;
  end(body?: Buffer): void;
  /** ends the exchange without ending the message: 'close' after what was written is sent, 'reset' at once */
  abort(finish: 'close' | 'reset'): void;
  fail(error: Error): void;
}

function http1Peer(request: IncomingMessage, response: ServerResponse): Peer {
  return {
    gone: () => response.socket === null || response.socket.destroyed,
    writeHead: (status, headers) => void response.writeHead(status, headers),
    write: (chunk) => writeWithDrain(response, chunk, () => response.socket === null || response.socket.destroyed),
    end: (body) => void response.end(body),
    abort: (finish) => {
      // Before the head is written the request's socket is the only handle; after it, end() lets what was written reach the client first.
      const socket = response.socket ?? request.socket;
      if (finish === 'close') {
        if (response.headersSent) socket.end();
        else socket.destroy();
      } else socket.resetAndDestroy();
    },
    fail: (error) => void response.destroy(error),
  };
}

function http2Peer(response: Http2ServerResponse): Peer {
  const { stream } = response;
  return {
    gone: () => stream.destroyed || stream.closed,
    writeHead: (status, headers) => void response.writeHead(status, headers),
    write: (chunk) => writeWithDrain(response, chunk, () => stream.destroyed || stream.closed),
    end: (body) => void (body === undefined ? response.end() : response.end(body)),
    // NO_ERROR after the data frames already queued (a stream cut short), INTERNAL_ERROR at once (a reset).
    abort: (finish) => stream.close(finish === 'close' ? constants.NGHTTP2_NO_ERROR : constants.NGHTTP2_INTERNAL_ERROR),
    fail: () => stream.close(constants.NGHTTP2_INTERNAL_ERROR),
  };
}

interface ProxyContext {
  target: URL;
  agent: Agent;
  options: CountingProxyOptions;
}

async function handle(request: IncomingMessage | Http2ServerRequest, peer: Peer, context: ProxyContext): Promise<ProxiedRequest> {
  const incoming: InterceptedRequest = {
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    headers: request.headers,
    body: await readBody(request),
    forward: async () => {
      const reply = await forward(incoming, context, 0);
      // The length of the body as the intercept leaves it, not as the registry sent it (HEAD keeps the resource's).
      if (incoming.method !== 'HEAD') delete reply.headers['content-length'];
      return reply;
    },
  };
  const delayMs = context.options.delayMs ?? 0;
  const canned = await context.options.intercept?.(incoming);
  if (canned?.status === 0) {
    peer.abort(canned.finish === 'close' ? 'close' : 'reset');
    return { method: incoming.method, path: incoming.path, intercepted: true, upstreamMs: 0, status: 0, bytesOut: 0 };
  }
  const reply = canned ? cannedReply(canned) : await forward(incoming, context, delayMs);
  const record = { method: incoming.method, path: incoming.path, intercepted: canned !== undefined, upstreamMs: reply.upstreamMs };
  if (delayMs > 0) await sleep(delayMs);
  // The client may have given up while the intercept stalled: there is no one to answer.
  if (peer.gone()) return { ...record, status: reply.status, bytesOut: 0 };
  peer.writeHead(reply.status, reply.headers);
  if (!canned?.stream && (canned?.finish ?? 'end') === 'end') {
    peer.end(reply.body);
    return { ...record, status: reply.status, bytesOut: reply.body.length };
  }
  let bytesOut = (await peer.write(reply.body)) ? reply.body.length : 0;
  // for await takes a sync iterable too; the cast only gives the chunks their type.
  for await (const chunk of (canned?.stream ?? []) as AsyncIterable<Buffer>) {
    if (!(await peer.write(chunk))) break;
    bytesOut += chunk.length;
  }
  const finish = canned?.finish ?? 'end';
  if (finish === 'end') peer.end();
  else peer.abort(finish);
  return { ...record, status: reply.status, bytesOut };
}

/** What writeWithDrain needs of a response, either protocol's. */
interface DrainingWriter {
  write(chunk: Buffer): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Writes `chunk`, waiting while the client's buffer is full; false once the client has gone. */
async function writeWithDrain(response: DrainingWriter, chunk: Buffer, gone: () => boolean): Promise<boolean> {
  if (gone()) return false;
  if (chunk.length === 0 || response.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
  return !gone();
}

interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  upstreamMs: number;
}

function cannedReply(canned: CannedResponse): Reply {
  const body = Buffer.from(canned.body ?? '');
  // A streamed body's length is known only if the headers say it; otherwise it goes chunked.
  const length = canned.stream ? {} : { 'content-length': body.length };
  return { status: canned.status, headers: { ...length, ...canned.headers }, body, upstreamMs: 0 };
}

async function forward(incoming: InterceptedRequest, context: ProxyContext, delayMs: number): Promise<Reply> {
  if (delayMs > 0) await sleep(delayMs);
  const sentAt = performance.now();
  const headers = endToEnd(incoming.headers);
  if (incoming.body.length > 0) headers['content-length'] = incoming.body.length;
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: context.target.hostname,
        port: context.target.port,
        method: incoming.method,
        path: incoming.path,
        headers,
        agent: context.agent,
      },
      resolve,
    );
    outgoing.once('error', reject);
    outgoing.end(incoming.body);
  });
  const body = await readBody(upstream);
  const replyHeaders = endToEnd(upstream.headers);
  // HEAD and 304 keep the upstream Content-Length, which describes the resource, not this empty body.
  if (incoming.method !== 'HEAD' && upstream.statusCode !== 304) replyHeaders['content-length'] = body.length;
  return { status: upstream.statusCode ?? 502, headers: replyHeaders, body, upstreamMs: performance.now() - sentAt };
}

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    // HTTP/2's pseudo-headers (:method, :path, :authority, :scheme) are the request line, not headers to pass on.
    if (value !== undefined && !HOP_BY_HOP.has(name) && !name.startsWith(':')) kept[name] = value;
  }
  return kept;
}

async function readBody(stream: IncomingMessage | Http2ServerRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
