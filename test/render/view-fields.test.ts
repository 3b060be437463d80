import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { END_MARKER, START_MARKER, viewFieldsTable, withRegion } from '../../scripts/view-fields.js';
import { packageFile } from '../../src/package-root.js';

describe("the README's field reference", () => {
  test('is what npm run view-fields generates from the view type, so it cannot drift', () => {
    const readme = readFileSync(packageFile('README.md'), 'utf8');
    assert.ok(readme.includes(START_MARKER) && readme.includes(END_MARKER), 'README.md has the view-fields region');
    assert.equal(readme, withRegion(readme, viewFieldsTable()), 'README.md is stale: run npm run view-fields and commit it');
  });

  test('names every field of a view a template gets, nested ones by path', () => {
    const table = viewFieldsTable();
    for (const field of ['name', 'rows[].platforms[].size', 'rows[].rekorEntries[].url', 'tagNotes[].note', 'signing.verifyCommand']) {
      assert.ok(table.includes(`| \`${field}\` |`), field);
    }
  });
});
