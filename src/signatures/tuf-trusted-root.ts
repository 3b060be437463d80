/**
 * Keeps the Sigstore trusted root fresh through TUF (The Update Framework).
 *
 * Commands that read the registry refresh it from a TUF repository — the
 * Sigstore public-good one by default — when a signature will be verified
 * against it; commands that must stay offline take the last refreshed copy
 * from the cache, or the root shipped with readme-gen. A root pinned with
 * --trusted-root never goes through here.
 *
 * The client is tuf-js's Updater, the one @sigstore/tuf wraps, driven
 * directly: @sigstore/tuf writes each metadata file into its cache as soon as
 * that file verifies, and reports a failure without the file's name or date.
 * Here a refresh works on a copy of the cached metadata (a staging directory)
 * and becomes the cache only when every file verified and trusted_root.json
 * was read, by an atomic rename of a pointer; a refused or interrupted
 * refresh leaves the previous cache exactly as it was. That part is in
 * tuf-refresh.ts, loaded only by a run that refreshes: tuf-js is not loaded
 * by the offline commands (the pre-commit hook) that only read the cache.
 *
 *   <cache>/tuf/<host and path of the mirror>/
 *     current.json         {"generation": "gen-…", "refreshed": "<ISO date>", "mirror": "<URL>"}
 *     gen-…/root.json, timestamp.json, snapshot.json, targets.json,
 *           targets/trusted_root.json
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { noteAbsent, noteFile } from '../fs/input-log.js';
import { isLoopback } from '../http/loopback.js';
import { packageFile } from '../package-root.js';
import type { ImageState, SignatureRecord } from '../state/image-state.js';
import { isSignatureBundle } from './sigstore-bundle.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from './trusted-root.js';

/**
 * The Sigstore public-good TUF repository: @sigstore/tuf's DEFAULT_MIRROR_URL
 * (a test holds them equal), written out so that an offline command does not
 * load @sigstore/tuf for one string.
 */
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
/** Its root.json as @sigstore/tuf seeds it, copied by `npm run update-trusted-root`: where a first refresh starts. */
export const PUBLIC_GOOD_TUF_ROOT = packageFile('src', 'signatures', 'sigstore-public-good.tuf-root.json');
/** The target every Sigstore TUF repository serves the trusted root as. */
export const TRUSTED_ROOT_TARGET = 'trusted_root.json';

export const POINTER = 'current.json';

/** Which TUF repository the trusted root comes from. */
export interface TufSettings {
  /** the repository's URL; default the Sigstore public-good one */
  mirror?: string;
  /** the root.json to start from when nothing is cached yet; default (public good only): the shipped one */
  rootPath?: string;
}

export interface TrustedRootCacheOptions extends TufSettings {
  /** readme-gen's cache directory; null keeps nothing (a refresh then lives for this process only) */
  cacheDir: string | null;
}

export interface RefreshOptions extends TrustedRootCacheOptions {
  /** per request; default 30 s */
  timeoutMs?: number;
  /** says which root is used when the mirror cannot be reached */
  warn: (message: string) => void;
}

/** The trusted root to verify against, and where it came from. */
export interface PublicTrustedRoot {
  file: string;
  origin: 'refreshed' | 'cached' | 'shipped';
  /** when the root was last refreshed through TUF (refreshed, cached) */
  refreshed?: string;
}

/**
 * Whether verifying these digests' signatures needs the trusted root: a
 * certificate (Fulcio CA, CT logs), a transparency-log entry or a timestamp
 * is checked against it. A keyed signature with neither (checked with --key
 * alone) is not, and an image without signatures needs nothing.
 */
export function needsTrustedRoot(state: ImageState, digests?: Iterable<string>): boolean {
  const images =
    digests === undefined ? Object.values(state.images) : [...digests].map((digest) => state.images[digest as keyof ImageState['images']]);
  return images.some((image) => image?.signatures.some(recordNeedsTrustedRoot) ?? false);
}

function recordNeedsTrustedRoot(record: SignatureRecord): boolean {
  if (record.format === 'cosign') {
    const annotations = record.annotations;
    return (
      annotations['dev.sigstore.cosign/certificate'] !== undefined ||
      annotations['dev.sigstore.cosign/bundle'] !== undefined ||
      annotations['dev.sigstore.cosign/rfc3161timestamp'] !== undefined
    );
  }
  if (!isSignatureBundle(record)) return false;
  const material = (record.bundle as { verificationMaterial?: Record<string, unknown> }).verificationMaterial ?? {};
  const tlogEntries = material.tlogEntries;
  const timestamps = (material.timestampVerificationData as { rfc3161Timestamps?: unknown[] } | undefined)?.rfc3161Timestamps;
  // Anything but a bare public key with no log entry and no timestamp is checked against the root.
  return (
    material.publicKey === undefined ||
    (Array.isArray(tlogEntries) && tlogEntries.length > 0) ||
    (Array.isArray(timestamps) && timestamps.length > 0)
  );
}

