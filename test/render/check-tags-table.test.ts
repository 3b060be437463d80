import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { checkTagsTable } from '../../src/render/check-tags-table.js';
import type { TagRowView } from '../../src/render/view-model.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

function row(digest: string, tags: string[]): TagRowView {
  return { tags, digest, mediaType: 'application/vnd.oci.image.index.v1+json', isIndex: true, platforms: [], architectures: [], signed: false, verified: false, rekorEntries: [], unlogged: false };
}

const rows = [row(A, ['latest', '1.0']), row(B, ['0.9'])];
const header = '| Tags | Digest |\n| --- | --- |\n';

function rejects(markdown: string, pattern: RegExp): void {
  assert.throws(() => checkTagsTable(markdown, rows, 'template t'), (error: unknown) => error instanceof InputError && pattern.test(error.message));
}

describe('the rendered tags table is checked on the syntax tree', () => {
  test('a well-formed table passes', () => {
    checkTagsTable(`${header}| \`latest\` \`1.0\` | \`${A}\` |\n| \`0.9\` | \`${B}\` |\n`, rows, 'template t');
  });

  test('a README without digests outside code has no table to check', () => {
    checkTagsTable(`# Image\n\n\`\`\`\n${A}\n\`\`\`\n`, rows, 'template t');
  });

  test('a row split by a line break leaves a digest outside the table', () => {
    rejects(`| Tags | Digest |\n\n| \`latest\` | \`${A}\` |\n| \`0.9\` | \`${B}\` |\n`, /is rendered outside any table/);
  });

  test('a missing row', () => {
    rejects(`${header}| \`latest\` \`1.0\` | \`${A}\` |\n`, /has 1 rows for 2 digests/);
  });

  test('a row with more cells than its header', () => {
    rejects(`${header}| \`latest\` \`1.0\` | \`${A}\` | extra |\n| \`0.9\` | \`${B}\` |\n`, /row 1 has 3 cells, its header 2/);
  });

  test('two digests in one row', () => {
    rejects(`${header}| \`latest\` \`1.0\` | \`${A}\` \`${B}\` |\n| \`0.9\` | x |\n`, /row 1 shows sha256:a+, sha256:b+/);
  });

  test('a tag missing from its row', () => {
    rejects(`${header}| \`latest\` | \`${A}\` |\n| \`0.9\` | \`${B}\` |\n`, /does not show tag "1.0"/);
  });
});
