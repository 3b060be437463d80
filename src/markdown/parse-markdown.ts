import type { Nodes, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

const parser = unified().use(remarkParse).use(remarkGfm);

/**
 * The last few documents parsed. One README goes through several readers —
 * verify reads the committed file's printed claims, render checks the
 * rendered file's tags table, and both files' claims are compared; the two
 * are usually the same bytes — so each is parsed once. Readers only read the
 * tree; none changes it.
 */
const recent = new Map<string, Root>();
const RECENT_DOCUMENTS = 4;

/** The GFM syntax tree of a Markdown document, with source positions. Shared: do not change it. */
export function parseMarkdown(markdown: string): Root {
  let tree = recent.get(markdown);
  if (tree) return tree;
  tree = parser.parse(markdown);
  recent.set(markdown, tree);
  if (recent.size > RECENT_DOCUMENTS) recent.delete(recent.keys().next().value as string);
  return tree;
}

/** Every node of the tree, parents before children. */
export function* walk(node: Nodes): Generator<Nodes> {
  yield node;
  if ('children' in node) {
    for (const child of node.children) yield* walk(child);
  }
}
