import type { ImageState } from '../state/image-state.js';
import { InputError } from '../errors.js';
import { DEFAULT_HTTP_OPTIONS, type RequestStats, proxyFromEnv } from '../http/http-client.js';
import { ContentCache, defaultCacheDir } from './content-cache.js';
import { CredentialFinder, DEFAULT_HELPER_TIMEOUT_MS } from './credentials.js';
import { isLoopback } from '../http/loopback.js';
import { type ImageLocation, parseLocation } from './image-location.js';
import { RegistryCertificateFinder, certsDirectories } from './registry-certificates.js';
import { RegistryClient } from './registry-client.js';
import { type RegistryHttpClient, type RequestKind, registryHttpClient } from './registry-http.js';
import { type SnapshotProgress, takeSnapshot } from './snapshot.js';

/** One HTTP client and one cache for many images (--all), so connections, tokens and content are shared. */
export interface RegistrySession {
  http: RegistryHttpClient;
  cache: ContentCache;
  credentials: CredentialFinder;
  certificates: RegistryCertificateFinder;
}

/** `images`: how many configured images the run reads (credentials from the environment depend on it). */
export function openSession(
  options: Pick<FetchOptions, 'cacheDir' | 'concurrency' | 'streams' | 'http2' | 'timeoutMs' | 'env' | 'warn'>,
  images = 1,
): RegistrySession {
  const proxy = proxyFromEnv(options.env ?? process.env);
  const certificates = new RegistryCertificateFinder(certsDirectories(options.env ?? process.env));
  return {
    certificates,
    credentials: new CredentialFinder({
      env: options.env ?? process.env,
      manyImages: images > 1,
      helperTimeoutMs: options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
      warn: options.warn,
    }),
    http: registryHttpClient({
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.streams === undefined ? {} : { streams: options.streams }),
      ...(options.http2 === undefined ? {} : { http2: options.http2 }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(proxy ? { proxy } : {}),
      tlsFor: (host) => certificates.forHost(host),
    }),
    cache: new ContentCache(options.cacheDir === null ? undefined : (options.cacheDir ?? defaultCacheDir(options.env))),
  };
}

/**
 * How many images of a run over many to read at once: an image spends part
 * of its time between requests (the tag list, then the HEADs, then the GETs),
 * so twice the host's limit in images keeps its slots full meanwhile. The
 * limit is the larger one, HTTP/2's streams, where a host may speak it (TLS
 * registries do).
 */
export function imagesInFlight(options: Pick<FetchOptions, 'concurrency' | 'streams' | 'http2'>): number {
  const streams = options.http2 === false ? 0 : (options.streams ?? DEFAULT_HTTP_OPTIONS.streams);
  return 2 * Math.max(options.concurrency ?? DEFAULT_HTTP_OPTIONS.concurrency, streams);
}

export interface FetchOptions {
  /** the session to use; without one, a session is opened for this fetch and closed after it */
  session?: RegistrySession;
  /** refuse to read the registry: render from committed state only (the pre-commit hook) */
  offline?: boolean;
  /** default: the user's cache directory; null: keep nothing */
  cacheDir?: string | null;
  /** requests in flight per host on HTTP/1.1 (connections) */
  concurrency?: number;
  /** requests in flight per host on HTTP/2 (streams of one connection) */
  streams?: number;
  /** false: HTTP/1.1 only */
  http2?: boolean;
  insecureRegistries?: readonly string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  warn: (message: string) => void;
  onProgress?: (progress: SnapshotProgress) => void;
}

export interface FetchResult {
  state: ImageState;
  requests: RequestStats<RequestKind>;
  cache: { hits: number; misses: number };
}

/** The image to read: its location, the tags to leave out, and where it was configured (for messages). */
export interface ImageToFetch {
  source: string;
  location: string;
  excludeTags: readonly string[];
  /**
   * The state recorded before (the committed state file), if any: what it
   * says under a digest is reused, not fetched, when it describes the same
   * repository.
   */
  previous?: ImageState | undefined;
}

/**
 * A loopback registry is read over plain HTTP unless certs.d has a directory
 * for it: that is docker's sign of a TLS registry (its docs' example is
 * localhost:5000), and the only one that costs no probe. One the user named
 * with --insecure-registry stays plain HTTP.
 */
function withTlsOnLoopback(
  location: ImageLocation,
  certificates: RegistryCertificateFinder,
  insecure: readonly string[] = [],
): ImageLocation {
  if (location.scheme === 'https' || !isLoopback(location.apiHost) || insecure.includes(location.registry)) return location;
  return certificates.forHost(location.apiHost) ? { ...location, scheme: 'https' } : location;
}

/** Reads the configured image's state from its registry, live. */
export async function fetchState(config: ImageToFetch, options: FetchOptions): Promise<FetchResult> {
  if (options.offline) {
    throw new InputError(
      `${config.source}: no state file to render from, and --offline forbids reading the registry; set state: in the config and commit the state (readme-gen snapshot)`,
    );
  }
  const session = options.session ?? openSession(options);
  const { http, cache } = session;
  try {
    const location = withTlsOnLoopback(
      parseLocation(config.location, options.insecureRegistries),
      session.certificates,
      options.insecureRegistries,
    );
    const credentials = await session.credentials.find(location.registry, location.repository);
    const client = new RegistryClient({ location, http, cache, ...(credentials ? { credentials } : {}) });
    const referrersApi = cache.capability(location.apiHost, 'referrers-api');
    const previous = config.previous?.repository === `${location.registry}/${location.repository}` ? config.previous : undefined;
    const snapshotOptions = {
      excludeTags: config.excludeTags,
      ...(previous ? { previous } : {}),
      warn: options.warn,
      onReferrersApi: (supported: boolean) => cache.rememberCapability(location.apiHost, 'referrers-api', supported),
      referrersProbe: cache.learning(location.apiHost, 'referrers-api'),
      ...(referrersApi === undefined ? {} : { referrersApi }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    const state = await takeSnapshot(client, snapshotOptions);
    return { state, requests: http.stats, cache: { ...cache.stats } };
  } finally {
    if (!options.session) await http.close();
  }
}
