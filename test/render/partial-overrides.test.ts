import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/** fixtures/multi-arch (the default template) with partials of the user's own in templates/partials/ beside its config. */
function workspace(t: Parameters<typeof temporaryDirectory>[0], partials: Record<string, string>): string {
  const dir = temporaryDirectory(t);
  for (const file of ['readme-gen.yaml', 'state.json', 'USAGE.md'])
    copyFileSync(packageFile('fixtures', 'multi-arch', file), path.join(dir, file));
  mkdirSync(path.join(dir, 'templates', 'partials'), { recursive: true });
  for (const [name, source] of Object.entries(partials)) writeFileSync(path.join(dir, 'templates', 'partials', name), source);
  return dir;
}

const golden = readFileSync(packageFile('fixtures', 'multi-arch', 'expected.md'), 'utf8');

describe('a partial of your own beside the config', () => {
  test('replaces the built-in partial of that name and nothing else', (t) => {
    const dir = workspace(t, { 'usage.hbs': '## How to use it\n\n{{{trimmed usage}}}\n' });
    const run = runCli(['render'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(golden.includes('## Usage\n'), 'the fixture has a Usage section to replace');
    assert.equal(run.stdout, golden.replace('## Usage\n', '## How to use it\n'));
  });

  test('can call partials of its own and the built-ins it replaces nothing of', (t) => {
    const dir = workspace(t, {
      'usage.hbs': '{{> usage-heading}}\n\n{{{trimmed usage}}}\n',
      'usage-heading.hbs': '## Using {{name}}\n',
    });
    const run = runCli(['render'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, golden.replace('## Usage\n', '## Using glibc-dynamic\n'));
  });

  test('that replaces nothing and is called by nothing is refused as a misspelt name, listing the partials', (t) => {
    const dir = workspace(t, { 'tag-table.hbs': '| Tags |\n' });
    const run = runCli(['render'], dir);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^readme-gen: templates\/partials\/tag-table\.hbs: the default template has no partial "tag-table" to replace \(it has build, digests-table, get-it, provenance, signing, signing-facts, signing-verified, tag-notes, tags-table, usage\), .*; rename the file .*\n$/,
    );
  });

  test('that breaks the tags table is the user’s input error (exit 2) naming the partial, not a readme-gen bug', (t) => {
    const dir = workspace(t, {
      'tags-table.hbs': '| Tags | Digest |\n| --- | --- |\n{{#each rows}}\n| {{codeList tags}}\n| `{{digest}}` |\n{{/each}}\n',
    });
    const run = runCli(['render'], dir);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^readme-gen: template default \(with templates\/partials\/tags-table\.hbs\): .*tags table.*\n$/);
  });

  test('with a syntax error names its file', (t) => {
    const dir = workspace(t, { 'usage.hbs': '## Usage\n\n{{#if usage}}\n' });
    const run = runCli(['render'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: partial templates\/partials\/usage\.hbs, line \d+: template syntax error: .*\n$/);
  });

  test('replaces the partial of the template in use: distroless', (t) => {
    const dir = workspace(t, { 'usage.hbs': 'Use it well.\n' });
    appendFileSync(path.join(dir, 'readme-gen.yaml'), 'wording: {generator: readme-gen, signed-images: our images}\n');
    const run = runCli(['render', '--template', 'distroless'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\nUse it well\.\n/);
    assert.doesNotMatch(run.stdout, /## Usage/);
  });

  test('is callable by name from a template of your own', (t) => {
    const dir = workspace(t, { 'footer.hbs': 'Maintained by {{name}}.\n' });
    writeFileSync(path.join(dir, 'custom.md.hbs'), '# {{name}}\n\n{{> footer}}\n');
    const run = runCli(['render', '--template', 'custom.md.hbs'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '# glibc-dynamic\n\nMaintained by glibc-dynamic.\n');
  });

  test('that links outside the repository is refused like any file a config names', (t) => {
    const dir = workspace(t, {});
    const outside = path.join(temporaryDirectory(t), 'usage.hbs');
    writeFileSync(outside, 'outside\n');
    symlinkSync(outside, path.join(dir, 'templates', 'partials', 'usage.hbs'));
    const run = runCli(['render'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: templates\/partials\/usage\.hbs: .* is outside the repository .*--allow-outside.*\n$/);
  });

  test('changes only the set it is loaded into: the built-in template loaded after it is the built-in one', (t) => {
    const dir = workspace(t, { 'usage.hbs': 'Mine.\n' });
    const user = { dir: path.join(dir, 'templates', 'partials'), label: 'templates/partials', names: ['usage'] };
    const builtInUsage = readFileSync(packageFile('templates', 'default', 'partials', 'usage.hbs'), 'utf8');
    const overridden = loadTemplateSet('default', user);
    assert.equal(overridden.partials.get('default/usage'), 'Mine.\n');
    assert.equal(overridden.builtIn, false);
    const plain = loadTemplateSet('default');
    assert.equal(plain.partials.get('default/usage'), builtInUsage);
    assert.equal(plain.partials.has('usage'), false);
    assert.deepEqual([plain.label, plain.builtIn], ['default', true]);
  });
});
