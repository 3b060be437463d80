import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InputError, InternalError } from '../../src/errors.js';
import { packageFile } from '../../src/package-root.js';
import { checkTagsTable } from '../../src/render/check-tags-table.js';
import type { TagRowView } from '../../src/render/view-model.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
/** a platform manifest of A's index that is tagged too (`1.0-arm64`), so it has a row of its own */
const C = `sha256:${'c'.repeat(64)}`;
/** a platform manifest of A's index with no tag of its own */
const D = `sha256:${'d'.repeat(64)}`;

function row(digest: string, tags: string[]): TagRowView {
  return {
    tags,
    digest,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    isIndex: true,
    platforms: [],
    architectures: [],
    shortDigest: digest.slice(7, 19),
    platformNames: [],
    signed: false,
    verified: false,
    rekorEntries: [],
    unlogged: false,
    unsearchable: false,
  };
}

const rows = [row(A, ['latest', '1.0']), row(B, ['0.9'])];
const header = '| Tags | Digest |\n| --- | --- |\n';
const user = { label: 'custom.md.hbs', builtIn: false };
const builtIn = { label: 'default', builtIn: true };

function rejects(markdown: string, pattern: RegExp, tableRows: TagRowView[] = rows): void {
  assert.throws(
    () => checkTagsTable(markdown, tableRows, user),
    (error: unknown) => error instanceof InputError && pattern.test(error.message),
  );
}

describe('the rendered tags table is checked on the syntax tree', () => {
  test('a well-formed table passes', () => {
    checkTagsTable(`${header}| \`latest\` \`1.0\` | \`${A}\` |\n| \`0.9\` | \`${B}\` |\n`, rows, user);
  });

  test('a README without digests outside code has no table to check', () => {
    checkTagsTable(`# Image\n\n\`\`\`\n${A}\n\`\`\`\n`, rows, user);
  });

  test('a row split by a line break leaves a digest outside the table', () => {
    rejects(`| Tags | Digest |\n\n| \`latest\` | \`${A}\` |\n| \`0.9\` | \`${B}\` |\n`, /is rendered outside any table/);
  });

  test('a missing row', () => {
    rejects(`${header}| \`latest\` \`1.0\` | \`${A}\` |\n`, /has 1 row for 2 digests/);
  });

  test('a row with more cells than its header', () => {
    rejects(
      `${header}| \`latest\` \`1.0\` | \`${A}\` | extra |\n| \`0.9\` | \`${B}\` |\n`,
      /row 1 \(README line 3\) has 3 cells, its header 2/,
    );
  });

  test('two digests in one digest cell', () => {
    rejects(
      `${header}| \`latest\` \`1.0\` | \`${A}\` \`${B}\` |\n| \`0.9\` | x |\n`,
      /^template custom\.md\.hbs: tags table row 1 \(README line 3\) shows sha256:a+, sha256:b+ in its digest cell, column 2 \("Digest"\)/,
    );
  });

  test('a tag missing from its row', () => {
    rejects(`${header}| \`latest\` | \`${A}\` |\n| \`0.9\` | \`${B}\` |\n`, /does not show tag "1\.0"/);
  });

  test('a row that shows no digest', () => {
    rejects(`${header}| \`latest\` \`1.0\` | \`${A}\` |\n| \`0.9\` | none |\n`, /row 2 \(README line 4\) shows no digest/);
  });

  test('one digest in two rows', () => {
    rejects(
      `${header}| \`latest\` \`1.0\` | \`${A}\` |\n| \`0.9\` | \`${A}\` |\n`,
      /row 2 \(README line 4\) shows sha256:a+, as row 1 does/,
    );
  });
});

describe("a row's own digest is in its leftmost digest cell; other cells may show other rows' digests", () => {
  const tagged = [row(A, ['latest', '1.0']), row(C, ['1.0-arm64'])];
  const platforms = `| Tags | Digest | Platforms |\n| --- | --- | --- |\n`;

  test("an index's Platforms cell may show a platform manifest that is tagged too", () => {
    const markdown = `${platforms}| \`latest\` \`1.0\` | \`${A}\` | \`linux/amd64\` \`${D}\`<br/>\`linux/arm64\` \`${C}\` |\n| \`1.0-arm64\` | \`${C}\` | \`linux/arm64\` \`${C}\` |\n`;
    checkTagsTable(markdown, tagged, builtIn);
    checkTagsTable(markdown, tagged, user);
  });

  test('a digest in another column than the other rows', () => {
    rejects(
      `${platforms}| \`latest\` \`1.0\` | \`${A}\` | |\n| \`1.0-arm64\` | | \`${C}\` |\n`,
      /row 2 \(README line 4\) shows its digest in column 3 \("Platforms"\), row 1 in column 2 \("Digest"\)/,
      tagged,
    );
  });

  test("a table whose Platforms come before the Digest: the platforms' cell is read as the row's digest, and refused", () => {
    rejects(
      `| Tags | Platforms | Digest |\n| --- | --- | --- |\n| \`latest\` \`1.0\` | \`${D}\` \`${C}\` | \`${A}\` |\n| \`1.0-arm64\` | \`${C}\` | \`${C}\` |\n`,
      /row 1 \(README line 3\) shows sha256:d+, sha256:c+ in its digest cell, column 2 \("Platforms"\); a row shows its own digest alone in the leftmost cell that shows a digest/,
      tagged,
    );
  });

  test('a digest no shown tag points to, in the digest cell', () => {
    rejects(
      `${platforms}| \`latest\` \`1.0\` | \`${D}\` | \`${A}\` |\n| \`1.0-arm64\` | \`${C}\` | |\n`,
      /row 1 \(README line 3\) shows sha256:d+, which no shown tag points to/,
      tagged,
    );
  });
});

