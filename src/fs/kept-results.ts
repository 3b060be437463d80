import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeGenVersion } from '../package-root.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * The key of a pure check's result: the hash of everything the check reads
 * (`inputs`, as JSON) and of readme-gen's version, so that another version's
 * checker, which may judge otherwise, is asked again.
 */
export function resultKey(inputs: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([readmeGenVersion(), ...inputs]))
    .digest('hex');
}

/**
 * Results of a pure check kept in the cache directory (<cache>/<folder>/<key>.json),
 * so that a run over an unchanged repository does not check again what an
 * earlier run found. Only a passing result is kept (a failure is checked
 * again, and says why). An entry is used only when the key it holds is the
 * key asked for and its value reads as one: an entry copied or renamed under
 * another key, or damaged, is a miss.
 */
export class KeptResults<T> {
  readonly #dir: string | undefined;
  readonly #read: (value: unknown) => T | undefined;
  #madeDirectory = false;

  /** `cacheDir` undefined keeps nothing; `read` gives the value of an entry's JSON, undefined when it is not one. */
  constructor(cacheDir: string | undefined, folder: string, read: (value: unknown) => T | undefined) {
    this.#dir = cacheDir === undefined ? undefined : path.join(cacheDir, folder);
    this.#read = read;
  }

  /** The value kept under `key`, else `check`'s, kept when it returns (a check that fails throws). */
  kept(key: string, check: () => T): T {
    const kept = this.get(key);
    if (kept !== undefined) return kept;
    const value = check();
    this.put(key, value);
    return value;
  }

  get(key: string): T | undefined {
    if (this.#dir === undefined) return undefined;
    let entry: unknown;
    try {
      entry = JSON.parse(readFileSync(this.#file(key), 'utf8'));
    } catch {
      return undefined;
    }
    if (entry === null || typeof entry !== 'object' || (entry as { key?: unknown }).key !== key) return undefined;
    return this.#read((entry as { value?: unknown }).value);
  }

  /** Keeps a passing result; a cache that cannot be written is only slower. */
  put(key: string, value: T): void {
    if (this.#dir === undefined) return;
    try {
      if (!this.#madeDirectory) {
        mkdirSync(this.#dir, { recursive: true });
        this.#madeDirectory = true;
      }
      writeFileAtomic(this.#file(key), `${JSON.stringify({ key, value })}\n`, this.#file(key), { durable: false });
    } catch {
      // checked again next time
    }
  }

  #file(key: string): string {
    return path.join(this.#dir ?? '', `${key}.json`);
  }
}
