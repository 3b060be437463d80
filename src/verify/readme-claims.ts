import type { Code, Nodes, Paragraph, PhrasingContent, Root, Table, TableRow } from 'mdast';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';
import { rowDigestCell, rowShortDigestCell } from '../markdown/table-digest.js';
import { isDownloadOutput, parseDownloadOutput } from '../signatures/cosign-download-output.js';
import { isPrintedVerifyOutput, parsePrintedVerifyOutput } from '../signatures/printed-verify-output.js';

/**
 * The claims a README makes about its image's signing — what `verify` holds it
 * to when the README alone cannot prove them (a Sigstore bundle's printed
 * output carries no log proof): the tags table (each tag's digest, each row's
 * cells, the log entries among them), the printed `cosign verify` output
 * (reference, checks, and per signature every claim: digest, type,
 * annotations), the printed `cosign download signature` lines, the printed
 * `cosign verify` command's flags and reference, and the signer and issuer the
 * text names ("by `…` (issuer `…`)").
 *
 * The same code reads the committed README and the README its committed state
 * renders, so the two lists can be compared claim by claim. It reads Markdown
 * structure, not a template's wording, so a user template is read the same
 * way; text that is not a claim is `render --check`'s business.
 */
export interface Claim {
  /** how a message names it, e.g. "the log entry printed for sha256:…"; unique within one README */
  name: string;
  /** what the README says, as one line */
  value: string;
  /** 1-based line of the README it is read from */
  line: number;
}

/** The claims of a README, from its text or its tree when the caller has parsed it already. */
export function readmeClaims(markdown: string | Root, label: string): Claim[] {
  const tree = typeof markdown === 'string' ? parseMarkdown(markdown) : markdown;
  const claims: Claim[] = [];
  const add = (name: string, value: string, node: Nodes) => claims.push({ name, value, line: node.position?.start.line ?? 0 });
  tableClaims(tree, add);
  provenanceClaims(tree, add);
  for (const node of walk(tree)) {
    if (node.type === 'code') codeClaims(node, label, add);
    else if (node.type === 'paragraph') signerClaims(node.children, add);
  }
  return unique(claims);
}

/** How a README's claims differ from what the committed state renders: the first difference, in the rendered README's order. */
export interface ClaimDifference {
  name: string;
  /** what the README says; undefined when it does not make the claim */
  printed?: Claim;
  /** what the committed state renders; undefined when it renders no such claim */
  expected?: Claim;
}

export function firstClaimDifference(printed: readonly Claim[], expected: readonly Claim[]): ClaimDifference | undefined {
  const byName = new Map(printed.map((claim) => [claim.name, claim]));
  for (const claim of expected) {
    const shown = byName.get(claim.name);
    if (shown === undefined) return { name: claim.name, expected: claim };
    if (shown.value !== claim.value) return { name: claim.name, printed: shown, expected: claim };
  }
  const expectedNames = new Set(expected.map((claim) => claim.name));
  const extra = printed.find((claim) => !expectedNames.has(claim.name));
  return extra && { name: extra.name, printed: extra };
}

type Add = (name: string, value: string, node: Nodes) => void;

/**
 * The tags table — a table with rows showing a digest, read by the rule
 * `render` checks it by (rowDigestCell), or only a short digest
 * (rowShortDigestCell) — row by row: each tag (code left of
 * the row's digest cell) gives its digest, and every cell of the row is a
 * claim about the row's digest, named by its column's header. Every such table
 * is read, so that a table of the README's own text above the generated region
 * cannot hide the generated one.
 */
function tableClaims(tree: Root, add: Add): void {
  for (const node of walk(tree)) if (node.type === 'table') rowClaims(node, add);
}

function rowClaims(table: Table, add: Add): void {
  const [header, ...rows] = table.children;
  const headers = (header?.children ?? []).map((cell) => inlineText(cell.children));
  for (const row of rows) {
    const cell = rowDigestCell(row);
    // A row with a short digest only (the default template's tags table) makes claims too: its Signed ✔ is one.
    const short = cell ? undefined : rowShortDigestCell(row);
    const found = cell
      ? { column: cell.column, digest: cell.digests.join(', '), of: 'digest' }
      : short && { ...short, digest: short.shortDigest, of: 'short digest' };
    if (!found) continue;
    const { digest } = found;
    for (const tag of tagsLeftOf(row, found.column)) add(`the ${found.of} of tag \`${tag}\``, digest, row);
    row.children.forEach((column, index) => {
      const title = headers[index] ?? '';
      add(columnClaimName(title, index, digest), inlineText(column.children), row);
    });
  }
}

function tagsLeftOf(row: TableRow, column: number): string[] {
  return row.children
    .slice(0, column)
    .flatMap((cell) => [...walk(cell)].flatMap((node) => (node.type === 'inlineCode' ? [node.value] : [])));
}

