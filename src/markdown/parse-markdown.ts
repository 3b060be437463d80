import type { Nodes, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

const parser = unified().use(remarkParse).use(remarkGfm);

/** The GFM syntax tree of a Markdown document, with source positions. */
export function parseMarkdown(markdown: string): Root {
  return parser.parse(markdown);
}

/** Every node of the tree, parents before children. */
export function* walk(node: Nodes): Generator<Nodes> {
  yield node;
  if ('children' in node) {
    for (const child of node.children) yield* walk(child);
  }
}
