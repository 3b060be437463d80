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
 * sees each request first and may answer it itself.
 *
 * Bodies are buffered whole (test images are small), which keeps the delay
 * and the byte count simple.
 */
import { Agent, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse, createServer, request as httpRequest } from 'node:http';
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
}

/** A request as `intercept` sees it, body read in full. */
export interface InterceptedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CannedResponse {
  status: number;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string;
}

export type Intercept = (request: InterceptedRequest) => CannedResponse | undefined | Promise<CannedResponse | undefined>;

export interface CountingProxyOptions {
  /** delay in each direction, in ms */
  delayMs?: number;
  /** answers a request itself by returning a response; undefined forwards it */
  intercept?: Intercept;
}

export interface CountingProxy {
  url: string;
  host: string;
  requests: ProxiedRequest[];
  /** forgets the recorded requests */
  reset(): void;
  stop(): Promise<void>;
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export async function startCountingProxy(targetUrl: string, options: CountingProxyOptions = {}): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  const server = createServer((request, response) => {
    handle(request, response, { target, agent, options })
      .then((record) => requests.push(record))
      .catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://${LOOPBACK}:${port}`,
    host: `${LOOPBACK}:${port}`,
    requests,
    reset: () => void requests.splice(0),
    async stop() {
      await closeServer(server);
      agent.destroy();
    },
  };
}

interface ProxyContext {
  target: URL;
  agent: Agent;
  options: CountingProxyOptions;
}

async function handle(request: IncomingMessage, response: ServerResponse, context: ProxyContext): Promise<ProxiedRequest> {
  const incoming: InterceptedRequest = {
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    headers: request.headers,
    body: await readBody(request),
  };
  const delayMs = context.options.delayMs ?? 0;
  const canned = await context.options.intercept?.(incoming);
  const reply = canned ? cannedReply(canned) : await forward(incoming, context, delayMs);
  if (delayMs > 0) await sleep(delayMs);
  response.writeHead(reply.status, reply.headers);
  response.end(reply.body);
  return { method: incoming.method, path: incoming.path, status: reply.status, bytesOut: reply.body.length, intercepted: canned !== undefined };
}

interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

function cannedReply(canned: CannedResponse): Reply {
  const body = Buffer.from(canned.body ?? '');
  return { status: canned.status, headers: { 'content-length': body.length, ...canned.headers }, body };
}

async function forward(incoming: InterceptedRequest, context: ProxyContext, delayMs: number): Promise<Reply> {
  if (delayMs > 0) await sleep(delayMs);
  const headers = endToEnd(incoming.headers);
  if (incoming.body.length > 0) headers['content-length'] = incoming.body.length;
  const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = httpRequest(
      { host: context.target.hostname, port: context.target.port, method: incoming.method, path: incoming.path, headers, agent: context.agent },
      resolve,
    );
    outgoing.once('error', reject);
    outgoing.end(incoming.body);
  });
  const body = await readBody(upstream);
  const replyHeaders = endToEnd(upstream.headers);
  // HEAD and 304 keep the upstream Content-Length, which describes the resource, not this empty body.
  if (incoming.method !== 'HEAD' && upstream.statusCode !== 304) replyHeaders['content-length'] = body.length;
  return { status: upstream.statusCode ?? 502, headers: replyHeaders, body };
}

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