/** A column whose header speaks of the log (or of signing) holds log entries: its cells are named as the log entry of the row's digest. */
function columnClaimName(title: string, index: number, digest: string): string {
  // The default template's Signed column links each ✔ to its log entry.
  if (/\b(?:log|rekor|signed)\b/i.test(title)) return `the log entry printed for ${digest}`;
  return `the ${title === '' ? `column ${index + 1}` : `"${title}" column`} printed for ${digest}`;
}

/** The printed `cosign verify` output, `cosign download signature` lines and `cosign verify` command in a code block. */
function codeClaims(block: Code, label: string, add: Add): void {
  const where = `${label}:${(block.position?.start.line ?? 0) + 1}`;
  if (isPrintedVerifyOutput(block.value)) {
    const printed = parsePrintedVerifyOutput(block.value, where);
    add('the reference the printed `cosign verify` output names', printed.reference, block);
    add('the checks the printed `cosign verify` output says were performed', printedChecks(block.value).join('; '), block);
    add('the number of signatures the printed `cosign verify` output shows', String(printed.claims.length), block);
    printed.claims.forEach((claims, index) => {
      const of = printed.claims.length === 1 ? '' : ` (signature ${index + 1})`;
      for (const [path, value] of leaves(claims, [])) add(`${printedClaimName(path)}${of}`, value, block);
    });
  } else if (isDownloadOutput(block.value)) {
    parseDownloadOutput(block.value, where).forEach((signature, index) => {
      add(`the signature on line ${index + 1} of the printed \`cosign download signature\` output`, signature.base64Signature, block);
      add(
        `the payload on line ${index + 1} of the printed \`cosign download signature\` output`,
        signature.payload.toString('base64'),
        block,
      );
    });
  } else {
    const words = cosignVerifyCommand(block.value);
    if (words) commandClaims(words, block, add);
    // A pull pinned to a digest is what people copy: the digest it pins is a claim like the table's.
    for (const [, reference] of block.value.matchAll(/^docker pull (\S+@sha256:[0-9a-f]{64})$/gm)) {
      add('the digest the printed `docker pull` command pins', reference as string, block);
    }
  }
}

/** The "  - …" lines cosign prints before the JSON. */
function printedChecks(text: string): string[] {
  return text.split('\n').flatMap((line) => (line.startsWith('  - ') ? [line.slice(4)] : []));
}

/** How a claim in cosign's printed JSON is named: the ones readers check by name, and the payload's annotations. */
function printedClaimName(path: readonly string[]): string {
  const joined = path.join('.');
  switch (joined) {
    case 'critical.identity.docker-reference':
      return 'the docker-reference of the printed claims';
    case 'critical.image.docker-manifest-digest':
      return 'the digest of the printed claims';
    case 'critical.type':
      return 'the type of the printed claims';
    case 'optional':
      return 'the optional of the printed claims';
  }
  const [top, key, ...rest] = path;
  if (top === 'optional' && key !== undefined) {
    const named = rest.length === 0 ? `"${key}"` : `"${key}" ${rest.join('.')}`;
    return isAddedByCosign(key)
      ? `the printed ${named} (as cosign verify adds it to the claims)`
      : `the annotation ${named} of the printed claims`;
  }
  return `the printed claim ${joined}`;
}

/** What `cosign verify` adds to optional (see printed-verify-output.ts): the rest are the signer's `-a` annotations. */
function isAddedByCosign(key: string): boolean {
  return (
    ['Bundle', 'Issuer', 'Subject', 'RFC3161Timestamp'].includes(key) ||
    key.startsWith('1.3.6.1.4.1.57264.') ||
    key.startsWith('githubWorkflow')
  );
}

/**
 * Every leaf of a JSON value with its path. An empty object or array has none
 * (an annotation added to `{}` is then named as itself), but null is a leaf.
 */
function leaves(value: unknown, path: string[]): [string[], string][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((item, index): [string, unknown] => [String(index), item]) : Object.entries(value);
    return entries.flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  return [[path, typeof value === 'string' ? value : JSON.stringify(value)]];
}

/**
 * The words of the `cosign verify` command a code block prints (lines joined
 * where they end in a backslash, `VAR=value` prefixes and a `| jq` left out),
 * split as sh splits single-quoted words; undefined when it prints none.
 */
function cosignVerifyCommand(text: string): string[] | undefined {
  for (const line of text.replace(/\\\r?\n/g, ' ').split('\n')) {
    const words = shellWords(line);
    while (words[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) words.shift();
    if (words[0] === 'cosign' && words[1] === 'verify') {
      const pipe = words.indexOf('|');
      return words.slice(2, pipe === -1 ? undefined : pipe);
    }
  }
  return undefined;
}

function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/(?:'[^']*'|\\.|[^\s'\\])+/g)) {
    words.push(
      match[0].replace(/'([^']*)'|\\(.)/g, (_, quoted: string | undefined, escaped: string | undefined) => quoted ?? escaped ?? ''),
    );
  }
  return words;
}

