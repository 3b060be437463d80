/**
 * Escapers for values from outside (tag names, annotations, certificate
 * fields) by where they land in Markdown. Each output is inert there: it cannot
 * end a table cell or row, close a code fence, or become a link or HTML.
 */

// C0 controls, DEL and the Unicode line/paragraph separators: a line ending
// (\n, \r) would end a table row; the rest have no business in a README.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/** An inline code span that is also safe inside a GFM table cell. */
export function inlineCode(value: string): string {
  const text = value.replace(CONTROL_CHARACTERS, '\uFFFD').replace(/\|/g, '\\|');
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

/** A fenced code block around `content`, with a fence longer than any run of backticks inside it. */
export function fencedCode(content: string, info = ''): string {
  const fence = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  return `${fence}${info}\n${content}\n${fence}`;
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
