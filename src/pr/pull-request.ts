import { unifiedDiff } from '../diff/unified-diff.js';
import { fencedCode, inlineCodeInProse, inlineText } from '../markdown/markdown-escape.js';
import { counted } from '../text/counted.js';
import { type StateChanges, describeChanges, describeProvenanceChange, isEmpty, shortDigest } from './state-changes.js';

/**
 * The pull request `readme-gen pr` proposes, as values: commit message, title
 * and body are pure functions of what changed, so `--dry-run` prints exactly
 * what a real run would send, and tests can check them without git or GitHub.
 */

/** GitHub refuses a pull request body longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/** One README or state file, as on the base branch and as it would become. */
export interface FileChange {
  /** path from the repository root, with forward slashes */
  path: string;
  kind: 'readme' | 'state';
  /** undefined: the base branch has no such file */
  before: string | undefined;
  after: string;
}

/** One configured image whose README or state changed. */
export interface ImageUpdate {
  name: string;
  location: string;
  /** only the files that changed */
  files: FileChange[];
  /** undefined when the base branch had no readable state to compare with */
  changes: StateChanges | undefined;
}

export interface PullRequestContent {
  title: string;
  body: string;
  commitMessage: string;
}

export interface PullRequestContext {
  base: string;
  branch: string;
  /** for tests of the size limit; default GITHUB_BODY_LIMIT */
  bodyLimit?: number;
}

export function pullRequestContent(updates: readonly ImageUpdate[], context: PullRequestContext): PullRequestContent {
  const title = pullRequestTitle(updates);
  return { title, body: pullRequestBody(updates, context), commitMessage: commitMessage(title, updates) };
}

/** `readme-gen: update app (1 tag added, latest moved)`; several images are named, not counted in detail. */
export function pullRequestTitle(updates: readonly ImageUpdate[]): string {
  const [only] = updates;
  if (updates.length === 1 && only) return `readme-gen: update ${only.name} (${headline(only)})`;
  const names = updates.map((update) => update.name);
  return names.length <= 3
    ? `readme-gen: update ${names.join(', ')}`
    : `readme-gen: update ${names.length} images (${names.slice(0, 2).join(', ')}, …)`;
}

/** The commit message: the title, then what changed per image in plain text, then the files. */
export function commitMessage(title: string, updates: readonly ImageUpdate[]): string {
  const sections = updates.map((update) =>
    [`${update.name} (${update.location}):`, ...plainLines(update).map((line) => `- ${line}`)].join('\n'),
  );
  const files = updates.flatMap((update) => update.files.map((file) => file.path));
  return `${title}\n\n${sections.join('\n\n')}\n\nFiles: ${files.join(', ')}\n`;
}

/** A short phrase for a title: counts, or the one tag when only one moved. */
function headline(update: ImageUpdate): string {
  const changes = update.changes;
  if (changes === undefined) return 'state recorded';
  const parts: string[] = [];
  const count = (n: number, what: string) => `${counted(n, 'tag')} ${what}`;
  if (changes.added.length > 0) parts.push(count(changes.added.length, 'added'));
  if (changes.removed.length > 0) parts.push(count(changes.removed.length, 'removed'));
  const [onlyMoved] = changes.moved;
  if (changes.moved.length === 1 && onlyMoved) parts.push(`${onlyMoved.tag} moved`);
  else if (changes.moved.length > 1) parts.push(count(changes.moved.length, 'moved'));
  if (changes.signatures.length > 0) parts.push(`signatures of ${counted(changes.signatures.length, 'digest')} changed`);
  if (changes.signer) parts.push('new signer');
  if (changes.provenance.length > 0) parts.push('provenance changed');
  if (parts.length > 0) return parts.join(', ');
  return changes.otherChanges ? 'metadata changed' : 'README re-rendered';
}

/** What changed, one sentence a line, without Markdown (the commit message). */
function plainLines(update: ImageUpdate): string[] {
  const changes = update.changes;
  if (changes === undefined) return ['no readable state on the base branch; the state is recorded afresh'];
  const lines = describeChanges(changes);
  if (lines.length === 0) lines.push('registry unchanged; README re-rendered');
  return lines;
}

/**
 * The body: a sentence of context, then per image what changed as lists a
 * reviewer reads (at most `maxItems` entries each), then the README diff
 * folded in <details>. Kept under GitHub's limit by degrading in steps: the
 * largest diffs are dropped first (each with a note), then the lists are
 * shortened, and only as a last resort is the text cut.
 */
export function pullRequestBody(updates: readonly ImageUpdate[], context: PullRequestContext): string {
  const limit = context.bodyLimit ?? GITHUB_BODY_LIMIT;
  const diffs = updates.map((update) => update.files.filter((file) => file.kind === 'readme').map((file) => diffBlock(file)));
  const dropped = new Set<string>();
  const assemble = (maxItems: number) =>
    [
      intro(updates, context),
      ...updates.map((update, index) =>
        imageSection(
          update,
          maxItems,
          (diffs[index] ?? []).map((block) => (dropped.has(block.id) ? block.note : block.text)),
        ),
      ),
      footer(context),
    ].join('\n\n') + '\n';

  let body = assemble(Number.POSITIVE_INFINITY);
  if (body.length <= limit) return body;
  // Largest diff first: one huge README should not cost the small ones their diffs.
  let length = body.length;
  for (const block of diffs.flat().sort((a, b) => b.text.length - a.text.length)) {
    if (length <= limit) break;
    dropped.add(block.id);
    length -= block.text.length - block.note.length;
  }
  body = assemble(Number.POSITIVE_INFINITY);
  for (let maxItems = 200; body.length > limit && maxItems >= 5; maxItems = Math.floor(maxItems / 2)) body = assemble(maxItems);
  if (body.length <= limit) return body;
  const cut =
    "\n\n_… the rest is cut: it would take this description past GitHub's limit. See the commit message and **Files changed**._\n";
  return body.slice(0, limit - cut.length) + cut;
}

