/**
 * The pictures of the default template's README in this project's README:
 * fixtures/multi-arch rendered as `readme-gen render` renders it, and the
 * Provenance section of fixtures/provenance (its expected.md, which
 * test/render/provenance-fixture.test.ts holds to what render writes), shown as
 * GitHub shows it (test/helpers/github-preview.ts: GFM, GitHub's HTML
 * allow-list, github-markdown-css) in Debian's headless Chromium, at the
 * desktop README column and at a phone's width. Regenerate after changing the
 * default template, and look at them.
 *
 * Usage: npm run screenshots
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VIEWS, openBrowser, preview } from '../test/helpers/github-preview.js';
import { renderPreviewFixture } from '../test/helpers/preview-fixtures.js';

/** This file runs as dist/scripts/readme-screenshots.js, two levels below the repository root. */
const OUT = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const PROVENANCE_README = fileURLToPath(new URL('../../fixtures/provenance/expected.md', import.meta.url));

mkdirSync(OUT, { recursive: true });
const pictures: { name: string; markdown: string; views: readonly (typeof VIEWS)[number][] }[] = [
  { name: 'default', markdown: renderPreviewFixture(), views: VIEWS },
  { name: 'provenance', markdown: provenanceSection(readFileSync(PROVENANCE_README, 'utf8')), views: VIEWS.slice(0, 1) },
];
const browser = await openBrowser();
try {
  for (const picture of pictures) {
    for (const { name, column, margin } of picture.views) {
      const target = path.join(OUT, `${picture.name}-${name}.png`) as `${string}.png`;
      await preview(browser, picture.markdown, { column, margin, screenshot: target });
      console.log(`wrote ${path.relative(process.cwd(), target)}`);
    }
  }
} finally {
  await browser.close();
}

/** From the `## Provenance` heading to the next heading of its level. */
function provenanceSection(readme: string): string {
  const start = readme.indexOf('\n## Provenance\n');
  if (start < 0) throw new Error(`${PROVENANCE_README} has no Provenance section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start + 1, end < 0 ? undefined : end + 1);
}