/** `--flag=value` or `--flag value` (the value not the last word), a bare `--flag`, and the reference. */
function commandClaims(words: readonly string[], block: Code, add: Add): void {
  const references: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (!word.startsWith('-')) {
      references.push(word);
      continue;
    }
    const equals = word.indexOf('=');
    const next = words[index + 1];
    let value = 'given';
    if (equals !== -1) value = word.slice(equals + 1);
    else if (next !== undefined && !next.startsWith('-') && index + 1 < words.length - 1) value = words[++index] as string;
    add(`the ${equals === -1 ? word : word.slice(0, equals)} of the printed \`cosign verify\` command`, value, block);
  }
  add('the reference the printed `cosign verify` command names', references.join(' '), block);
}

/** How readmeClaims names the facts of a Provenance section: `the provenance fact "Commit"`. */
const PROVENANCE_FACT = 'the provenance fact';

/**
 * The README prints provenance or SBOM facts: a `**Label:**` line in a
 * section under a heading that says Provenance (prose alone there, as a
 * hand-written README may have, is no fact readme-gen printed).
 */
export function printsProvenance(claims: readonly Claim[]): boolean {
  return claims.some((claim) => claim.name.startsWith(PROVENANCE_FACT));
}

/**
 * The facts of each section whose heading says Provenance, as the built-in
 * templates print them: every `**Label:** value` line (a list item or a
 * paragraph, e.g. the SBOM line) is a fact named by its label; other text
 * (whether it is signed, by whom) and each code block (the SBOM download
 * command) are facts named by their place. Facts a statement
 * gives prove nothing by themselves: verify holds them to the committed state.
 */
function provenanceClaims(tree: Root, add: Add): void {
  let inProvenance = false;
  let commands = 0;
  let texts = 0;
  for (const node of tree.children) {
    if (node.type === 'heading') {
      inProvenance = /\bprovenance\b/i.test(inlineText(node.children));
      continue;
    }
    if (!inProvenance) continue;
    if (node.type === 'code') add(`the command ${++commands} of the Provenance section`, node.value, node);
    const paragraphs =
      node.type === 'paragraph' ? [node] : node.type === 'list' ? node.children.flatMap((item) => item.children.filter(isParagraph)) : [];
    for (const paragraph of paragraphs) {
      const [first, ...rest] = paragraph.children;
      const label = first?.type === 'strong' ? inlineText(first.children) : '';
      // Unlabelled text says whether the statement is signed, and by whom: a claim as a whole.
      if (label.endsWith(':')) add(`${PROVENANCE_FACT} "${label.slice(0, -1)}"`, inlineText(rest), paragraph);
      else add(`the text ${++texts} of the Provenance section`, inlineText(paragraph.children), paragraph);
    }
  }
}

function isParagraph(node: Nodes): node is Paragraph {
  return node.type === 'paragraph';
}

/** "… by `identity` (issuer `issuer`) …": the signer the text names, as the built-in templates print it. */
function signerClaims(children: readonly PhrasingContent[], add: Add): void {
  children.forEach((node, index) => {
    const before = children[index - 1];
    if (node.type !== 'inlineCode' || before?.type !== 'text') return;
    if (/(?:^|\s)by $/.test(before.value)) add('the signer the text names', node.value, node);
    else if (/\(issuer $/.test(before.value)) add("the signer's issuer the text names", node.value, node);
  });
}

/** A cell or heading as one line: text, `code`, [links](url), line breaks as spaces. */
function inlineText(nodes: readonly PhrasingContent[]): string {
  return nodes
    .map((node): string => {
      switch (node.type) {
        case 'text':
          return node.value;
        case 'inlineCode':
          return `\`${node.value}\``;
        case 'link':
          return `[${inlineText(node.children)}](${node.url})`;
        case 'image':
          return `![${node.alt ?? ''}](${node.url})`;
        case 'html':
          return /^<br\s*\/?>$/i.test(node.value.trim()) ? ' ' : node.value;
        case 'break':
          return ' ';
        default:
          return 'children' in node ? inlineText(node.children) : '';
      }
    })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A claim named twice (two blocks of one kind, say) is told apart by its place: "… (2nd)". */
function unique(claims: Claim[]): Claim[] {
  const seen = new Map<string, number>();
  return claims.map((claim) => {
    const count = (seen.get(claim.name) ?? 0) + 1;
    seen.set(claim.name, count);
    return count === 1 ? claim : { ...claim, name: `${claim.name} (${ordinal(count)})` };
  });
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
