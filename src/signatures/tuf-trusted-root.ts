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
 * refresh leaves the previous cache exactly as it was.
 *
 *   <cache>/tuf/<host and path of the mirror>/
 *     current.json         {"generation": "gen-…", "refreshed": "<ISO date>", "mirror": "<URL>"}
 *     gen-…/root.json, timestamp.json, snapshot.json, targets.json,
 *           targets/trusted_root.json
 */
import { createHash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MIRROR_URL } from '@sigstore/tuf';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { InputError, RegistryError, VerificationError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { isLoopback } from '../http/loopback.js';
import { readCapped } from '../http/read-capped.js';
import { packageFile } from '../package-root.js';
import type { ImageState, SignatureRecord } from '../state/image-state.js';
import { isSignatureBundle } from './sigstore-bundle.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from './trusted-root.js';

/** The Sigstore public-good TUF repository. */
export const PUBLIC_GOOD_TUF_MIRROR: string = DEFAULT_MIRROR_URL;
/** Its root.json as @sigstore/tuf seeds it, copied by `npm run update-trusted-root`: where a first refresh starts. */
export const PUBLIC_GOOD_TUF_ROOT = packageFile('src', 'signatures', 'sigstore-public-good.tuf-root.json');
/** The target every Sigstore TUF repository serves the trusted root as. */
export const TRUSTED_ROOT_TARGET = 'trusted_root.json';

const METADATA_FILES = ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'] as const;
const POINTER = 'current.json';
const DEFAULT_TIMEOUT_MS = 30_000;
/** A generation or staging directory no pointer names, this old, was left by a crash or a lost race. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

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

function mirrorOf(settings: TufSettings): string {
  return (settings.mirror ?? PUBLIC_GOOD_TUF_MIRROR).replace(/\/+$/, '');
}

function isPublicGood(mirror: string): boolean {
  return mirror === PUBLIC_GOOD_TUF_MIRROR;
}

/** The cache directory of one mirror, named as @sigstore/tuf names its own. */
function mirrorDirectory(cacheDir: string, mirror: string): string {
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
  return newestKeyStart(readFileSync(PUBLIC_GOOD_TRUSTED_ROOT, 'utf8')) > newestKeyStart(readFileSync(cached.file, 'utf8'))
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
      const bytes = readFileSync(file);
      const targets = JSON.parse(readFileSync(path.join(generation, 'targets.json'), 'utf8')) as {
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

interface Pointer {
  generation: string;
  refreshed: string;
  mirror: string;
}

function readPointer(directory: string): Pointer | undefined {
  try {
    const pointer = JSON.parse(readFileSync(path.join(directory, POINTER), 'utf8')) as Partial<Pointer>;
    if (typeof pointer.generation !== 'string' || !/^gen-[A-Za-z0-9-]+$/.test(pointer.generation)) return undefined;
    if (typeof pointer.refreshed !== 'string' || typeof pointer.mirror !== 'string') return undefined;
    return pointer as Pointer;
  } catch {
    return undefined;
  }
}

function looksLikeTrustedRoot(text: string): boolean {
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

// ---------------------------------------------------------------------------
// Online: refresh through TUF, at most once per process and repository

const refreshes = new Map<string, Promise<PublicTrustedRoot>>();

/**
 * The trusted root refreshed through TUF, cached for offline commands. Runs
 * at most once per process for a cache directory and repository; later calls
 * get the same answer.
 *
 * - Metadata that is expired, badly signed, rolled back or does not match
 *   its hash is refused (VerificationError, exit 4): one line naming the file
 *   and what is wrong; nothing is cached.
 * - A repository that cannot be reached is a warning naming it and the root
 *   used instead (cached, with its date, or shipped); for a repository other
 *   than the public-good one with nothing cached it is a RegistryError (exit 3).
 */
export function refreshedTrustedRoot(options: RefreshOptions): Promise<PublicTrustedRoot> {
  const mirror = mirrorOf(options);
  const key = `${options.cacheDir ?? ''}\u0000${mirror}`;
  let refresh = refreshes.get(key);
  if (!refresh) refreshes.set(key, (refresh = refreshOnce(mirror, options)));
  return refresh;
}

async function refreshOnce(mirror: string, options: RefreshOptions): Promise<PublicTrustedRoot> {
  let directory = options.cacheDir === null ? temporaryCache() : mirrorDirectory(options.cacheDir, mirror);
  try {
    mkdirSync(directory, { recursive: true });
    accessSync(directory, constants.W_OK);
  } catch (error) {
    // As the registry's content cache: a cache that cannot be written is not a reason to fail the run.
    options.warn(
      `cannot write the trusted-root cache ${directory} (${(error as NodeJS.ErrnoException).code ?? String(error)}); the root refreshed now serves this run only`,
    );
    directory = temporaryCache();
  }
  try {
    return await refreshInto(directory, mirror, options);
  } catch (error) {
    if (!(error instanceof MirrorUnreachable)) throw error;
    let fallback: PublicTrustedRoot;
    try {
      fallback = offlineTrustedRoot(options);
    } catch (offlineError) {
      if (!(offlineError instanceof InputError)) throw offlineError;
      throw new RegistryError(
        `cannot reach the TUF repository ${mirror} (${error.reason}), and no trusted root from it is cached; retry when it can be reached, or pin a root with --trusted-root FILE`,
        { cause: error },
      );
    }
    const used =
      fallback.origin === 'cached'
        ? `the trusted root cached from it on ${fallback.refreshed}`
        : 'the public-good trusted root shipped with readme-gen';
    options.warn(`cannot reach the TUF repository ${mirror} (${error.reason}); verifying with ${used}`);
    return fallback;
  }
}

/** A directory for a refresh that keeps nothing (cacheDir null), removed when the process exits. */
function temporaryCache(): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-tuf-'));
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

async function refreshInto(directory: string, mirror: string, options: RefreshOptions): Promise<PublicTrustedRoot> {
  const previous = readPointer(directory);
  const staging = mkdtempSync(path.join(directory, 'staging-'));
  try {
    mkdirSync(path.join(staging, 'targets'));
    seedStaging(staging, previous === undefined ? undefined : path.join(directory, previous.generation), mirror, options);
    const fetcher = new RecordingFetcher(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let targetFile: string;
    try {
      fetcher.expecting('root.json');
      const updater = new Updater({
        metadataBaseUrl: mirror,
        targetBaseUrl: `${mirror}/targets`,
        metadataDir: staging,
        targetDir: path.join(staging, 'targets'),
        fetcher,
      });
      const info = await updater.getTargetInfo(TRUSTED_ROOT_TARGET);
      if (!info) throw refused(mirror, `targets.json lists no ${TRUSTED_ROOT_TARGET}`);
      fetcher.expecting(TRUSTED_ROOT_TARGET);
      targetFile = (await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info));
    } catch (error) {
      throw explain(error, mirror, fetcher, staging);
    }
    if (!looksLikeTrustedRoot(readFileSync(targetFile, 'utf8')))
      throw refused(mirror, `${TRUSTED_ROOT_TARGET} is not a Sigstore trusted root (no trustedroot mediaType)`);
    syncTree(staging);
    const refreshed = new Date().toISOString();
    const generation = `gen-${refreshed.replace(/[^0-9]/g, '').slice(0, 14)}-${path.basename(staging).slice('staging-'.length)}`;
    renameSync(staging, path.join(directory, generation));
    writeFileAtomic(
      path.join(directory, POINTER),
      `${JSON.stringify({ generation, refreshed, mirror } satisfies Pointer, null, 2)}\n`,
      path.join(directory, POINTER),
    );
    removeOldGenerations(directory, generation, previous?.generation);
    return { file: path.join(directory, generation, 'targets', encodeURIComponent(TRUSTED_ROOT_TARGET)), origin: 'refreshed', refreshed };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The staging directory starts as a copy of the cached metadata, or from the initial root.json. */
function seedStaging(staging: string, generation: string | undefined, mirror: string, options: RefreshOptions): void {
  if (generation !== undefined && copyGeneration(generation, staging)) return;
  const initial = options.rootPath ?? (isPublicGood(mirror) ? PUBLIC_GOOD_TUF_ROOT : undefined);
  if (initial === undefined) {
    throw new InputError(
      `the TUF repository ${mirror} has nothing cached yet: give the root.json to start from with --tuf-root FILE (tuf-root: in the config)`,
    );
  }
  try {
    copyFileSync(initial, path.join(staging, 'root.json'));
  } catch (error) {
    throw new InputError(`${initial}: cannot read the TUF root (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
}

/**
 * Copies the cached metadata and target; false when the generation is gone
 * (a concurrent refresh replaced it): the refresh then starts afresh.
 */
function copyGeneration(generation: string, staging: string): boolean {
  const target = path.join('targets', encodeURIComponent(TRUSTED_ROOT_TARGET));
  try {
    copyFileSync(path.join(generation, 'root.json'), path.join(staging, 'root.json'));
    for (const file of [...METADATA_FILES.filter((name) => name !== 'root.json'), target]) {
      try {
        copyFileSync(path.join(generation, file), path.join(staging, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    for (const file of [...METADATA_FILES, target]) rmSync(path.join(staging, file), { force: true });
    return false;
  }
}

/** Every file of the new generation reaches the disk before the pointer names it. */
function syncTree(directory: string): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) syncTree(file);
    else syncFile(file);
  }
  syncFile(directory);
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The generation the pointer named before, and whatever a crash or a concurrent refresh left long ago. */
function removeOldGenerations(directory: string, current: string, previous: string | undefined): void {
  if (previous !== undefined && previous !== current) rmSync(path.join(directory, previous), { recursive: true, force: true });
  const now = Date.now();
  for (const entry of readdirSync(directory)) {
    if (entry === current || !(entry.startsWith('gen-') || entry.startsWith('staging-'))) continue;
    try {
      if (now - statSync(path.join(directory, entry)).mtimeMs > ABANDONED_AFTER_MS)
        rmSync(path.join(directory, entry), { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

// ---------------------------------------------------------------------------
// Fetching, and saying what went wrong

/** The repository could not be reached or did not serve a file: not a verdict on its metadata. */
class MirrorUnreachable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * tuf-js's fetcher contract over Node's fetch, remembering what was asked
 * and the bytes of each metadata file, so that a refusal can name the file
 * and, for an expired one, its date.
 */
class RecordingFetcher extends BaseFetcher {
  /** the file being fetched, as the repository names it (e.g. 3.snapshot.json) */
  current: string | undefined;
  /** the last bytes seen of each role's file, by role file name (snapshot.json) */
  readonly bytes = new Map<string, Buffer>();
  /** why the repository could not be used, when it could not */
  unreachable: string | undefined;
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    super();
    this.#timeoutMs = timeoutMs;
  }

  expecting(file: string): void {
    this.current = file;
  }

  override async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const file = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? url);
    this.current = file;
    const bytes = await super.downloadBytes(url, maxLength);
    this.bytes.set(roleFile(file), bytes);
    return bytes;
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const file = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? url);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'user-agent': 'readme-gen' },
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'follow',
      });
    } catch (error) {
      const reason = networkReason(error);
      this.unreachable = `${reason} fetching ${file}`;
      throw new MirrorUnreachable(this.unreachable);
    }
    if (response.ok && response.body) {
      // Read here, so that a connection lost mid-file is the repository being unreachable, not a bad file.
      let body: Buffer;
      try {
        // tuf-js's own words for a file over its limit: explain() reads them as a bad file.
        body = await readCapped(response.body, MAX_FILE_BYTES, () => new Error('Max length reached'));
      } catch (error) {
        if (error instanceof Error && error.message === 'Max length reached') throw error;
        this.unreachable = `${networkReason(error)} reading ${file}`;
        throw new MirrorUnreachable(this.unreachable);
      }
      return new Blob([new Uint8Array(body)]).stream() as ReadableStream<Uint8Array<ArrayBuffer>>;
    }
    await response.body?.cancel();
    // The end of the chain of root versions: the repository has no newer root.
    if (/^\d+\.root\.json$/.test(file) && (response.status === 404 || response.status === 403))
      throw new DownloadHTTPError('no newer root', response.status);
    this.unreachable = `HTTP ${response.status} for ${file}`;
    throw new MirrorUnreachable(this.unreachable);
  }
}

/** No TUF metadata file or trusted root comes near this; tuf-js checks each file's own limit after. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  let cause: unknown = error;
  while (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== '') return code;
    cause = cause.cause;
  }
  return error instanceof Error ? error.message : String(error);
}

/** 3.snapshot.json → snapshot.json; 1a2b….trusted_root.json stays as the target's name. */
function roleFile(file: string): string {
  return file.replace(/^\d+\.(root|snapshot|targets|timestamp)\.json$/, '$1.json');
}

function refused(mirror: string, problem: string): VerificationError {
  return new VerificationError(`the TUF repository ${mirror} is refused: ${problem}; nothing was cached, the cache is as it was`);
}

/**
 * tuf-js's errors, as one sentence naming the metadata file and what is
 * wrong. tuf-js wraps some in RuntimeErrors whose message holds the original
 * one, so the messages are read, not the classes.
 */
function explain(error: unknown, mirror: string, fetcher: RecordingFetcher, staging: string): Error {
  if (error instanceof MirrorUnreachable) return error;
  if (fetcher.unreachable !== undefined) return new MirrorUnreachable(fetcher.unreachable);
  if (error instanceof InputError || error instanceof VerificationError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const file = fetcher.current ?? 'the metadata';
  const expiry = (role: string) => {
    const bytes = fetcher.bytes.get(role) ?? readIfPresent(path.join(staging, role));
    try {
      const expires = (JSON.parse(bytes?.toString('utf8') ?? '') as { signed?: { expires?: unknown } }).signed?.expires;
      return typeof expires === 'string' ? ` on ${expires}` : '';
    } catch {
      return '';
    }
  };
  let match: RegExpExecArray | null;
  if ((match = /(?:Final )?(root|timestamp|snapshot|targets)\.json is expired/.exec(message))) {
    const role = `${match[1]}.json`;
    return refused(mirror, `${role} expired${expiry(role)}`);
  }
  if ((match = /(\S+) was signed by (\d+)\/(\d+) keys/.exec(message))) {
    const role = match[1] === 'root' && /^\d+\.root\.json$/.test(file) ? file : `${match[1]}.json`;
    return refused(mirror, `${role}: the signature does not verify (${match[2]} of the ${match[3]} required keys signed it)`);
  }
  if ((match = /New (timestamp|snapshot) version (\d+) is less than current version (\d+)/.exec(message))) {
    return refused(mirror, `${match[1]}.json: version rollback (version ${match[2]} offered after version ${match[3]} was trusted)`);
  }
  if ((match = /New version (\d+) of (\S+) is less than current version (\d+)/.exec(message))) {
    return refused(mirror, `${match[2]}: version rollback (version ${match[1]} offered after version ${match[3]} was trusted)`);
  }
  if ((match = /Expected version (\d+), got (\d+)/.exec(message))) {
    return refused(mirror, `${file}: version ${match[2]} where version ${match[1]} of root.json was expected`);
  }
  if (/Snapshot version doesn't match timestamp/.test(message)) {
    return refused(mirror, 'snapshot.json: its version is not the one timestamp.json names');
  }
  if ((match = /Version (\d+) of (\S+) does not match snapshot version (\d+)/.exec(message))) {
    return refused(mirror, `${match[2]}.json: version ${match[1]} where snapshot.json names version ${match[3]}`);
  }
  if (/Expected (hash|length)|Max length reached/.test(message)) {
    const parent = { 'snapshot.json': 'timestamp.json', 'targets.json': 'snapshot.json' }[roleFile(file)] ?? 'targets.json';
    return refused(mirror, `${file}: its content does not match the hash and length ${parent} gives for it`);
  }
  return refused(mirror, `${file}: ${message.replace(/^Unable to load \S+ (?:metadata )?error (?:\w*Error: )?/, '')}`);
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