/** The mirror's URL, checked: https, or http on a loopback host. */
export function parseTufMirror(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`${where}: ${value} is not a URL; give the TUF repository's base URL, e.g. ${PUBLIC_GOOD_TUF_MIRROR}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new InputError(`${where}: ${url.origin}: use https (plain http only on a loopback host)`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new InputError(`${where}: ${value}: give the repository's base URL alone, without credentials, query or fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

export function mirrorOf(settings: TufSettings): string {
  return (settings.mirror ?? PUBLIC_GOOD_TUF_MIRROR).replace(/\/+$/, '');
}

export function isPublicGood(mirror: string): boolean {
  return mirror === PUBLIC_GOOD_TUF_MIRROR;
}

/** The cache directory of one mirror, named as @sigstore/tuf names its own. */
export function mirrorDirectory(cacheDir: string, mirror: string): string {
  const url = new URL(mirror);
  return path.join(cacheDir, 'tuf', encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')));
}

// ---------------------------------------------------------------------------
// Offline: the cached root, else the shipped one

/**
 * The trusted root an offline command verifies against, without touching the
 * network: the one the last refresh cached, when it is intact; else, for the
 * public-good repository, the root shipped with readme-gen. When both exist
 * the newer is taken (the one whose newest key starts later; the cached one
 * on a tie), so that upgrading readme-gen never moves an old cache back in.
 */
export function offlineTrustedRoot(options: TrustedRootCacheOptions): PublicTrustedRoot {
  const mirror = mirrorOf(options);
  const cached = options.cacheDir === null ? undefined : readCachedRoot(mirrorDirectory(options.cacheDir, mirror));
  if (!isPublicGood(mirror)) {
    if (cached) return cached;
    throw new InputError(
      `no trusted root from the TUF repository ${mirror} is cached${options.cacheDir === null ? '' : ` in ${options.cacheDir}`}; run readme-gen snapshot (or a live render) once with the network, or pin a root with --trusted-root FILE`,
    );
  }
  const shipped: PublicTrustedRoot = { file: PUBLIC_GOOD_TRUSTED_ROOT, origin: 'shipped' };
  if (!cached) return shipped;
  return newestKeyStart(readNoted(PUBLIC_GOOD_TRUSTED_ROOT).toString('utf8')) > newestKeyStart(readNoted(cached.file).toString('utf8'))
    ? shipped
    : cached;
}

/** The cache's trusted root when its pointer, its generation and the file's hash (as targets.json lists it) agree. */
function readCachedRoot(directory: string): PublicTrustedRoot | undefined {
  // A refresh in another process may replace the generation between reading the pointer and the files: read again once.
  for (let attempt = 0; attempt < 2; attempt++) {
    const pointer = readPointer(directory);
    if (!pointer) return undefined;
    const generation = path.join(directory, pointer.generation);
    const file = path.join(generation, 'targets', encodeURIComponent(TRUSTED_ROOT_TARGET));
    try {
      const bytes = readNoted(file);
      const targets = JSON.parse(readNoted(path.join(generation, 'targets.json')).toString('utf8')) as {
        signed?: { targets?: Record<string, { hashes?: Record<string, string> }> };
      };
      const expected = targets.signed?.targets?.[TRUSTED_ROOT_TARGET]?.hashes?.sha256;
      if (expected === undefined || createHash('sha256').update(bytes).digest('hex') !== expected) return undefined;
      if (!looksLikeTrustedRoot(bytes.toString('utf8'))) return undefined;
      return { file, origin: 'cached', refreshed: pointer.refreshed };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
  }
  return undefined;
}

export interface Pointer {
  generation: string;
  refreshed: string;
  mirror: string;
}

export function readPointer(directory: string): Pointer | undefined {
  try {
    const pointer = JSON.parse(readNoted(path.join(directory, POINTER)).toString('utf8')) as Partial<Pointer>;
    if (typeof pointer.generation !== 'string' || !/^gen-[A-Za-z0-9-]+$/.test(pointer.generation)) return undefined;
    if (typeof pointer.refreshed !== 'string' || typeof pointer.mirror !== 'string') return undefined;
    return pointer as Pointer;
  } catch {
    return undefined;
  }
}

/**
 * A file of the cache an offline run chooses its root by, noted as an input
 * of the run (see recordInputs): a later refresh changes the choice.
 */
function readNoted(file: string): Buffer {
  try {
    const bytes = readFileSync(file);
    noteFile(file, bytes);
    return bytes;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') noteAbsent(file);
    throw error;
  }
}

export function looksLikeTrustedRoot(text: string): boolean {
  try {
    const mediaType = (JSON.parse(text) as { mediaType?: unknown } | null)?.mediaType;
    return typeof mediaType === 'string' && mediaType.startsWith('application/vnd.dev.sigstore.trustedroot');
  } catch {
    return false;
  }
}

/** The latest validity start of any key or CA in a trusted root: a rotation adds one that starts later. */
function newestKeyStart(text: string): number {
  type ValidFor = { validFor?: { start?: string } };
  const root = JSON.parse(text) as {
    tlogs?: { publicKey?: ValidFor }[];
    ctlogs?: { publicKey?: ValidFor }[];
    certificateAuthorities?: ValidFor[];
    timestampAuthorities?: ValidFor[];
  };
  const starts = [
    ...(root.tlogs ?? []).map((log) => log.publicKey?.validFor?.start),
    ...(root.ctlogs ?? []).map((log) => log.publicKey?.validFor?.start),
    ...(root.certificateAuthorities ?? []).map((authority) => authority.validFor?.start),
    ...(root.timestampAuthorities ?? []).map((authority) => authority.validFor?.start),
  ];
  return Math.max(0, ...starts.map((start) => (start === undefined ? 0 : Date.parse(start) || 0)));
}
