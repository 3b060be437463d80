import type { Nodes, TableRow } from 'mdast';
import { walk } from './parse-markdown.js';

const DIGEST = /sha256:[0-9a-f]{64}/g;

/**
 * The digests `node` shows — in text, inline code and link targets — each
 * once, in reading order. A code block shows none: it quotes, as the printed
 * `cosign verify` output does.
 */
export function digestsShown(node: Nodes): string[] {
  const found = new Set<string>();
  for (const child of walk(node)) {
    const value = child.type === 'text' || child.type === 'inlineCode' ? child.value : child.type === 'link' ? child.url : undefined;
    if (value !== undefined) for (const match of value.matchAll(DIGEST)) found.add(match[0]);
  }
  return [...found];
}

/** Where a tags-table row shows its own digest. */
export interface DigestCell {
  /** 0-based */
  column: number;
  /** every digest the cell shows: exactly one in a well-formed row */
  digests: string[];
}

/**
 * A tags-table row's own digest is in the leftmost cell that shows a digest.
 * Cells to its right may show other digests: the built-in templates' Platforms
 * cell shows each platform's manifest digest, which is another row's own
 * digest when that platform is tagged too (`1.0-arm64`). So a template puts its
 * Digest column before any other column that shows digests. `render` checks
 * its tables by this rule and `verify` reads them by it.
 */
export function rowDigestCell(row: TableRow): DigestCell | undefined {
  for (const [column, cell] of row.children.entries()) {
    const digests = digestsShown(cell);
    if (digests.length > 0) return { column, digests };
  }
  return undefined;
}

/**
 * A row that shows no full digest but its digest's first 12 hex digits alone
 * as code in a cell, as the default template's tags table does (the full
 * digests are in the folded table below it): the leftmost such cell.
 */
export function rowShortDigestCell(row: TableRow): { column: number; shortDigest: string } | undefined {
  for (const [column, cell] of row.children.entries()) {
    const [only, ...rest] = cell.children;
    if (only?.type === 'inlineCode' && rest.length === 0 && /^[0-9a-f]{12}$/.test(only.value)) return { column, shortDigest: only.value };
  }
  return undefined;
}
