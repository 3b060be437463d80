import { AsyncLocalStorage } from 'node:async_hooks';
import { hash } from 'node:crypto';
import { type BigIntStats, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';

/**
 * One thing a run read from disk, as it found it: a file's text (read as
 * UTF-8, as the run read it) or bytes, a directory's names, or that a path it
 * looked for was there or not. `digest` is the sha256 of the text or bytes,
 * or of the names sorted and joined by NUL; empty for a path looked for.
 *
 * `stat` vouches for a file's content without reading it, as git's index
 * does: the file's size, modification and change times and inode when its
 * digest was last confirmed, recorded only once the file had been left
 * alone for SETTLED_NS before it was read. Any write since then moves its
 * change time (which no program can set back), so the same stat means the
 * same bytes; a file changed within that time is read and hashed instead.
 */
export interface Input {
  file: string;
  kind: 'text' | 'bytes' | 'listing' | 'absent' | 'present';
  digest: string;
  stat?: string;
}

/**
 * How long a file must have been unchanged before its stat vouches for it:
 * far longer than a read takes, and than the coarsest file time stamps
 * (2 s on FAT), so that a write racing the read is never hidden by a stat
 * taken after it.
 */
const SETTLED_NS = 3_000_000_000n;

/**
 * The inputs of the work under way, when it is being recorded. Per
 * asynchronous context, so that images rendered side by side each get their
 * own list.
 */
const recording = new AsyncLocalStorage<Map<string, Input>>();

/**
 * Runs `work` and lists every input it noted: what its result is a function
 * of, so that the result can be kept and trusted while each input is as it
 * was (see confirmed). The readers of anything a render depends on note what
 * they read, each time they are asked, also when they hand out what they
 * read earlier in the process; test/commands/render-inputs.test.ts holds a
 * render's list to every file it looked at.
 */
export async function recordInputs<T>(work: () => Promise<T>): Promise<{ value: T; inputs: Input[] }> {
  const inputs = new Map<string, Input>();
  const value = await recording.run(inputs, work);
  return { value, inputs: [...inputs.values()] };
}

/** Notes a file read, as text or as bytes. Nothing when no work is being recorded. */
export function noteFile(file: string, content: string | Uint8Array): void {
  const inputs = recording.getStore();
  if (!inputs) return;
  const { digest, stat } = noted(file, content);
  const input: Input = { file, kind: typeof content === 'string' ? 'text' : 'bytes', digest };
  if (stat !== undefined) input.stat = stat;
  inputs.set(file, input);
}

/** Notes a directory's listing: every name in it, whatever the reader kept of them. */
export function noteListing(dir: string, names: readonly string[]): void {
  recording.getStore()?.set(dir, { file: dir, kind: 'listing', digest: listingDigest(names) });
}

/** Notes that a path looked for was not there: its appearing changes the result too. */
export function noteAbsent(file: string): void {
  recording.getStore()?.set(file, { file, kind: 'absent', digest: '' });
}

/** Notes that a path looked for was there, whatever it is: its disappearing changes the result. */
export function notePresent(file: string): void {
  recording.getStore()?.set(file, { file, kind: 'present', digest: '' });
}

/**
 * `input` as it is now, when it is what was noted: the same stat, else the
 * same text or bytes, read and hashed (then with the stat that vouches for
 * them from now on, once the file has settled); the same names; or still
 * absent, or present. Undefined when it changed, or cannot be read.
 */
export function confirmed(input: Input): Input | undefined {
  if (input.kind === 'absent' || input.kind === 'present') return existsSync(input.file) === (input.kind === 'present') ? input : undefined;
  if (input.kind === 'listing') return sameListing(input) ? input : undefined;
  try {
    if (input.stat !== undefined && statKey(statSync(input.file, { bigint: true })) === input.stat) return input;
  } catch {
    return undefined;
  }
  return confirmedContent(input)?.input;
}

/** A text input's text now, when it is what was noted; and the input, as `confirmed` gives it. */
export function confirmedText(input: Input): { input: Input; text: string } | undefined {
  if (input.kind !== 'text') return undefined;
  const now = confirmedContent(input);
  return now && { input: now.input, text: now.content as string };
}

/** The content read, and the input it is: the stat taken after the read vouches for what was read. */
function confirmedContent(input: Input): { input: Input; content: string | Buffer } | undefined {
  try {
    const content = input.kind === 'text' ? readFileSync(input.file, 'utf8') : readFileSync(input.file);
    const after = statSync(input.file, { bigint: true });
    if (input.stat !== undefined && statKey(after) === input.stat) return { input, content };
    if (hash('sha256', content, 'hex') !== input.digest) return undefined;
    const stat = settledStat(after);
    return { input: stat === undefined || stat === input.stat ? input : { ...input, stat }, content };
  } catch {
    // Gone or unreadable: the work is done again, and says what is wrong.
    return undefined;
  }
}

function sameListing(input: Input): boolean {
  try {
    return listingDigest(readdirSync(input.file)) === input.digest;
  } catch {
    return false;
  }
}

/**
 * The digest (and stat) of each file's content, for a text handed out again
 * and again (a shipped template, noted for every image of an --all run):
 * worked out the first time, and again only when the text is another.
 */
const lastNoted = new Map<string, { content: string | Uint8Array; digest: string; stat: string | undefined }>();

function noted(file: string, content: string | Uint8Array): { digest: string; stat: string | undefined } {
  const last = lastNoted.get(file);
  if (last?.content === content) return last;
  const digest = hash('sha256', content, 'hex');
  let stat: string | undefined;
  try {
    stat = settledStat(statSync(file, { bigint: true }));
  } catch {
    stat = undefined;
  }
  const entry = { content, digest, stat };
  lastNoted.set(file, entry);
  return entry;
}

/**
 * A stat taken after a file was read, as a key, when the file had been left
 * alone long enough before it to vouch for what was read (see Input).
 */
function settledStat(stat: BigIntStats): string | undefined {
  const settledBefore = BigInt(Date.now()) * 1_000_000n - SETTLED_NS;
  return stat.ctimeNs < settledBefore && stat.mtimeNs < settledBefore ? statKey(stat) : undefined;
}

function statKey(stat: BigIntStats): string {
  return `${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}:${stat.dev}`;
}

function listingDigest(names: readonly string[]): string {
  return hash('sha256', [...names].sort().join('\0'), 'hex');
}
