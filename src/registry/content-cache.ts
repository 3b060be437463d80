import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

/**
 * Content addressed by digest never changes, so manifests, configs and
 * signature payloads fetched once are kept on disk and never fetched again.
 * Entries are written atomically (temporary file, then rename) and checked
 * against their digest when read: a damaged entry is a miss, not an answer.
 */
export class ContentCache {
  readonly #dir: string | undefined;
  readonly stats = { hits: 0, misses: 0 };
  /** directories made (or found) in this run: one mkdir each, not one per entry */
  readonly #directories = new Set<string>();

  /** `dir` undefined keeps nothing (tests, --no-cache). */
  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  get(digest: string): Buffer | undefined {
    const bytes = this.#read(digest);
    if (bytes) this.stats.hits++;
    else this.stats.misses++;
    return bytes;
  }

  #read(digest: string): Buffer | undefined {
    const file = this.#file(digest);
    if (!file) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      return undefined;
    }
    return sha256Digest(bytes) === digest ? bytes : undefined;
  }

  /**
   * Keeps `bytes` under `digest`. The registry client has checked that they
   * hash to it before caching them (and a reader checks again), so they are
   * not hashed a third time here.
   */
  put(digest: string, bytes: Buffer): void {
    const file = this.#file(digest);
    if (file) writeAtomically(file, bytes, this.#directories);
  }

  /** Whether an entry exists, unread and unchecked: enough to guess whether content was seen before, not to use it. */
  has(digest: string): boolean {
    const file = this.#file(digest);
    return file !== undefined && existsSync(file);
  }

  /**
   * What a registry was found to support, remembered for a week so that a
   * warm run asks nothing it already knows. Not content: it may change, and a
   * stale answer only costs requests, never wrong data.
   */
  capability(host: string, name: string): boolean | undefined {
    const file = this.#capabilityFile(host);
    if (!file) return undefined;
    try {
      const known = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { value: boolean; checkedAt: number }>;
      const entry = known[name];
      return entry && Date.now() - entry.checkedAt < CAPABILITY_LIFETIME_MS ? entry.value : undefined;
    } catch {
      return undefined;
    }
  }

  rememberCapability(host: string, name: string, value: boolean): void {
    const file = this.#capabilityFile(host);
    if (!file) return;
    let known: Record<string, unknown> = {};
    try {
      known = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // first time
    }
    writeAtomically(file, Buffer.from(JSON.stringify({ ...known, [name]: { value, checkedAt: Date.now() } })), this.#directories);
  }

  /**
   * A capability an image of this run is finding out now, shared with the
   * other images of the run (--all, side by side): they wait for its answer
   * instead of asking the host too. `pending` is undefined when nobody has
   * asked yet; `asking` is told the answer, which resolves to undefined when
   * the question told nothing (the request failed), so the next image asks.
   */
  learning(host: string, name: string): SharedQuestion {
    const key = `${host} ${name}`;
    return {
      pending: () => this.#asked.get(key),
      asking: (answer) => {
        this.#asked.set(key, answer);
        void answer.then((value) => {
          if (value === undefined && this.#asked.get(key) === answer) this.#asked.delete(key);
        });
      },
    };
  }

  readonly #asked = new Map<string, Promise<boolean | undefined>>();

  /**
   * Content by digest, fetched once for the images of a run that ask for it
   * at the same time (--all, side by side): a second image waits for the
   * first one's GET instead of sending its own, as it would have found the
   * content in the cache had the images run one after the other. `fetch`
   * resolves to the bytes, checked against the digest, or undefined when its
   * repository does not have them; then, or if that GET fails, the one
   * waiting fetches from its own repository.
   */
  async fetchOnce<T extends Buffer | undefined>(digest: string, fetch: () => Promise<T>): Promise<Buffer | T> {
    const pending = this.#fetching.get(digest);
    if (pending) return (await pending.catch(() => undefined)) ?? fetch();
    const mine = fetch();
    this.#fetching.set(digest, mine);
    try {
      return await mine;
    } finally {
      this.#fetching.delete(digest);
    }
  }

  readonly #fetching = new Map<string, Promise<Buffer | undefined>>();

  #capabilityFile(host: string): string | undefined {
    return this.#dir ? path.join(this.#dir, 'registries', `${encodeURIComponent(host)}.json`) : undefined;
  }

  #file(digest: string): string | undefined {
    const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
    return this.#dir && match ? path.join(this.#dir, 'sha256', match[1]!.slice(0, 2), match[1]!) : undefined;
  }
}

/** A question about a host that one image of a run asks for all of them (ContentCache.learning). */
export interface SharedQuestion {
  pending(): Promise<boolean | undefined> | undefined;
  asking(answer: Promise<boolean | undefined>): void;
}

const CAPABILITY_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Several processes may share the cache: a reader sees a whole entry or none. A cache that cannot be written is only slower. */
function writeAtomically(file: string, bytes: Buffer, madeDirectories: Set<string>): void {
  try {
    const directory = path.dirname(file);
    if (!madeDirectories.has(directory)) {
      mkdirSync(directory, { recursive: true });
      madeDirectories.add(directory);
    }
    writeFileAtomic(file, bytes, file, { durable: false });
  } catch {
    // the entry is fetched again next time
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** $XDG_CACHE_HOME/readme-gen, else ~/.cache/readme-gen. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'readme-gen');
}

/** The cache directory results are kept in; undefined (keep nothing) with cacheDir null. */
export function keepingDir(cache: { cacheDir?: string | null; env?: NodeJS.ProcessEnv }): string | undefined {
  return cache.cacheDir === null ? undefined : (cache.cacheDir ?? defaultCacheDir(cache.env));
}
