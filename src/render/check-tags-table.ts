import type { Nodes, Table, TableRow } from 'mdast';
import { counted } from '../text/counted.js';
import { InputError, InternalError } from '../errors.js';
import { KeptResults, resultKey } from '../fs/kept-results.js';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';
import { digestsShown, rowDigestCell } from '../markdown/table-digest.js';
import type { TemplateSet } from './template-set.js';
import type { TagRowView } from './view-model.js';

const ROW_RULE = 'a row shows its own digest alone in the leftmost cell that shows a digest';

/**
 * Checks the rendered README on its GFM syntax tree: if it shows any image
 * digest outside code, the first table holding digests must be the tags table,
 * with one row per digest, as many cells in each row as in its header, each
 * row's own digest alone in one column (the rule of rowDigestCell, which
 * `verify` reads tables by) and each row's tags as code. A value or template
 * that broke the table fails here instead of publishing a broken README: the
 * user's input error in their own template, readme-gen's bug in a built-in one.
 */
export function checkTagsTable(
  markdown: string,
  rows: readonly TagRowView[],
  template: Pick<TemplateSet, 'label' | 'builtIn'>,
  kept?: TagsTableChecks,
): void {
  const check = (): true => {
    const problem = tagsTableProblem(markdown, rows);
    if (problem === undefined) return true;
    const message = `template ${template.label}: ${problem}`;
    throw template.builtIn ? new InternalError(message) : new InputError(message);
  };
  if (kept) kept.kept(tagsTableKey(markdown, rows), check);
  else check();
}

/**
 * Raise when what the check reads or decides changes (readme-gen's version is
 * in every key too).
 */
const TABLE_CHECK_FORMAT = 1;

/** What the check reads: the Markdown, and each row's digest and tags. */
function tagsTableKey(markdown: string, rows: readonly TagRowView[]): string {
  return resultKey(['tags table', TABLE_CHECK_FORMAT, markdown, rows.map((row) => [row.digest, row.tags])]);
}

/**
 * READMEs whose tags table passed the check, kept in the cache directory
 * (tags-tables/<key>.json): parsing each README was most of what checking an
 * unchanged repository of many images cost, and the check is a function of
 * the Markdown and the rows alone.
 */
export class TagsTableChecks extends KeptResults<true> {
  /** `cacheDir` undefined keeps nothing. */
  constructor(cacheDir: string | undefined) {
    super(cacheDir, 'tags-tables', (value) => (value === true ? true : undefined));
  }
}

function tagsTableProblem(markdown: string, rows: readonly TagRowView[]): string | undefined {
  const tree = parseMarkdown(markdown);
  const digests = new Set(rows.map((row) => row.digest));
  const ofRows = (node: Nodes) => digestsShown(node).filter((digest) => digests.has(digest));
  const table = [...walk(tree)].find((node): node is Table => node.type === 'table' && ofRows(node).length > 0);
  if (!table) {
    const [stray] = ofRows(tree);
    return stray === undefined
      ? undefined
      : `${stray} is rendered outside any table: the tags table is broken (check the template's table rows)`;
  }
  const [header, ...body] = table.children;
  const width = header?.children.length ?? 0;
  if (body.length !== rows.length)
    return `the tags table has ${counted(body.length, 'row')} for ${counted(rows.length, 'digest')}; a value or the template broke a row`;
  const expected = new Map(rows.map((row) => [row.digest, row]));
  const shownBy = new Map<string, number>();
  let digestColumn: number | undefined;
  for (const [index, tableRow] of body.entries()) {
    const where = `tags table row ${index + 1} (README line ${tableRow.position?.start.line ?? 0})`;
    if (tableRow.children.length !== width) return `${where} has ${counted(tableRow.children.length, 'cell')}, its header ${width}`;
    const cell = rowDigestCell(tableRow);
    if (!cell) return `${where} shows no digest; ${ROW_RULE}`;
    const column = `column ${cell.column + 1} (${JSON.stringify(cellText(header, cell.column))})`;
    const [digest] = cell.digests;
    if (digest === undefined || cell.digests.length > 1)
      return `${where} shows ${cell.digests.join(', ')} in its digest cell, ${column}; ${ROW_RULE}`;
    digestColumn ??= cell.column;
    if (cell.column !== digestColumn) {
      return `${where} shows its digest in ${column}, row 1 in column ${digestColumn + 1} (${JSON.stringify(cellText(header, digestColumn))}); ${ROW_RULE}`;
    }
    const row = expected.get(digest);
    if (!row) return `${where} shows ${digest}, which no shown tag points to`;
    const earlier = shownBy.get(digest);
    if (earlier !== undefined) return `${where} shows ${digest}, as row ${earlier} does; expected one row per digest`;
    shownBy.set(digest, index + 1);
    const codes = new Set(inlineCodeIn(tableRow));
    const missing = row.tags.find((tag) => !codes.has(tag));
    if (missing !== undefined) return `${where}, for ${digest}, does not show tag ${JSON.stringify(missing)} as code`;
  }
  return undefined;
}

function inlineCodeIn(row: TableRow): string[] {
  return [...walk(row)].flatMap((node) => (node.type === 'inlineCode' ? [node.value] : []));
}

function cellText(row: TableRow | undefined, column: number): string {
  const cell = row?.children[column];
  return cell ? [...walk(cell)].flatMap((node) => (node.type === 'text' || node.type === 'inlineCode' ? [node.value] : [])).join('') : '';
}
