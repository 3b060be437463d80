/**
 * Escapers for values from outside (tag names, annotations, certificate
 * fields) by where they land in Markdown. Each output is inert there: it cannot
 * end a table cell or row, close a code fence, or become a link or HTML.
 */

// C0 controls, DEL, C1 controls and the Unicode line/paragraph separators: a
// line ending (\n, \r) would end a table row; ESC and C1's CSI (U+009B) drive a
// terminal the README is printed to; none has any business in a README.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * An inline code span that is also safe inside a GFM table cell: there a `|`
 * ends the cell even inside code, so it is written `\|` (see codeSpanText).
 */
export function inlineCode(value: string): string {
  return codeSpan(codeSpanText(value, { table: true }));
}

/**
 * An inline code span for prose, never for a table cell: outside a table GFM
 * shows the `\|` a cell needs as two characters, so pipes are left as they are
 * and the value shows exactly.
 */
export function inlineCodeInProse(value: string): string {
  return codeSpan(codeSpanText(value, { table: false }));
}

/**
 * What a value becomes inside a code span: control characters (a line end
 * would end a table row) made visible as U+FFFD, and in a table row each `|`
 * written `\|`, with the backslashes right before it doubled so that none can
 * escape that escape (GFM splits a cell at a pipe after an even run of
 * backslashes; the doubled ones show). Backticks are left to the caller: they
 * decide how long the span's delimiters are.
 */
export function codeSpanText(value: string, where: { table: boolean }): string {
  const visible = value.replace(CONTROL_CHARACTERS, '\uFFFD');
  return where.table ? visible.replace(/(\\*)\|/g, (_, backslashes: string) => `${backslashes}${backslashes}\\|`) : visible;
}

function codeSpan(text: string): string {
  if (text === '') return '';
  const fence = '`'.repeat(longestRun(text, '`') + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Invisible, and joins rather than breaks: what inlineText puts inside autolink patterns. */
export const WORD_JOINER = '\u2060';

/**
 * Plain inline text. Every ASCII punctuation character is backslash-escaped,
 * which CommonMark allows for all of them, so no emphasis, link, HTML, entity
 * or table-cell end can form. GFM finds autolinks (https://…, www.…, a@b.c) in
 * the text after escapes are decoded, so an invisible WORD JOINER after `:`,
 * `@` and `www` breaks those patterns instead.
 */
export function inlineText(value: string): string {
  return value
    .replace(CONTROL_CHARACTERS, ' ')
    .replace(/[!-/:-@[-`{-~]/g, (char) => `\\${char}`)
    .replace(/(\\[:@]|www)/gi, `$1${WORD_JOINER}`);
}

/**
 * A link. Its text is inline text that cannot end the link or start anything
 * inside it: only what can (code, emphasis, strikethrough, brackets, HTML,
 * entities, escapes, a table cell's end) is backslash-escaped, so a URL as
 * text stays readable in the source; and a link cannot hold another link, so
 * GFM finds no autolink inside it and needs no word joiners. The
 * destination is written bare when it is made of characters that cannot end
 * or change it, as most URLs are; otherwise it goes in <…>, with what could
 * end it, read as an escape or entity, or end a table cell backslash-escaped,
 * and spaces and control characters percent-encoded.
 */
export function markdownLink(text: string, url: string): string {
  return `[${text.replace(CONTROL_CHARACTERS, ' ').replace(/[\\`*_~[\]<>&!|]/g, (char) => `\\${char}`)}](${linkDestination(url)})`;
}

function linkDestination(url: string): string {
  if (/^[A-Za-z0-9\-._~:/?#@!$'*+,;=%]+$/.test(url)) return url;
  const escaped = url.replace(/[\\<>&|]/g, '\\$&').replace(/[\s\u0000-\u001f\u007f-\u009f]/g, (char) => encodeURIComponent(char));
  return `<${escaped}>`;
}

/** A fenced code block around `content`, with a fence longer than any run of backticks inside it. */
export function fencedCode(content: string, info = ''): string {
  const fence = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/** Some line of `content` would close a fenced block opened with `fence` (```` ``` ````, `~~~~`, …). */
export function closesFence(content: string, fence: string): boolean {
  return content.split(/\r\n|\r|\n/).some((line) => {
    const run = /^ {0,3}(`+|~+)[ \t]*$/.exec(line)?.[1];
    return run !== undefined && run[0] === fence[0] && run.length >= fence.length;
  });
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
