import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { README_COLUMN, VIEWS, githubHtml, openBrowser, preview } from '../helpers/github-preview.js';
import { PREVIEW_FIXTURES, renderPreviewFixture } from '../helpers/preview-fixtures.js';
import { temporaryDirectory } from '../helpers/run-cli.js';

/**
 * The default template's README as GitHub shows it (GFM, GitHub's HTML
 * allow-list, github-markdown-css) in Debian's headless Chromium: the tags
 * table fits the 830 px README column of a repository's home page, with every
 * column on screen, for 1–4 platforms, variants, long tags, 200 digests, and
 * the Attested column of BuildKit's provenance and SBOM.
 */
const COLUMNS = ['Tags', 'Platforms', 'Size', 'Updated', 'Signed', 'Digest'];

describe('the default README in a browser, as GitHub renders it', () => {
  let browser: Browser;
  before(async () => {
    browser = await openBrowser();
  });
  after(async () => {
    await browser.close();
  });

  for (const [name, state] of Object.entries(PREVIEW_FIXTURES)) {
    test(`${name}: the tags table fits the ${README_COLUMN} px column and every column is visible`, async () => {
      // Arrange
      const markdown = renderPreviewFixture(state());

      // Act
      const shown = await preview(browser, markdown, { column: README_COLUMN, margin: 0 });

      // Assert
      const [tags] = shown.tables;
      assert.ok(tags, 'a visible table');
      assert.deepEqual(tags.headers, name.startsWith('attested') ? [...COLUMNS.slice(0, -1), 'Attested', 'Digest'] : COLUMNS);
      assert.ok(
        tags.scrollWidth <= tags.clientWidth,
        `the table scrolls sideways: ${tags.scrollWidth} px of content in ${tags.clientWidth} px`,
      );
      assert.ok(tags.clientWidth <= README_COLUMN, `the table is ${tags.clientWidth} px wide`);
      tags.headers.forEach((header, index) => {
        assert.ok((tags.widths[index] ?? 0) > 0, `column ${header} has no width`);
        assert.ok((tags.overhang[index] ?? 1) <= 0.5, `column ${header} ends ${tags.overhang[index]} px past the column`);
      });
      assert.ok(shown.documentWidth <= README_COLUMN, `the page is ${shown.documentWidth} px wide`);
      assert.equal(shown.tables.length, 1, 'the full digests are folded away');
    });
  }

  test('a wide table is caught: the full-digest table, unfolded, does not fit', async () => {
    const markdown = renderPreviewFixture(PREVIEW_FIXTURES['4 platforms']?.()).replace('<details>', '<details open>');
    const shown = await preview(browser, markdown, { column: README_COLUMN, margin: 0 });
    const digests = shown.tables[1];
    assert.ok(digests, 'the unfolded table is measured');
    assert.ok(digests.scrollWidth > digests.clientWidth, `${digests.scrollWidth} px in ${digests.clientWidth} px`);
  });

  test('writes PNGs of the desktop and phone views', async (t) => {
    const dir = temporaryDirectory(t);
    const markdown = renderPreviewFixture();
    for (const { name, column, margin } of VIEWS) {
      const file = `${name}.png`;
      const target = path.join(dir, file) as `${string}.png`;
      await preview(browser, markdown, { column, margin, screenshot: target });
      const png = readFileSync(target);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is a PNG`);
      assert.equal(png.readUInt32BE(16), column + 2 * margin, `${file} is as wide as the viewport`);
    }
  });
});

describe("GitHub's HTML allow-list", () => {
  test('keeps <details>, <summary> and <br>, drops what GitHub drops', () => {
    const html = githubHtml(
      '<details>\n<summary>More</summary>\n\na<br/>b\n\n</details>\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n',
    );
    assert.match(html, /<details>\s*<summary>More<\/summary>/);
    assert.match(html, /a<br>b/);
    assert.doesNotMatch(html, /<script|onerror/);
  });
});
