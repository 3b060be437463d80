import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/** fixtures/multi-arch with `notes` (YAML) as its tag-notes, shown by a template of its own. */
function workspace(t: Parameters<typeof temporaryDirectory>[0], notes: string, extra = ''): string {
  const dir = temporaryDirectory(t);
  for (const file of ['state.json', 'USAGE.md']) copyFileSync(packageFile('fixtures', 'multi-arch', file), path.join(dir, file));
  const config = readFileSync(packageFile('fixtures', 'multi-arch', 'readme-gen.yaml'), 'utf8');
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `${config}${extra}tag-notes:\n${notes}`);
  writeFileSync(path.join(dir, 'notes.md.hbs'), '{{#each tagNotes}}\n- `{{tag}}`: {{text note}}\n{{/each}}\n');
  return dir;
}

describe('tag-notes in the config', () => {
  test('reach the template as tagNotes, in the order the config lists them', (t) => {
    const dir = workspace(t, '  - tag: edge\n    note: Nightly, from `main`.\n  - tag: "2.35"\n    note: The last 2.35.\n');
    const run = runCli(['render', '--template', 'notes.md.hbs', '--offline'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '- `edge`: Nightly\\, from \\`main\\`\\.\n- `2.35`: The last 2\\.35\\.\n');
  });

  test('about a tag the registry does not have is refused, naming the line', (t) => {
    const dir = workspace(t, '  - tag: edge\n    note: Nightly.\n  - tag: egde\n    note: Typo.\n');
    const run = runCli(['render', '--offline'], dir);
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /^readme-gen: readme-gen\.yaml:16:10: tag-notes: "egde" is not a tag of registry\.example\.com\/acme\/glibc-dynamic; fix the tag or remove its note\n$/,
    );
  });

  test('about a tag exclude-tags hides is refused, naming the pattern', (t) => {
    const dir = workspace(t, '  - tag: edge\n    note: Nightly.\n', 'exclude-tags: ["ed*"]\n');
    const run = runCli(['render', '--offline'], dir);
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /^readme-gen: readme-gen\.yaml:\d+:10: tag-notes: "edge" is not shown, as exclude-tags pattern "ed\*" \(readme-gen\.yaml:\d+:\d+: exclude-tags\) hides it; remove its note\n$/,
    );
  });

  test('two notes for one tag are refused', (t) => {
    const dir = workspace(t, '  - tag: edge\n    note: One.\n  - tag: edge\n    note: Two.\n');
    const run = runCli(['render', '--offline'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: readme-gen\.yaml:16:10: tag-notes: "edge" has a note already \(entry 1\); keep one of them\n$/);
  });

  test('a note of more than one line is refused by the schema', (t) => {
    const dir = workspace(t, '  - tag: edge\n    note: "one\\ntwo"\n');
    const run = runCli(['render', '--offline'], dir);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^readme-gen: readme-gen\.yaml:15:11: tag-notes\[0\]\.note: "one\\ntwo" does not match .*\n$/);
  });
});
