import type { Nodes, Table } from 'mdast';
import { InputError } from '../errors.js';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';

/** Docker Hub refuses a full description longer than this many bytes. */
export const DOCKER_HUB_LIMIT = 25_000;

interface Edit {
  start: number;
  end: number;
  text: string;
  /** HTML Hub cannot show and readme-gen cannot turn into Markdown: an error, unless a fold replaces it. */
  html?: string;
}

/**
 * The README as a Docker Hub description. Hub renders no HTML (it shows it as
 * text or strips it) and resolves relative links against nothing, so: a folded
 * `<details>` part becomes one line naming it and linking to the README on the
 * repository, comments go, a `<br/>` becomes a space, any other HTML is an
 * error naming its line, and relative links become absolute against the
 * repository. Hub rejects more than 25,000 bytes, so the tags table loses rows
 * from its end (with a visible note saying how many and where the full list
 * is) until it fits. Edits are made on the source through the syntax tree's
 * positions: everything else stays as rendered.
 */
export function forDockerHub(markdown: string, repo: string | undefined, limit = DOCKER_HUB_LIMIT): string {
  const folds = foldEdits(markdown, repo);
  const outside = (edit: Edit) => !folds.some((fold) => edit.start >= fold.start && edit.end <= fold.end);
  const edits = [...htmlEdits(markdown), ...linkEdits(markdown, repo)].filter(outside);
  const refused = edits.find((edit) => edit.html !== undefined);
  if (refused?.html !== undefined) {
    const line = markdown.slice(0, refused.start).split('\n').length;
    throw new InputError(
      `--profile dockerhub: README line ${line} has HTML (${JSON.stringify(refused.html.slice(0, 60))}), which Docker Hub shows as text or drops; write it as Markdown`,
    );
  }
  const cleaned = applyEdits(markdown, [...folds, ...edits]);
  if (byteLength(cleaned) <= limit) return cleaned;
  return trimTagsTable(cleaned, repo, limit);
}

/** Each outermost `<details>…</details>` (its tags may be block or inline HTML), replaced by its summary and where to read it. */
function foldEdits(markdown: string, repo: string | undefined): Edit[] {
  const html = nodes(markdown)
    .filter((node) => node.type === 'html')
    .sort((a, b) => offsets(a).start - offsets(b).start);
  const edits: Edit[] = [];
  let open: { start: number; summary: string } | undefined;
  let depth = 0;
  for (const node of html) {
    for (const [, closing] of node.value.matchAll(/<(\/?)details\b[^>]*>/gi)) {
      if (closing === '') {
        if (depth++ === 0) open = { start: offsets(node).start, summary: summaryOf(node.value) };
      } else if (depth > 0 && --depth === 0 && open) {
        const where = repo
          ? `in the [README on the repository](${repo.replace(/\/+$/, '')}#readme)`
          : "in the image's README in its repository";
        edits.push({ start: open.start, end: offsets(node).end, text: `**${open.summary}:** ${where}, as Docker Hub cannot fold it.` });
      }
    }
  }
  return edits;
}

/** A `<summary>` as Markdown text: `<code>` becomes a code span, other tags go. */
function summaryOf(html: string): string {
  const summary = /<summary>([\s\S]*?)<\/summary>/i.exec(html)?.[1] ?? 'Details';
  return summary
    .replace(/<code>([\s\S]*?)<\/code>/gi, '`$1`')
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Comments go (a comment alone on its lines with its line ending and the blank line after it), `<br/>` becomes a space; other HTML is refused. */
function htmlEdits(markdown: string): Edit[] {
  return nodes(markdown).flatMap((node) => {
    if (node.type !== 'html') return [];
    const { start, end } = offsets(node);
    const value = node.value.trim();
    if (/^<br\s*\/?>$/i.test(value)) return [{ start, end, text: ' ' }];
    if (/^<!--[\s\S]*-->$/.test(value)) {
      const trailing = /^(?:\r?\n){0,2}/.exec(markdown.slice(end))?.[0].length ?? 0;
      return [{ start, end: end + trailing, text: '' }];
    }
    return [{ start, end, text: '', html: value }];
  });
}

function linkEdits(markdown: string, repo: string | undefined): Edit[] {
  return nodes(markdown).flatMap((node) => {
    if (node.type !== 'link' && node.type !== 'image' && node.type !== 'definition') return [];
    if (!isRelative(node.url)) return [];
    if (!repo)
      throw new InputError(
        `--profile dockerhub: the README links to ${node.url}, a relative path; set repo: in the config so it can be made absolute`,
      );
    const { start, end } = offsets(node);
    const source = markdown.slice(start, end);
    const at = source.lastIndexOf(node.url);
    if (at < 0) return [];
    const absolute = `${repo.replace(/\/+$/, '')}/${node.type === 'image' ? 'raw' : 'blob'}/HEAD/${node.url.replace(/^\.?\//, '')}`;
    return [{ start: start + at, end: start + at + node.url.length, text: absolute }];
  });
}

/** Drops the tags table's last rows until the README fits, and says so under the table. */
function trimTagsTable(markdown: string, repo: string | undefined, limit: number): string {
  // The tags table is the longest: one row per digest, which is what grows past the limit.
  const table = nodes(markdown)
    .filter((node): node is Table => node.type === 'table')
    .reduce<Table | undefined>((longest, node) => (longest && longest.children.length >= node.children.length ? longest : node), undefined);
  if (!table)
    throw new InputError(
      `--profile dockerhub: the README is ${byteLength(markdown)} bytes, over Docker Hub's ${limit}, and has no tags table to shorten`,
    );
  const rows = table.children.slice(1);
  const tableEnd = offsets(table).end;
  for (let kept = rows.length - 1; kept >= 1; kept--) {
    const cutFrom = offsets(rows[kept] as Nodes).start;
    const left = rows.length - kept;
    const where = repo ? ` the full list is in the README at ${repo}` : ' the full list is in the repository README';
    const note = `\n\n> **Note:** ${left} of ${rows.length} rows of this table ${left === 1 ? 'is' : 'are'} left out to fit Docker Hub's ${limit}-byte limit;${where}.`;
    const candidate = `${markdown.slice(0, cutFrom).replace(/\r?\n$/, '')}${note}${markdown.slice(tableEnd)}`;
    if (byteLength(candidate) <= limit) return candidate;
  }
  throw new InputError(
    `--profile dockerhub: even with one row in its tags table the README is over Docker Hub's ${limit}-byte limit; shorten the description or usage`,
  );
}

function isRelative(url: string): boolean {
  return url !== '' && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url) && !url.startsWith('#') && !url.startsWith('//');
}

function nodes(markdown: string): Nodes[] {
  return [...walk(parseMarkdown(markdown))];
}

function offsets(node: Nodes): { start: number; end: number } {
  return { start: node.position?.start.offset ?? 0, end: node.position?.end.offset ?? 0 };
}

function applyEdits(text: string, edits: Edit[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce((out, edit) => out.slice(0, edit.start) + edit.text + out.slice(edit.end), text);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
