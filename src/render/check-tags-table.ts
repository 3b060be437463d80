import type { Nodes, Table, TableRow } from 'mdast';
import { InputError } from '../errors.js';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';
import type { TagRowView } from './view-model.js';

/**
 * Checks the rendered README on its GFM syntax tree: if it shows any image
 * digest outside code, the first table holding digests must be the tags table,
 * with one row per digest, as many cells in each row as in its header, and
 * each row's tags as code. A value or template that broke the table fails here
 * instead of publishing a broken README.
 */
export function checkTagsTable(markdown: string, rows: readonly TagRowView[], label: string): void {
  const tree = parseMarkdown(markdown);
  const digests = new Set(rows.map((row) => row.digest));
  const table = [...walk(tree)].find((node): node is Table => node.type === 'table' && digestsIn(node, digests).length > 0);
  if (!table) {
    const stray = digestsIn(tree, digests);
    if (stray.length > 0) {
      throw new InputError(`${label}: ${stray[0]} is rendered outside any table: the tags table is broken (check the template's table rows)`);
    }
    return;
  }
  const [header, ...body] = table.children;
  const width = header?.children.length ?? 0;
  if (body.length !== rows.length) {
    throw new InputError(`${label}: the tags table has ${body.length} rows for ${rows.length} digests; a value or the template broke a row`);
  }
  const expected = new Map(rows.map((row) => [row.digest, row]));
  for (const [index, tableRow] of body.entries()) {
    const line = tableRow.position?.start.line ?? 0;
    if (tableRow.children.length !== width) {
      throw new InputError(`${label}:${line}: tags table row ${index + 1} has ${tableRow.children.length} cells, its header ${width}`);
    }
    const found = digestsIn(tableRow, digests);
    const [digest] = found;
    const row = digest === undefined ? undefined : expected.get(digest);
    if (found.length !== 1 || !row) {
      throw new InputError(`${label}:${line}: tags table row ${index + 1} shows ${found.length === 0 ? 'no digest' : found.join(', ')}; expected exactly one digest per row`);
    }
    expected.delete(row.digest);
    const codes = new Set(inlineCodeIn(tableRow));
    const missing = row.tags.find((tag) => !codes.has(tag));
    if (missing !== undefined) {
      throw new InputError(`${label}:${line}: tags table row for ${row.digest} does not show tag ${JSON.stringify(missing)} as code`);
    }
  }
}

/** Digests of the state shown in text, inline code or link targets under `node` (code blocks are not "shown"). */
function digestsIn(node: Nodes, digests: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const child of walk(node)) {
    const values = child.type === 'text' || child.type === 'inlineCode' ? [child.value] : child.type === 'link' ? [child.url] : [];
    for (const value of values) {
      for (const match of value.matchAll(/sha256:[0-9a-f]{64}/g)) if (digests.has(match[0])) found.add(match[0]);
    }
  }
  return [...found];
}

function inlineCodeIn(row: TableRow): string[] {
  return [...walk(row)].flatMap((node) => (node.type === 'inlineCode' ? [node.value] : []));
}