describe('whose fault a broken table is', () => {
  const broken = `${header}| \`latest\` \`1.0\` | \`${A}\` \`${B}\` |\n| \`0.9\` | x |\n`;

  test("in the user's own template: bad input (exit 2), naming the template", () => {
    assert.throws(
      () => checkTagsTable(broken, rows, user),
      (error: unknown) =>
        error instanceof InputError &&
        error.exitCode === 2 &&
        error.message.startsWith('template custom.md.hbs: tags table row 1 (README line 3) shows'),
    );
  });

  test("in a built-in template: readme-gen's own bug (exit 70)", () => {
    assert.throws(
      () => checkTagsTable(broken, rows, builtIn),
      (error: unknown) =>
        error instanceof InternalError &&
        error.exitCode === 70 &&
        error.message.startsWith('template default: tags table row 1 (README line 3) shows'),
    );
  });
});

describe('whose fault a broken table is, through the CLI', () => {
  /** What package.json's `files` ships, so the copy runs as an installed readme-gen does. */
  const SHIPPED = ['package.json', ...(JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { files: string[] }).files];

  test('a built-in template that breaks its own table is a bug: exit 70, "report it", nothing written', (t) => {
    // A copy of readme-gen whose default template has the bug: the Digest cell also shows the first platform's digest.
    const copy = temporaryDirectory(t);
    for (const entry of SHIPPED) cpSync(packageFile(entry), path.join(copy, entry), { recursive: true });
    symlinkSync(packageFile('node_modules'), path.join(copy, 'node_modules'));
    const partial = path.join(copy, 'templates', 'default', 'partials', 'digests-table.hbs');
    const source = readFileSync(partial, 'utf8');
    assert.ok(source.includes('| {{code digest}} |'));
    writeFileSync(
      partial,
      source.replace('| {{code digest}} |', '| {{code digest}} {{#each platforms}}{{#if @first}}{{code digest}}{{/if}}{{/each}} |'),
    );
    const dir = temporaryDirectory(t);
    for (const file of ['readme-gen.yaml', 'state.json', 'USAGE.md'])
      copyFileSync(packageFile('fixtures', 'multi-arch', file), path.join(dir, file));

    const run = runCli(['render', '--write'], dir, {}, { bin: path.join(copy, 'dist', 'src', 'cli', 'bin.js') });

    assert.equal(run.status, 70, run.stderr);
    assert.match(
      run.stderr,
      /^readme-gen: internal error: template default: tags table row 1 \(README line \d+\) shows sha256:[0-9a-f]{64}, sha256:[0-9a-f]{64} in its digest cell, column 2 \("Digest"\); .* \(this is a bug in readme-gen; rerun with --debug for the stack trace and report it\)\n$/,
    );
    assert.equal(existsSync(path.join(dir, 'expected.md')), false, 'no README written');
  });

  test("the same table in the user's own template is bad input: exit 2, naming the template", (t) => {
    const dir = temporaryDirectory(t);
    for (const file of ['readme-gen.yaml', 'state.json', 'USAGE.md'])
      copyFileSync(packageFile('fixtures', 'multi-arch', file), path.join(dir, file));
    const partial = readFileSync(packageFile('templates', 'default', 'partials', 'digests-table.hbs'), 'utf8');
    writeFileSync(
      path.join(dir, 'custom.md.hbs'),
      partial.replace('| {{code digest}} |', '| {{code digest}} {{#each platforms}}{{#if @first}}{{code digest}}{{/if}}{{/each}} |'),
    );

    const run = runCli(['render', '--template', 'custom.md.hbs', '--write'], dir);

    assert.equal(run.status, 2, run.stderr);
    assert.match(
      run.stderr,
      /^readme-gen: template \S*custom\.md\.hbs: tags table row 1 \(README line 3\) shows sha256:[0-9a-f]{64}, sha256:[0-9a-f]{64} in its digest cell, column 2 \("Digest"\); a row shows its own digest alone in the leftmost cell that shows a digest\n$/,
    );
    assert.equal(existsSync(path.join(dir, 'expected.md')), false, 'no README written');
  });
});
