import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import tls, { type TLSSocket } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent, buildConnector, request } from 'undici';
import { ReadmeGenError } from '../errors.js';
import { isLoopback } from './loopback.js';
import { readCapped } from './read-capped.js';

export interface HttpRequest<Kind extends string = string> {
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH';
  url: string;
  /** what the request is for, so runs can be counted by kind (`--json`, request-economy tests) */
  kind: Kind;
  headers?: Record<string, string>;
  /** sent again, whole, with every attempt */
  body?: string;
  /** a larger body is an error, read no further */
  maxBytes: number;
  /** follow 301/302/303/307/308; a static Authorization header is never sent to another origin */
  followRedirects?: boolean;
  /**
   * The Authorization header for one hop's URL, asked anew at every redirect:
   * a caller that holds a credential per host (registry tokens) sends each
   * host its own and the others nothing. Overrides `headers.authorization`.
   */
  authorization?: (url: URL) => string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** the URL that answered, after redirects */
  url: string;
}

export interface HttpOptions {
  /** requests in flight per host over HTTP/1.1, one connection each */
  concurrency: number;
  /** requests in flight per host that negotiated HTTP/2 (ALPN), as streams of one connection */
  streams: number;
  /** offer HTTP/2 to TLS hosts (ALPN); false: HTTP/1.1 only */
  http2: boolean;
  /** per request, for the headers and between body chunks */
  timeoutMs: number;
  /** attempts after the first, for answers the peer calls retryable (default 429 and 5xx) and connection errors */
  maxRetries: number;
  /** a Retry-After longer than this fails at once instead of waiting */
  maxRetryAfterMs: number;
  /** first backoff; doubles per attempt, with jitter */
  backoffMs: number;
  /** the proxies to go through (proxyFromEnv), for every host but loopback; none: direct */
  proxy?: ProxySettings;
  /** a host's own TLS trust and client certificate (URL.host: name and port), asked once per host; undefined: the defaults */
  tlsFor?: (host: string) => HostTls | undefined;
}

/** What one host's TLS connections use besides Node's defaults. */
export interface HostTls {
  /** PEM certificates trusted for this host, on top of Node's (its bundle, NODE_EXTRA_CA_CERTS) */
  ca: string[];
  clientCertificate?: { cert: string; key: string };
}

/** HTTP_PROXY, HTTPS_PROXY and NO_PROXY as undici's EnvHttpProxyAgent reads them ('' for unset). */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/**
 * The proxy variables as curl and undici read them, the lower-case name
 * first; undefined when no proxy is set. Read from `env`, never implicitly
 * from process.env, so what a run uses is what its caller passed.
 */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
  if (!httpProxy && !httpsProxy) return undefined;
  return { httpProxy, httpsProxy, noProxy: env.no_proxy ?? env.NO_PROXY ?? '' };
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = {
  concurrency: 16,
  // One HTTP/2 connection carries them all; 64 is what the catalog measure asks, and under the 100 streams servers commonly allow.
  streams: 64,
  http2: true,
  timeoutMs: 30_000,
  maxRetries: 4,
  maxRetryAfterMs: 60_000,
  backoffMs: 250,
};

export interface RequestStats<Kind extends string = string> {
  requests: Record<Kind, number>;
  retries: number;
  bytes: number;
  /** by origin: the protocol its last connection spoke ('h2' or 'http/1.1'); hosts reached through a proxy are not listed */
  protocols: Record<string, string>;
}

/**
 * Who a client talks to: what its errors are and say. Each caller keeps its
 * own error class (and so its exit code) and its own advice.
 */
export interface HttpPeer<Kind extends string> {
  /** every kind of request, counted from 0 in stats */
  kinds: readonly Kind[];
  /** the peer in messages: "the registry asks to wait 3600 s" */
  name: string;
  /** makes every error the client throws */
  error: (message: string, options?: { cause?: unknown }) => ReadmeGenError;
  /** what to do when the host name does not resolve, e.g. "check the registry's host name, or …" */
  unresolvableFix: string;
  /** what to do when nothing listens on a loopback host's port */
  refusedFix: string;
  /** what to do when a host's certificate does not verify; default: give the CA to Node */
  certificateFix?: (host: string) => string;
  /** whether an answer is worth asking again (after its Retry-After, else the backoff); default retryableStatus */
  retryable?: (response: HttpResponse) => boolean;
}

/** Node's codes for a certificate that does not verify (OpenSSL's verify results, as node's crypto_common.cc names them) and a name it does not cover. */
const CERTIFICATE_ERRORS = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'UNABLE_TO_GET_CRL',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;

