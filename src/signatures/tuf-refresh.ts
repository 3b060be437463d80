/**
 * The online half of tuf-trusted-root.ts: a refresh of the trusted root
 * through TUF, with tuf-js. Its own module so that only a run that reads the
 * network loads tuf-js (commands import it when they refresh).
 */
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
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { InputError, RegistryError, VerificationError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readCapped } from '../http/read-capped.js';
import {
  POINTER,
  PUBLIC_GOOD_TUF_ROOT,
  type Pointer,
  type PublicTrustedRoot,
  type RefreshOptions,
  TRUSTED_ROOT_TARGET,
  isPublicGood,
  looksLikeTrustedRoot,
  mirrorDirectory,
  mirrorOf,
  offlineTrustedRoot,
  readPointer,
} from './tuf-trusted-root.js';

const METADATA_FILES = ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'] as const;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A generation or staging directory no pointer names, this old, was left by a crash or a lost race. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

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
