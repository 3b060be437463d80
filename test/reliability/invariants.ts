/**
 * What must hold on disk after any readme-gen run, successful or not, and the
 * plumbing the reliability tests share: a readme-gen process that is killed
 * if it hangs, a walk of every file under a directory, and the checks that
 * the content cache holds only whole entries and nothing temporary is left.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { type CliRun, runCliAsync } from '../helpers/run-cli.js';

export interface TimedRun extends CliRun {
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** killed after this long; default 60 s */
  deadlineMs?: number;
  /** run under `ulimit -n` this many open files, so a descriptor leak fails with EMFILE */
  fdLimit?: number;
}

/**
 * runCliAsync, killed after a deadline even when the test sets none, so a
 * hang fails the test instead of stalling the file; with the run's wall time.
 */
export async function runReadmeGen(args: readonly string[], cwd: string, options: RunOptions = {}): Promise<TimedRun> {
  const started = performance.now();
  const run = await runCliAsync(args, cwd, options.env, {
    deadlineMs: options.deadlineMs ?? 60_000,
    ...(options.fdLimit === undefined ? {} : { fdLimit: options.fdLimit }),
  });
  return { ...run, ms: performance.now() - started };
}

/** Every regular file (and symlink) under `dir`, as paths relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => !lstatSync(path.join(dir, name)).isDirectory())
    .sort();
}

/**
 * Each file under `dir` (but those under the folders `skip` names) with its
 * modification time and bytes: equal before and after a run that must write
 * nothing, and different if it wrote anything, even the same bytes.
 */
export function fileStamps(dir: string, skip: readonly string[] = []): Map<string, string> {
  return new Map(
    filesUnder(dir)
      .filter((name) => !skip.some((folder) => name === folder || name.startsWith(`${folder}${path.sep}`)))
      .map((name) => [name, `${lstatSync(path.join(dir, name)).mtimeMs} ${readFileSync(path.join(dir, name), 'utf8')}`]),
  );
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The folders of results kept in the cache (verdicts, tags-table checks, authentic READMEs). */
const KEPT_RESULT_FOLDERS = new Set(['verdicts', 'tags-tables', 'readmes']);

/**
 * The content cache holds only complete entries: every file under
 * sha256/ sits at sha256/<first two hex>/<hex> and its bytes hash to <hex>;
 * every registry capability file is whole JSON; every kept result is whole
 * JSON holding the key it is named by; nothing else is there.
 * Returns how many content entries there are.
 */

export function assertCacheConsistent(cacheDir: string): number {
  let entries = 0;
  let files: string[];
  try {
    files = filesUnder(cacheDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const file of files) {
    const parts = file.split(path.sep);
    const bytes = readFileSync(path.join(cacheDir, file));
    if (parts[0] === 'sha256') {
      assert.equal(parts.length, 3, `cache entry at an unexpected depth: ${file}`);
      const [, prefix, hex] = parts as [string, string, string];
      assert.match(hex, /^[0-9a-f]{64}$/, `not a cache entry name: ${file}`);
      assert.equal(prefix, hex.slice(0, 2), `cache entry in the wrong directory: ${file}`);
      assert.equal(sha256Hex(bytes), hex, `cache entry ${file} does not hash to its name (${bytes.length} bytes): partial or wrong`);
      entries++;
    } else if (parts[0] === 'registries') {
      assert.match(file, /\.json$/, `unexpected file in the cache: ${file}`);
      assert.doesNotThrow(() => JSON.parse(bytes.toString('utf8')), `cache file ${file} is not whole JSON`);
    } else if (parts[0] !== undefined && KEPT_RESULT_FOLDERS.has(parts[0])) {
      // src/fs/kept-results.ts: <folder>/<key>.json holding {key, value}, the key it was kept under.
      assert.equal(parts.length, 2, `kept result at an unexpected depth: ${file}`);
      const key = /^([0-9a-f]{64})\.json$/.exec(parts[1] ?? '')?.[1];
      assert.ok(key !== undefined, `not a kept result's name: ${file}`);
      const entry = JSON.parse(bytes.toString('utf8')) as { key?: unknown };
      assert.equal(entry.key, key, `kept result ${file} holds another key: partial or wrong`);
    } else {
      assert.fail(`unexpected file in the cache: ${file}`);
    }
  }
  return entries;
}

/** No temporary file (`*.tmp`, as atomic writes name theirs) anywhere under `dir`. */
export function assertNoTemporaryFiles(dir: string): void {
  const left = filesUnder(dir).filter((file) => /\.tmp$/i.test(file) || /\.tmp\./i.test(path.basename(file)));
  assert.deepEqual(left, [], `temporary files left behind under ${dir}`);
}

/** stderr is exactly one line (besides a trailing newline), and returns it. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0] ?? '';
}
