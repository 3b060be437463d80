import { InputError } from '../errors.js';
import { parseMarkdown, walk } from './parse-markdown.js';

export const START_MARKER = '<!-- readme-gen:start -->';
export const END_MARKER = '<!-- readme-gen:end -->';

/**
 * The file readme-gen writes, given what is on disk now. A file with the two
 * markers keeps everything outside them byte-for-byte and gets the generated
 * README between them; a file without markers, or no file, is the generated
 * README as a whole. Markers are found on the Markdown syntax tree, so a marker
 * quoted in a code block or inline code is text, not a marker.
 */
export function applyToReadme(existing: string | undefined, generated: string, label: string): string {
  // Bytes first: a file that does not spell a marker has no region and no
  // misplaced marker, so it is not parsed (most READMEs: the whole file is generated).
  if (existing === undefined || !(existing.includes(START_MARKER) || existing.includes(END_MARKER))) return generated;
  const region = findRegion(existing, label);
  if (!region) return generated;
  // The region is written in the file's own line endings, set off by blank
  // lines so the end marker can never be read as part of the generated table.
  const eol = /\r\n/.test(existing) ? '\r\n' : '\n';
  const body = generated
    .replace(/\r?\n/g, '\n')
    .replace(/^\n+|\n+$/g, '')
    .split('\n')
    .join(eol);
  return `${existing.slice(0, region.contentStart)}${eol}${body}${eol}${eol}${existing.slice(region.contentEnd)}`;
}

interface Region {
  /** offset just past the start marker's line ending */
  contentStart: number;
  /** offset of the first character of the end marker's line */
  contentEnd: number;
}

function findRegion(markdown: string, label: string): Region | undefined {
  const starts: { line: number; end: number }[] = [];
  const ends: { line: number; lineStart: number }[] = [];
  // micromark drops a leading byte order mark before it counts offsets, so
  // every offset it reports is one short of the string's own index.
  const bom = markdown.startsWith('\uFEFF') ? 1 : 0;
  const tree = parseMarkdown(markdown);
  const topLevel = new Set<unknown>(tree.children);
  for (const node of walk(tree)) {
    if (node.type !== 'html' || !node.position) continue;
    const value = node.value.trim();
    const { start, end } = node.position;
    const isMarker = value === START_MARKER || value === END_MARKER;
    if (isMarker && topLevel.has(node)) {
      if (value === START_MARKER) starts.push({ line: start.line, end: bom + (end.offset ?? 0) });
      else ends.push({ line: start.line, lineStart: bom + (start.offset ?? 0) - (start.column - 1) });
    } else if (value.includes(START_MARKER) || value.includes(END_MARKER)) {
      // Name the marker's own line, not the first line of the HTML block around it.
      const markerAt = Math.min(...[START_MARKER, END_MARKER].map((marker) => node.value.indexOf(marker)).filter((at) => at >= 0));
      const line = start.line + node.value.slice(0, markerAt).split('\n').length - 1;
      throw new InputError(
        `${label}:${line}: a readme-gen marker must stand alone on its own line, outside lists, quotes and other HTML, with a blank line before it`,
      );
    }
  }
  const [start, secondStart] = starts;
  const [end, secondEnd] = ends;
  if (secondStart)
    throw new InputError(`${label}:${secondStart.line}: a second ${START_MARKER}; readme-gen fills one region per file, remove one pair`);
  if (secondEnd)
    throw new InputError(`${label}:${secondEnd.line}: a second ${END_MARKER}; readme-gen fills one region per file, remove one pair`);
  if (!start && !end) return undefined;
  if (!end) throw new InputError(`${label}:${start?.line}: ${START_MARKER} has no ${END_MARKER}; add the end marker after it`);
  if (!start) throw new InputError(`${label}:${end.line}: ${END_MARKER} has no ${START_MARKER}; add the start marker before it`);
  if (end.lineStart < start.end) {
    throw new InputError(`${label}:${end.line}: ${END_MARKER} comes before ${START_MARKER} (line ${start.line}); swap them`);
  }
  return { contentStart: lineEndAfter(markdown, start.end), contentEnd: end.lineStart };
}

function lineEndAfter(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}
