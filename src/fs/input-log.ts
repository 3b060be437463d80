import { AsyncLocalStorage } from 'node:async_hooks';
import { hash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/**
 * One thing a run read from disk, as it found it: a file's bytes, a
 * directory's names, or that a path it looked for was not there. `digest` is
 * the sha256 of the bytes, or of the names sorted and joined by NUL; empty
 * for an absent path.
 */
export interface Input {
  file: string;
  kind: 'file' | 'listing' | 'absent';
  digest: string;
}

/**
 * The inputs of the work under way, when it is being recorded. Per
 * asynchronous context, so that images rendered side by side each get their
 * own list.
 */
const recording = new AsyncLocalStorage<Map<string, Input>>();

/**
 * Runs `work` and lists every input it noted: what its result is a function
 * of, so that the result can be kept and trusted while each input is as it
 * was (see sameAsNow). The readers of anything a render depends on note what
 * they read, each time they are asked, also when they hand out what they
 * read earlier in the process; test/fs/input-log.test.ts holds a render's
 * list to every file it opened.
 */
export async function recordInputs<T>(work: () => Promise<T>): Promise<{ value: T; inputs: Input[] }> {
  const inputs = new Map<string, Input>();
  const value = await recording.run(inputs, work);
  return { value, inputs: [...inputs.values()] };
}

/** Notes a file read (its text as read, or its bytes). Nothing when no work is being recorded. */
export function noteFile(file: string, content: string | Uint8Array): void {
  recording.getStore()?.set(file, { file, kind: 'file', digest: digestOf(file, content) });
}

/** Notes a directory's listing: every name in it, whatever the reader kept of them. */
export function noteListing(dir: string, names: readonly string[]): void {
  recording.getStore()?.set(dir, { file: dir, kind: 'listing', digest: listingDigest(names) });
}

/** Notes that a path looked for was not there: its appearing changes the result too. */
export function noteAbsent(file: string): void {
  recording.getStore()?.set(file, { file, kind: 'absent', digest: '' });
}

/** Whether `input` is still as it was noted: the same bytes, the same names, or still absent. */
export function sameAsNow(input: Input): boolean {
  if (input.kind === 'absent') return !existsSync(input.file);
  try {
    const now = input.kind === 'file' ? hash('sha256', readFileSync(input.file), 'hex') : listingDigest(readdirSync(input.file));
    return now === input.digest;
  } catch {
    // Gone or unreadable: the work is done again, and says what is wrong.
    return false;
  }
}

/** A file's text, when its bytes are still those `input` noted; else undefined. */
export function textIfSame(input: Input): string | undefined {
  if (input.kind !== 'file') return undefined;
  try {
    const bytes = readFileSync(input.file);
    return hash('sha256', bytes, 'hex') === input.digest ? bytes.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The digest of each file's content, for a text handed out again and again
 * (a shipped template, noted for every image of an --all run): hashed the
 * first time, and again only when the text is another.
 */
const lastDigests = new Map<string, { content: string | Uint8Array; digest: string }>();

function digestOf(file: string, content: string | Uint8Array): string {
  const last = lastDigests.get(file);
  if (last?.content === content) return last.digest;
  const digest = hash('sha256', content, 'hex');
  lastDigests.set(file, { content, digest });
  return digest;
}

function listingDigest(names: readonly string[]): string {
  return hash('sha256', [...names].sort().join('\0'), 'hex');
}
