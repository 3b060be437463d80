import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/** A user's own template, run through the real binary. */
function workspace(t: Parameters<typeof temporaryDirectory>[0], template: string): string {
  const dir = temporaryDirectory(t);
  for (const file of ['readme-gen.yaml', 'state.json', 'USAGE.md'])
    copyFileSync(packageFile('fixtures', 'multi-arch', file), path.join(dir, file));
  writeFileSync(path.join(dir, 'custom.md.hbs'), template);
  return dir;
}

describe('a template of your own', () => {
  test('can reuse the built-in partials', (t) => {
    const dir = workspace(t, '# {{name}}\n\n{{> default/tags-table}}\n{{> default/signing}}');
    const run = runCli(['render', '--template', 'custom.md.hbs'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^# glibc-dynamic\n\n## Supported tags\n\n\| Tags \| Platforms \| Size \| Updated \| Signed \| Digest \|/);
    assert.match(run.stdout, /## Signing\n\n`registry\.example\.com\/acme\/glibc-dynamic:latest` is signed/);
  });

  test('fails on a field that is not set, naming it, instead of printing a blank', (t) => {
    const dir = workspace(t, '# {{name}}\n\nMaintained by {{maintainer}}.\n');
    const run = runCli(['render', '--template', 'custom.md.hbs'], dir);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^readme-gen: template .*custom\.md\.hbs .*line 3:\d+: "maintainer" is not set; .*\n$/);
  });

  test('fails on a field a config key sets, naming that key as the config spells it', (t) => {
    const dir = workspace(t, '# {{name}}\n\n[![CI]({{repo}}/actions/workflows/{{ciWorkflow}}/badge.svg)]({{repo}})\n');
    const run = runCli(['render', '--template', 'custom.md.hbs'], dir);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^readme-gen: template .*custom\.md\.hbs .*line 3:\d+: ci-workflow is not set; set it in readme-gen\.yaml\n$/);
  });

  test('can link with {{link}} and {{linkList}}, escaped where they land', (t) => {
    const dir = workspace(t, '# {{name}}\n\nSee {{link "the *source*" repo}}; built with {{linkList builtWith}}.\n');
    const run = runCli(['render', '--template', 'custom.md.hbs'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      '# glibc-dynamic\n\nSee [the \\*source\\*](https://github.com/acme/glibc-dynamic); built with [apko](https://github.com/chainguard-dev/apko) and [melange](https://github.com/chainguard-dev/melange).\n',
    );
  });

  test('fails on a syntax error, naming the line', (t) => {
    const dir = workspace(t, '# {{name}}\n\n{{#each rows}}\n| {{digest}} |\n');
    const run = runCli(['render', '--template', 'custom.md.hbs'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: template .*custom\.md\.hbs, line \d+: template syntax error: .*\n$/);
  });

  test('that breaks the tags table is refused, not published', (t) => {
    const dir = workspace(t, '| Tags | Digest |\n| --- | --- |\n{{#each rows}}\n| {{codeList tags}}\n| `{{digest}}` |\n{{/each}}\n');
    const run = runCli(['render', '--template', 'custom.md.hbs', '--write'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: template .*custom\.md\.hbs.*tags table.*\n$/);
  });

  test('that does not exist is a clear error', (t) => {
    const dir = workspace(t, '');
    const run = runCli(['render', '--template', 'missing.hbs'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: template .*missing\.hbs not found; .*\n$/);
  });
});
