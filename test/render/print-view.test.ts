import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { readmeView } from '../../src/render/render-readme.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { loadState } from '../../src/state/load-state.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

const FIXTURE_FILES = ['readme-gen.yaml', 'state.json', 'USAGE.md'];

const TAG_NOTES = `tag-notes:
  - tag: latest
    note: The newest release; moves with every release.
  - tag: edge
    note: Built from \`main\` every night; moves daily and may break.
`;

/** fixtures/multi-arch with tag notes, in a folder of its own (or in `sub` of it). */
function workspace(t: Parameters<typeof temporaryDirectory>[0], sub = '.'): string {
  const dir = temporaryDirectory(t);
  mkdirSync(path.join(dir, sub), { recursive: true });
  for (const file of FIXTURE_FILES) copyFileSync(packageFile('fixtures', 'multi-arch', file), path.join(dir, sub, file));
  appendFileSync(path.join(dir, sub, 'readme-gen.yaml'), TAG_NOTES);
  return dir;
}

/** The view as the template gets it, computed in process from the config in `dir`, through JSON as the CLI prints it. */
function viewIn(dir: string): unknown {
  const config = loadConfig({ cwd: dir });
  const { view } = readmeView(config, loadState(config.statePath as string, dir), loadTrust());
  return JSON.parse(JSON.stringify(view));
}

describe('render --print-view', () => {
  test('prints the view the template is rendered over, as JSON, and writes nothing', (t) => {
    const dir = workspace(t);
    const run = runCli(['render', '--print-view', '--offline'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const printed = JSON.parse(run.stdout) as { rows: { tags: string[] }[]; tagNotes: unknown; signing: { verified: boolean } };
    assert.deepEqual(printed, viewIn(dir));
    assert.deepEqual(
      printed.rows.map((row) => row.tags),
      [['latest', '2.36.1', '2.36'], ['2.35.4', '2.35'], ['edge']],
    );
    assert.equal(printed.signing.verified, true);
    assert.deepEqual(printed.tagNotes, [
      { tag: 'latest', note: 'The newest release; moves with every release.' },
      { tag: 'edge', note: 'Built from `main` every night; moves daily and may break.' },
    ]);
    assert.deepEqual(readdirSync(dir).sort(), [...FIXTURE_FILES].sort(), 'no README written');
  });

  test('prints the view even when the template does not render, so it can be fixed against it', (t) => {
    const dir = workspace(t);
    writeFileSync(path.join(dir, 'broken.md.hbs'), '# {{name}}\n\n{{#each rows}}\n');
    assert.equal(runCli(['render', '--template', 'broken.md.hbs', '--offline'], dir).status, 2);
    const run = runCli(['render', '--template', 'broken.md.hbs', '--print-view', '--offline'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), viewIn(dir));
  });

  test('with --all prints each config with its output and view', (t) => {
    const dir = workspace(t, 'images/glibc');
    const run = runCli(['render', '--all', '--print-view', '--offline'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      { config: 'images/glibc/readme-gen.yaml', output: 'images/glibc/expected.md', view: viewIn(path.join(dir, 'images/glibc')) },
    ]);
  });

  test('does not go with another mode or a profile', (t) => {
    const dir = workspace(t);
    const withWrite = runCli(['render', '--print-view', '--write', '--offline'], dir);
    assert.equal(withWrite.status, 2);
    assert.match(withWrite.stderr, /^readme-gen: --write and --print-view cannot be combined; pick one\n$/);
    const withProfile = runCli(['render', '--print-view', '--profile', 'dockerhub', '--offline'], dir);
    assert.equal(withProfile.status, 2);
    assert.match(withProfile.stderr, /^readme-gen: --print-view prints the view, which no profile changes; drop --profile\n$/);
  });
});