/** The answers every peer may retry unless it knows better: 429 and the transient 5xx. */
export function retryableStatus(response: HttpResponse): boolean {
  return RETRYABLE_STATUSES.has(response.status);
}

/**
 * HTTP over undici: kept-alive connections, a bound on requests in flight per
 * host, a timeout on every request, retries with backoff and jitter that
 * honour Retry-After up to a cap, redirects that never carry Authorization to
 * another origin, and a size cap on every body.
 */
export class HttpClient<Kind extends string = string> {
  readonly stats: RequestStats<Kind>;
  readonly #peer: HttpPeer<Kind>;
  readonly #options: HttpOptions;
  readonly #agent: Agent;
  /** through HTTP(S)_PROXY unless NO_PROXY names the host; loopback never goes here */
  readonly #proxied: EnvHttpProxyAgent | undefined;
  /** by host, for hosts with TLS settings of their own: a CA option replaces Node's trust store, so it is per host, not global */
  readonly #hostDispatchers = new Map<string, Dispatcher | undefined>();
  readonly #slots = new Map<string, Semaphore>();
  /** aborted by close(): requests in flight and backoff waits end at once, and nothing more is sent */
  readonly #closing = new AbortController();

  constructor(peer: HttpPeer<Kind>, options: Partial<HttpOptions> = {}) {
    this.#peer = peer;
    this.stats = {
      requests: Object.fromEntries(peer.kinds.map((kind) => [kind, 0])) as Record<Kind, number>,
      retries: 0,
      bytes: 0,
      protocols: {},
    };
    this.#options = { ...DEFAULT_HTTP_OPTIONS, ...options };
    this.#agent = new Agent(this.#agentOptions());
    this.#proxied = this.#options.proxy ? new EnvHttpProxyAgent({ ...this.#agentOptions(), ...this.#options.proxy }) : undefined;
    // Every request in flight and every backoff wait listens on it: no limit, or Node warns on stderr past 10.
    setMaxListeners(0, this.#closing.signal);
  }

  /** The answer, after retries: a retryable one too once they are spent; an error when no answer came. */
  async send(httpRequest: HttpRequest<Kind>): Promise<HttpResponse> {
    const retryable = this.#peer.retryable ?? retryableStatus;
    for (let attempt = 0; ; attempt++) {
      if (this.#closing.signal.aborted) throw this.#peer.error(`${describe(httpRequest)}: not sent; the run is ending`);
      let response: HttpResponse | undefined;
      let failure: unknown;
      try {
        response = await this.#withRedirects(httpRequest);
      } catch (error) {
        if (error instanceof ReadmeGenError) throw error;
        failure = error;
      }
      if (response && !retryable(response)) return response;
      if (attempt >= this.#options.maxRetries) {
        if (response) return response;
        throw this.#peer.error(`${describe(httpRequest)}: ${networkReason(failure)} (after ${attempt + 1} attempts)`, { cause: failure });
      }
      this.stats.retries++;
      await sleep(this.#delayBefore(attempt, response, httpRequest), undefined, { signal: this.#closing.signal }).catch(() => undefined);
    }
  }

  /**
   * Ends the session. A run that failed closes it while other requests of
   * that run may still be in flight or waiting to retry: they stop now, with
   * an error nobody reads, instead of keeping the process alive.
   */
  close(): Promise<void> {
    this.#closing.abort();
    const own = [...this.#hostDispatchers.values()].map((dispatcher) => dispatcher?.close());
    return Promise.all([this.#agent.close(), this.#proxied?.close(), ...own]).then(() => undefined);
  }

  #agentOptions(hostTls?: HostTls): Agent.Options {
    const connect = hostTls && {
      // Node's own trust (its bundle and NODE_EXTRA_CA_CERTS) stays: the host's CA is added to it, as docker adds certs.d's to the system pool.
      ca: [...(tls.getCACertificates?.('default') ?? tls.rootCertificates), ...hostTls.ca],
      ...hostTls.clientCertificate,
    };
    const http2 = this.#options.http2;
    // The host's choice wins whichever order ALPN offers them in; h2 first says which one we would rather have.
    const connector = buildConnector({ ...connect, allowH2: http2, preferH2: http2 });
    return {
      connections: this.#options.concurrency,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#options.timeoutMs,
      bodyTimeout: this.#options.timeoutMs,
      allowH2: http2,
      maxConcurrentStreams: this.#options.streams,
      connect: (options, callback) =>
        connector(options, (...result) => {
          if (result[1]) this.#connected(`${options.protocol}//${options.host}`, result[1] as Partial<TLSSocket>);
          callback(...result);
        }),
      // the TLS inside a proxy's CONNECT tunnel
      ...(connect ? { requestTls: connect } : {}),
    };
  }

  /** Records what a new connection speaks; a host on HTTP/2 may then have `streams` requests in flight instead of `concurrency`. */
  #connected(origin: string, socket: Partial<TLSSocket>): void {
    const key = new URL(origin).origin;
    const protocol = socket.alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
    this.stats.protocols[key] = protocol;
    this.#slotFor(key).resize(protocol === 'h2' ? this.#options.streams : this.#options.concurrency);
  }

  #slotFor(origin: string): Semaphore {
    let slot = this.#slots.get(origin);
    if (!slot) this.#slots.set(origin, (slot = new Semaphore(this.#options.concurrency)));
    return slot;
  }

  /** The dispatcher for a URL: loopback always direct; else through the proxy, if any; with the host's own TLS settings, if it has some. */
  #dispatcherFor(url: URL): Dispatcher {
    // Loopback is always direct: a proxy elsewhere cannot reach this machine's 127.0.0.1, and NO_PROXY rarely says so.
    const proxied = this.#options.proxy !== undefined && !isLoopback(url.host);
    if (url.protocol !== 'https:' || !this.#options.tlsFor) return proxied && this.#proxied ? this.#proxied : this.#agent;
    const key = `${proxied ? 'proxied' : 'direct'} ${url.host}`;
    if (!this.#hostDispatchers.has(key)) {
      const hostTls = this.#options.tlsFor(url.host);
      const options = hostTls && this.#agentOptions(hostTls);
      this.#hostDispatchers.set(
        key,
        options && (proxied ? new EnvHttpProxyAgent({ ...options, ...this.#options.proxy }) : new Agent(options)),
      );
    }
    return this.#hostDispatchers.get(key) ?? (proxied && this.#proxied ? this.#proxied : this.#agent);
  }

  #delayBefore(attempt: number, response: HttpResponse | undefined, httpRequest: HttpRequest<Kind>): number {
    const retryAfter = response ? retryAfterMs(response.headers['retry-after']) : undefined;
    if (retryAfter !== undefined) {
      if (retryAfter > this.#options.maxRetryAfterMs) {
        throw this.#peer.error(
          `${describe(httpRequest)}: ${this.#peer.name} asks to wait ${Math.ceil(retryAfter / 1000)} s (HTTP ${response?.status}, Retry-After); try again later`,
        );
      }
      return retryAfter;
    }
    const backoff = this.#options.backoffMs * 2 ** attempt;
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  async #withRedirects(httpRequest: HttpRequest<Kind>): Promise<HttpResponse> {
    let url = httpRequest.url;
    let headers = { ...httpRequest.headers };
    for (let hop = 0; ; hop++) {
      const response = await this.#once(httpRequest, url, hopHeaders(httpRequest, url, headers));
      const location = response.headers.location;
      if (!httpRequest.followRedirects || ![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return response;
      if (hop >= MAX_REDIRECTS) throw this.#peer.error(`${describe(httpRequest)}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw this.#peer.error(`${describe(httpRequest)}: redirected to a ${next.protocol} URL`);
      if (next.origin !== new URL(url).origin) headers = withoutAuthorization(headers);
      url = next.toString();
    }
  }

  async #once(httpRequest: HttpRequest<Kind>, url: string, headers: Record<string, string>): Promise<HttpResponse> {
    const release = await this.#slotFor(new URL(url).origin).acquire();
    try {
      this.stats.requests[httpRequest.kind]++;
      // reset: false keeps the connection after a HEAD too: undici closes it by default (for servers that send HEAD a body),
      // which cost a new TCP connection per tag — 10,000 connections, each in TIME_WAIT after, for 10,000 tags.
      const response = await request(url, {
        method: httpRequest.method,
        headers,
        ...(httpRequest.body === undefined ? {} : { body: httpRequest.body }),
        dispatcher: this.#dispatcherFor(new URL(url)),
        signal: this.#closing.signal,
        reset: false,
      }).catch((error: unknown) => {
        const unreachable = unreachableProxy(error, this.#options.proxy) ?? unreachableHost(error, new URL(url).host, this.#peer);
        throw unreachable === undefined ? error : this.#peer.error(`${describe(httpRequest)}: ${unreachable}`, { cause: error });
      });
      const tooLarge = () => this.#peer.error(`${describe(httpRequest)}: the response is larger than ${httpRequest.maxBytes} bytes`);
      // A declared length over the cap is refused before a byte of the body is read.
      if (Number(response.headers['content-length'] ?? 0) > httpRequest.maxBytes && httpRequest.method !== 'HEAD') {
        response.body.destroy();
        throw tooLarge();
      }
      const body = await readCapped(response.body, httpRequest.maxBytes, tooLarge);
      this.stats.bytes += body.length;
      return { status: response.statusCode, headers: flatHeaders(response.headers), body, url };
    } finally {
      release();
    }
  }
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [key.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]),
  );
}

/** The headers of one hop: with the caller's Authorization for this URL, if it has one per URL. */
function hopHeaders(httpRequest: HttpRequest<string>, url: string, headers: Record<string, string>): Record<string, string> {
  if (!httpRequest.authorization) return headers;
  const authorization = httpRequest.authorization(new URL(url));
  const rest = withoutAuthorization(headers);
  return authorization === undefined ? rest : { ...rest, authorization };
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== 'authorization'));
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A request as errors name it: method and URL, which never hold a credential. */
function describe(httpRequest: HttpRequest<string>): string {
  return `${httpRequest.method} ${httpRequest.url}`;
}

/**
 * A proxy that cannot be reached, named as such: its refusal would otherwise
 * read as the registry's (the error carries the proxy's address). Named
 * without the credentials its URL may hold.
 */
function unreachableProxy(error: unknown, proxy: ProxySettings | undefined): string | undefined {
  const { code, port, hostname } = (error ?? {}) as { code?: string; port?: number; hostname?: string };
  if (!proxy || (code !== 'ECONNREFUSED' && code !== 'ENOTFOUND')) return undefined;
  for (const [variable, value] of [
    ['HTTPS_PROXY', proxy.httpsProxy],
    ['HTTP_PROXY', proxy.httpProxy],
  ] as const) {
    if (!value) continue;
    const url = new URL(value.includes('://') ? value : `http://${value}`);
    const proxyPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const matches = code === 'ENOTFOUND' ? hostname === url.hostname : port === proxyPort;
    if (matches)
      return `the proxy ${url.protocol}//${url.host} (${variable}) cannot be reached (${code}); start it, fix ${variable}, or name the host in NO_PROXY`;
  }
  return undefined;
}

/**
 * A connection failure that no retry can mend, said with what to do; undefined
 * for the transient ones (resets, timeouts), which are retried.
 * - ENOTFOUND: the resolver answered that the name does not exist. A retry a
 *   second later gets the same answer (a negative answer is even cached).
 * - ECONNREFUSED on a loopback host (named so, or resolved to a loopback
 *   address): nothing listens on that port of this machine, typically a local
 *   server (a registry) not started or a wrong port; it will not start during our
 *   backoff. A remote host's refusal is still retried: behind a load balancer
 *   it can be a restart, over in a second.
 * - EAI_AGAIN is retried: it is the resolver failing to answer (no network
 *   yet, an overloaded DNS server), not an answer that the name is unknown.
 * - A certificate that does not verify (unknown CA, expired, wrong name): the
 *   same certificate comes back on every attempt.
 */
function unreachableHost(error: unknown, host: string, peer: HttpPeer<string>): string | undefined {
  const { code, address } = (error ?? {}) as { code?: string; address?: string };
  if (code === 'ENOTFOUND') return `the host ${host} does not resolve (ENOTFOUND); ${peer.unresolvableFix}`;
  if (code !== undefined && CERTIFICATE_ERRORS.has(code))
    return `the TLS certificate of ${host} does not verify (${code}); ${peer.certificateFix?.(host) ?? 'if a private CA signed it, give its certificate to Node (NODE_EXTRA_CA_CERTS=<file>)'}`;
  // The host as named too: localhost may be tried over IPv6 and IPv4, and the error of both then carries no one address.
  const loopback = isLoopback(host) || (address !== undefined && isLoopback(address));
  if (code === 'ECONNREFUSED' && loopback) return `connection refused by ${host} (ECONNREFUSED): nothing listens there; ${peer.refusedFix}`;
  return undefined;
}

function networkReason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${message}` : message;
}

/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
class Semaphore {
  #size: number;
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  /** A new bound: more waiters start at once when it grows; when it shrinks, holders finish and fewer start after them. */
  resize(size: number): void {
    this.#free += size - this.#size;
    this.#size = size;
    while (this.#free > 0 && this.#waiting.length > 0) {
      this.#free--;
      this.#waiting.shift()?.();
    }
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Below zero the bound has shrunk: this slot goes away instead of passing to a waiter.
      const next = this.#free < 0 ? undefined : this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
