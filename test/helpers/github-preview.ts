import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, launch } from 'puppeteer-core';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';

/**
 * A README as GitHub shows it, in Debian's headless Chromium: GFM to HTML,
 * raw HTML parsed and then cut down to GitHub's allow-list (rehype-sanitize's
 * default schema is GitHub's), styled by github-markdown-css, in a column as
 * wide as GitHub's README column. Nothing is fetched: the page is set as
 * content, every request it would make is refused, and DevTools talks over a
 * pipe, not a port.
 */

/** The README column of a repository's home page on a desktop browser, in CSS pixels. */
export const README_COLUMN = 830;
/** A phone's viewport width (an iPhone 12–15), GitHub's mobile page keeps 16 px each side. */
const PHONE_WIDTH = 390;

/** The views the screenshots show: GitHub's desktop README column with the box's padding around it, and a phone. */
export const VIEWS = [
  { name: 'desktop', column: README_COLUMN, margin: 24 },
  { name: 'phone', column: PHONE_WIDTH - 32, margin: 16 },
] as const;

const CHROMIUM = '/usr/bin/chromium';

export function githubHtml(markdown: string): string {
  return String(
    unified()
      .use(remarkParse)
      .use(remarkGfm)
      .use(remarkRehype, { allowDangerousHtml: true })
      .use(rehypeRaw)
      .use(rehypeSanitize)
      .use(rehypeStringify)
      .processSync(markdown),
  );
}

const css = readFileSync(createRequire(import.meta.url).resolve('github-markdown-css/github-markdown-light.css'), 'utf8');

/** The page: the README in a column `column` px wide, with `margin` px around it as GitHub's page has. */
function page(markdown: string, column: number, margin: number): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>${css}
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: content-box; width: ${column}px; margin: 0; padding: ${margin}px; }
</style></head><body><article class="markdown-body">${githubHtml(markdown)}</article></body></html>`;
}

export async function openBrowser(): Promise<Browser> {
  return launch({
    executablePath: CHROMIUM,
    pipe: true,
    headless: true,
    // Root in a container has no user namespace for the sandbox; the page is our own, set as content.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TableLayout {
  /** The header cells' texts, in order. */
  headers: string[];
  /** How far each header cell's right edge is past the column's right edge (≤ 0: inside), in px. */
  overhang: number[];
  /** Each header cell's width in px: 0 means the column is not shown. */
  widths: number[];
  scrollWidth: number;
  clientWidth: number;
}

export interface Preview {
  column: number;
  /** Every visible table (not inside a closed <details>), in document order. */
  tables: TableLayout[];
  /** How wide the page's content is: more than the viewport means the whole page scrolls sideways. */
  documentWidth: number;
}

/**
 * Runs in the page (a string: this project's types have no DOM): the column's
 * right content edge, and each visible table's header cells against it.
 */
const MEASURE = `(() => {
  const article = document.querySelector('article');
  const right = article.getBoundingClientRect().left + article.clientWidth - parseFloat(getComputedStyle(article).paddingRight);
  const tables = [...article.querySelectorAll('table')].filter((table) => table.closest('details:not([open])') === null);
  return {
    documentWidth: document.documentElement.scrollWidth,
    tables: tables.map((table) => {
      const cells = [...table.querySelectorAll('thead th')];
      return {
        headers: cells.map((cell) => (cell.textContent ?? '').trim()),
        overhang: cells.map((cell) => cell.getBoundingClientRect().right - right),
        widths: cells.map((cell) => cell.getBoundingClientRect().width),
        scrollWidth: table.scrollWidth,
        clientWidth: table.clientWidth,
      };
    }),
  };
})()`;

/** Renders `markdown` at `column` px and measures its visible tables; with `screenshot`, also writes a full-page PNG there. */
export async function preview(
  browser: Browser,
  markdown: string,
  options: { column: number; margin: number; screenshot?: `${string}.png` },
): Promise<Preview> {
  const tab = await browser.newPage();
  try {
    await tab.setViewport({ width: options.column + 2 * options.margin, height: 900, deviceScaleFactor: 1 });
    await tab.setRequestInterception(true);
    tab.on('request', (request) => void request.abort());
    await tab.setContent(page(markdown, options.column, options.margin), { waitUntil: 'load' });
    const measured = (await tab.evaluate(MEASURE)) as Omit<Preview, 'column'>;
    if (options.screenshot !== undefined) await tab.screenshot({ path: options.screenshot, fullPage: true });
    return { column: options.column, ...measured };
  } finally {
    await tab.close();
  }
}