interface DiffBlock {
  id: string;
  text: string;
  note: string;
}

function diffBlock(file: FileChange): DiffBlock {
  const diff = unifiedDiff(file.path, file.before ?? '', file.after);
  const lines = diff.split('\n');
  const added = lines.filter((line) => line.startsWith('+') && !line.startsWith('+++ ')).length;
  const removed = lines.filter((line) => line.startsWith('-') && !line.startsWith('--- ')).length;
  const counts = `+${added} −${removed}`;
  const label = `${escapeHtml(file.path)} (${counts})`;
  return {
    id: file.path,
    text: `<details><summary>README diff: ${label}</summary>\n\n${fencedCode(diff.replace(/\n$/, ''), 'diff')}\n\n</details>`,
    note: `_The README diff of ${inlineCodeInProse(file.path)} (${counts} lines) is left out: it would take this description past GitHub's ${GITHUB_BODY_LIMIT.toLocaleString('en-US')}-character limit. See **Files changed**._`,
  };
}

function intro(updates: readonly ImageUpdate[], context: PullRequestContext): string {
  const what = updates.length === 1 ? 'the image below' : `${updates.length} images`;
  return `readme-gen read the registry for ${what}, recorded its state and re-rendered the README against ${inlineCodeInProse(context.base)}.`;
}

function footer(context: PullRequestContext): string {
  return `<sub>Opened by \`readme-gen pr\`. Each run rebuilds ${inlineCodeInProse(context.branch)} from ${inlineCodeInProse(context.base)} and force-pushes it, so commits added to it by hand are lost; change the config or template on ${inlineCodeInProse(context.base)} instead.</sub>`;
}

function imageSection(update: ImageUpdate, maxItems: number, diffs: string[]): string {
  const heading = `### ${inlineText(update.name)} (${inlineCodeInProse(update.location)})`;
  const files = `Files: ${update.files.map((file) => inlineCodeInProse(file.path)).join(', ')}`;
  return [heading, ...changeLists(update.changes, maxItems), files, ...diffs].join('\n\n');
}

function changeLists(changes: StateChanges | undefined, maxItems: number): string[] {
  if (changes === undefined)
    return [
      'The base branch has no readable state to compare with, so the state is recorded afresh; the diff below shows what the README gains.',
    ];
  const code = inlineCodeInProse;
  const digest = (value: string) => code(shortDigest(value));
  const blocks: string[] = [];
  const list = (title: string, items: string[]) => {
    if (items.length === 0) return;
    const shown = items.slice(0, maxItems).map((item) => `- ${item}`);
    if (items.length > maxItems) shown.push(`- … and ${items.length - maxItems} more`);
    blocks.push(`**${title}**\n\n${shown.join('\n')}`);
  };
  list(
    'Tags added',
    changes.added.map(
      (t) => `${code(t.tag)} → ${digest(t.digest)}${t.platforms.length > 0 ? ` (${t.platforms.map(code).join(', ')})` : ''}`,
    ),
  );
  list(
    'Tags removed',
    changes.removed.map((t) => `${code(t.tag)} (was ${digest(t.digest)})`),
  );
  list(
    'Tags moved to a new digest',
    changes.moved.map((t) => `${code(t.tag)}: ${digest(t.from)} → ${digest(t.to)}`),
  );
  list(
    'Architectures',
    changes.moved
      .filter((t) => t.platformsAdded.length + t.platformsRemoved.length > 0)
      .map(
        (t) =>
          `${code(t.tag)}: ${[t.platformsAdded.length > 0 ? `added ${t.platformsAdded.map(code).join(', ')}` : '', t.platformsRemoved.length > 0 ? `removed ${t.platformsRemoved.map(code).join(', ')}` : ''].filter((part) => part !== '').join('; ')}`,
      ),
  );
  list(
    'Signatures changed',
    changes.signatures.map((s) => `${s.tags.map(code).join(', ')} (${digest(s.digest)}): ${s.before} → ${counted(s.after, 'signature')}`),
  );
  if (changes.signer) {
    const who = (signer: string | undefined) => (signer === undefined ? '_unsigned_' : code(signer));
    blocks.push(
      `**Signing identity** of ${code(changes.signer.tag)} (the certificate SAN of its latest signature)\n\n- ${who(changes.signer.from)} → ${who(changes.signer.to)}`,
    );
  }
  list(
    'Provenance',
    changes.provenance.map((change) => describeProvenanceChange(change, code, '→')),
  );
  if (blocks.length === 0) {
    blocks.push(
      isEmpty(changes)
        ? 'The registry state is unchanged; the README was re-rendered (a template, config or readme-gen change).'
        : 'Every tag points where it did and its signatures are the same; sizes, labels or annotations in the recorded state changed.',
    );
  }
  return blocks;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
