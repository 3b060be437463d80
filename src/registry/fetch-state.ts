import type { ResolvedConfig } from '../config/readme-gen-config.js';
import type { ImageState } from '../state/image-state.js';
import { ContentCache, defaultCacheDir } from './content-cache.js';
import { findCredentials } from './credentials.js';
import { HttpClient, type RequestStats } from './http-client.js';
import { parseLocation } from './image-location.js';
import { RegistryClient } from './registry-client.js';
import { type SnapshotProgress, takeSnapshot } from './snapshot.js';

export interface FetchOptions {
  /** default: the user's cache directory; null: keep nothing */
  cacheDir?: string | null;
  concurrency?: number;
  insecureRegistries?: readonly string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  warn: (message: string) => void;
  onProgress?: (progress: SnapshotProgress) => void;
}

export interface FetchResult {
  state: ImageState;
  requests: RequestStats;
  cache: { hits: number; misses: number };
}

/** Reads the configured image's state from its registry, live. */
export async function fetchState(config: ResolvedConfig, options: FetchOptions): Promise<FetchResult> {
  const location = parseLocation(config.location, options.insecureRegistries);
  const http = new HttpClient({
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const cache = new ContentCache(options.cacheDir === null ? undefined : (options.cacheDir ?? defaultCacheDir(options.env)));
  const credentials = findCredentials(location.registry, options.env);
  const client = new RegistryClient({ location, http, cache, ...(credentials ? { credentials } : {}) });
  try {
    const referrersApi = cache.capability(location.apiHost, 'referrers-api');
    const snapshotOptions = {
      excludeTags: config.excludeTags,
      warn: options.warn,
      onReferrersApi: (supported: boolean) => cache.rememberCapability(location.apiHost, 'referrers-api', supported),
      ...(referrersApi === undefined ? {} : { referrersApi }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    const state = await takeSnapshot(client, snapshotOptions);
    return { state, requests: http.stats, cache: { ...cache.stats } };
  } finally {
    await http.close();
  }
}
