import type { Nodes, Table } from 'mdast';
import { InputError } from '../errors.js';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';

/** Docker Hub refuses a full description longer than this many bytes. */
export const DOCKER_HUB_LIMIT = 25_000;

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The README as a Docker Hub description: Hub shows HTML comments as text and
 * resolves relative links against nothing, so comments go and relative links
 * become absolute against the repository; and Hub rejects more than 25,000
 * bytes, so the tags table loses rows from its end (with a visible note saying
 * how many and where the full list is) until it fits. Edits are made on the
 * source through the syntax tree's positions: everything else stays as rendered.
 */
export function forDockerHub(markdown: string, repo: string | undefined, limit = DOCKER_HUB_LIMIT): string {
  const cleaned = applyEdits(markdown, [...commentEdits(markdown), ...linkEdits(markdown, repo)]);
  if (byteLength(cleaned) <= limit) return cleaned;
  return trimTagsTable(cleaned, repo, limit);
}

function commentEdits(markdown: string): Edit[] {
  return nodes(markdown).flatMap((node) => {
    if (node.type !== 'html' || !/^<!--[\s\S]*-->$/.test(node.value.trim())) return [];
    const { start, end } = offsets(node);
    // A comment alone on its lines goes with its line ending and the blank line after it.
    const trailing = /^(?:\r?\n){0,2}/.exec(markdown.slice(end))?.[0].length ?? 0;
    return [{ start, end: end + trailing, text: '' }];
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
  const table = nodes(markdown).find(
    (node): node is Table => node.type === 'table' && /sha256:[0-9a-f]{64}/.test(sourceOf(markdown, node)),
  );
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

function sourceOf(markdown: string, node: Nodes): string {
  const { start, end } = offsets(node);
  return markdown.slice(start, end);
}

function applyEdits(text: string, edits: Edit[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce((out, edit) => out.slice(0, edit.start) + edit.text + out.slice(edit.end), text);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
