import path from 'node:path';
import type { ResolvedConfig } from '../config/readme-gen-config.js';
import { defaultCacheDir, keepingDir } from '../registry/content-cache.js';
import type { FetchOptions } from '../registry/fetch-state.js';
import { TagsTableChecks } from '../render/check-tags-table.js';
import type { KeptChecks } from '../render/render-readme.js';
import { shownDigests } from '../render/view-model.js';
import { PUBLIC_GOOD_TRUSTED_ROOT, type Trust, type TrustOptions, loadTrust } from '../signatures/trusted-root.js';
import {
  type PublicTrustedRoot,
  type TrustedRootCacheOptions,
  needsTrustedRoot,
  offlineTrustedRoot,
} from '../signatures/tuf-trusted-root.js';
import { VerdictStore } from '../signatures/verdict-cache.js';
import type { ImageState } from '../state/image-state.js';

/**
 * Where the trusted root comes from, for a config:
 * - pinned (trusted-root, --trusted-root): that file, never refreshed;
 * - a run that reads the registry (snapshot, live render, pr): refreshed
 *   through TUF from tuf-mirror (default: Sigstore's public-good repository),
 *   once per process, and only when a shown signature is checked against it;
 * - a run that does not (render from the committed state, --offline): the
 *   root the last refresh cached, else the one shipped with readme-gen.
 */
export type TrustSource = { live: true; fetch: FetchOptions } | { live: false; fetch: Pick<FetchOptions, 'cacheDir' | 'env'> };

/** The trust a render verifies `state`'s shown signatures against. */
export async function trustFor(config: ResolvedConfig, cwd: string, state: ImageState, source: TrustSource): Promise<Trust> {
  if (!source.live) return offlineTrustFor(config, cwd, state, source.fetch);
  return trustWith(cwd, config.trustedRootPath ?? (await publicRootFor(config, state, source)).file, config.keyPath);
}

/** The same without the network: a pinned root, else the cached or shipped one. */
export function offlineTrustFor(
  config: ResolvedConfig,
  cwd: string,
  state: ImageState,
  cache: Pick<FetchOptions, 'cacheDir' | 'env'>,
): Trust {
  return trustWith(cwd, config.trustedRootPath ?? offlineRootFor(config, state, cache).file, config.keyPath);
}

/**
 * The trust for a check that has no config and no state to say which root it
 * needs (verify of a README whose printed claims carry their own proof): the
 * pinned root, else the one the last refresh from `tufMirror` cached, else the
 * shipped one; and the key, when one is given.
 */
export function offlineTrust(
  cwd: string,
  settings: Pick<ResolvedConfig, 'trustedRootPath' | 'keyPath' | 'tufMirror'>,
  cache: Pick<FetchOptions, 'cacheDir' | 'env'>,
): Trust {
  return trustWith(cwd, settings.trustedRootPath ?? offlineTrustedRoot(trustedRootCache(settings, cache)).file, settings.keyPath);
}

function trustWith(cwd: string, trustedRootPath: string, keyPath: string | undefined): Trust {
  const options: TrustOptions = { label: (file) => path.relative(cwd, file) || file, trustedRootPath };
  if (keyPath !== undefined) options.keyPath = keyPath;
  return loadTrust(options);
}

/**
 * Refreshes the trusted root when a run that read the registry will need it
 * (snapshot: for the render that follows), so that offline commands find it
 * cached. Nothing when the root is pinned or no shown signature needs it.
 */
export async function refreshTrustedRootFor(config: ResolvedConfig, state: ImageState, fetch: FetchOptions): Promise<void> {
  if (config.trustedRootPath !== undefined) return;
  await publicRootFor(config, state, { live: true, fetch });
}

async function publicRootFor(
  config: ResolvedConfig,
  state: ImageState,
  source: { live: true; fetch: FetchOptions },
): Promise<PublicTrustedRoot> {
  // Nothing will be checked against the root: no request, no cache; loadTrust still wants one.
  if (!needsTrustedRoot(state, shownDigests(config, state))) return { file: PUBLIC_GOOD_TRUSTED_ROOT, origin: 'shipped' };
  const { fetch } = source;
  // Loaded here: only a run that refreshes needs tuf-js.
  const { refreshedTrustedRoot } = await import('../signatures/tuf-refresh.js');
  return refreshedTrustedRoot({
    ...trustedRootCache(config, fetch),
    warn: fetch.warn,
    ...(fetch.timeoutMs === undefined ? {} : { timeoutMs: fetch.timeoutMs }),
  });
}

function offlineRootFor(config: ResolvedConfig, state: ImageState, cache: Pick<FetchOptions, 'cacheDir' | 'env'>): PublicTrustedRoot {
  if (!needsTrustedRoot(state, shownDigests(config, state))) return { file: PUBLIC_GOOD_TRUSTED_ROOT, origin: 'shipped' };
  return offlineTrustedRoot(trustedRootCache(config, cache));
}

/** What renders keep in the cache directory: verified verdicts and passed tags-table checks (nothing with cacheDir null). */
export function keptChecks(cache: Pick<FetchOptions, 'cacheDir' | 'env'>): KeptChecks {
  const dir = keepingDir(cache);
  return { verdicts: new VerdictStore(dir), tagsTables: new TagsTableChecks(dir) };
}

/** The cache directory and TUF repository a config's trusted root lives in. */
function trustedRootCache(
  config: Pick<ResolvedConfig, 'tufMirror' | 'tufRootPath'>,
  fetch: Pick<FetchOptions, 'cacheDir' | 'env'>,
): TrustedRootCacheOptions {
  const cache: TrustedRootCacheOptions = { cacheDir: fetch.cacheDir === undefined ? defaultCacheDir(fetch.env) : fetch.cacheDir };
  if (config.tufMirror !== undefined) cache.mirror = config.tufMirror;
  if (config.tufRootPath !== undefined) cache.rootPath = config.tufRootPath;
  return cache;
}
