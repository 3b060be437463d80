/**
 * The pictures of the default template's README in this project's README:
 * fixtures/multi-arch rendered as `readme-gen render` renders it, shown as
 * GitHub shows it (test/helpers/github-preview.ts: GFM, GitHub's HTML
 * allow-list, github-markdown-css) in Debian's headless Chromium, at the
 * desktop README column and at a phone's width. Regenerate after changing the
 * default template, and look at them.
 *
 * Usage: npm run screenshots
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VIEWS, openBrowser, preview } from '../test/helpers/github-preview.js';
import { renderPreviewFixture } from '../test/helpers/preview-fixtures.js';

/** This file runs as dist/scripts/readme-screenshots.js, two levels below the repository root. */
const OUT = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));

mkdirSync(OUT, { recursive: true });
const markdown = renderPreviewFixture();
const browser = await openBrowser();
try {
  for (const { name, column, margin } of VIEWS) {
    const target = path.join(OUT, `default-${name}.png`) as `${string}.png`;
    await preview(browser, markdown, { column, margin, screenshot: target });
    console.log(`wrote ${path.relative(process.cwd(), target)}`);
  }
} finally {
  await browser.close();
}
