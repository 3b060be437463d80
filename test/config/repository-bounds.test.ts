import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gitTopLevel } from '../../src/config/repository-bounds.js';
import { isInside } from '../../src/fs/is-inside.js';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/**
 * A config may only name files inside its repository: a config from a pull
 * request must not make readme-gen read or overwrite files elsewhere.
 */
function repository(t: Parameters<typeof temporaryDirectory>[0], extra: string): { dir: string; outside: string } {
  const root = temporaryDirectory(t);
  const dir = path.join(root, 'repo');
  const outside = path.join(root, 'outside');
  mkdirSync(path.join(dir, 'image'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'USAGE.md'), 'secret usage\n');
  writeFileSync(path.join(outside, 'custom.hbs'), '# {{name}}\n');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  cpSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), path.join(dir, 'image', 'state.json'));
  writeFileSync(
    path.join(dir, 'image', 'readme-gen.yaml'),
    `name: app\nlocation: registry.example.com/acme/app\nstate: state.json\ntemplate: default\n${extra}`,
  );
  return { dir: path.join(dir, 'image'), outside };
}

function refused(run: { status: number | null; stderr: string }, key: string): void {
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, new RegExp(`^readme-gen: .*${key}: .* is outside the repository .*--allow-outside.*\\n$`));
}

describe('files a config names stay in its repository', () => {
  test('a usage file reached with ..', (t) => {
    const { dir } = repository(t, 'usage-file: ../../outside/USAGE.md\n');
    refused(runCli(['render'], dir), 'usage-file');
  });

  test('a description file given as an absolute path outside', (t) => {
    const { dir, outside } = repository(t, '');
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      `name: app\nlocation: registry.example.com/acme/app\nstate: state.json\ndescription-file: ${path.join(outside, 'USAGE.md')}\n`,
    );
    refused(runCli(['render'], dir), 'description-file');
  });

  test('an output that is a symbolic link to a file outside', (t) => {
    const { dir, outside } = repository(t, '');
    symlinkSync(path.join(outside, 'USAGE.md'), path.join(dir, 'README.md'));
    refused(runCli(['render', '--write'], dir), 'output');
  });

  test('a template, a state file and a key outside', (t) => {
    const { dir, outside } = repository(t, '');
    const config = `name: app\nlocation: registry.example.com/acme/app\nstate: state.json\n`;
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `${config}template: ${path.join(outside, 'custom.hbs')}\n`);
    refused(runCli(['render'], dir), 'template');
    cpSync(path.join(dir, 'state.json'), path.join(outside, 'state.json'));
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      `name: app\nlocation: registry.example.com/acme/app\nstate: ../../outside/state.json\n`,
    );
    refused(runCli(['render'], dir), 'state');
    refused(runCli(['snapshot'], dir), 'state');
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `${config}key: ${path.join(outside, 'cosign.pub')}\n`);
    refused(runCli(['render'], dir), 'key');
  });

  test("paths typed on the command line are the user's own choice, inside or not", (t) => {
    const { dir, outside } = repository(t, '');
    const output = path.join(outside, 'README.md');
    const written = runCli(['render', '--write', '--template', path.join(outside, 'custom.hbs'), '--output', output], dir);
    assert.equal(written.status, 0, written.stderr);
    assert.equal(readFileSync(output, 'utf8'), '# app\n');
    const state = runCli(
      ['render', '--state', path.join('..', '..', 'repo', 'image', 'state.json'), '--template', path.join(outside, 'custom.hbs')],
      dir,
    );
    assert.equal(state.status, 0, state.stderr);
  });

  test('--allow-outside lets them through', (t) => {
    const { dir } = repository(t, 'usage-file: ../../outside/USAGE.md\n');
    const run = runCli(['render', '--allow-outside'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /secret usage/);
  });

  test('paths inside, including a new output in a new-to-be file, are fine', (t) => {
    const { dir } = repository(t, 'output: docs/README.md\n');
    mkdirSync(path.join(dir, 'docs'));
    assert.equal(runCli(['render', '--write'], dir).status, 0);
  });

  test('a folder whose name starts with two dots is inside', (t) => {
    const { dir } = repository(t, 'usage-file: ..notes/USAGE.md\n');
    mkdirSync(path.join(dir, '..notes'));
    writeFileSync(path.join(dir, '..notes', 'USAGE.md'), 'docker run app\n');
    const run = runCli(['render'], dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /docker run app/);
  });
});

describe('isInside', () => {
  test('judges by path segments, not by a leading ..', () => {
    assert.equal(isInside('/repo', '/repo'), true);
    assert.equal(isInside('/repo', '/repo/..foo/file'), true);
    assert.equal(isInside('/repo', '/repo/a/../b'), true);
    assert.equal(isInside('/repo', '/repo/..'), false);
    assert.equal(isInside('/repo', '/repo/../other'), false);
    assert.equal(isInside('/repo', '/repository'), false);
    assert.equal(isInside('/repo/a', '/repo'), false);
  });
});

describe('the repository root of many configs', () => {
  test('git is asked once per work tree; a repository nested inside is its own', (t) => {
    const root = realpathSync(temporaryDirectory(t));
    const outer = path.join(root, 'outer');
    const nested = path.join(outer, 'nested');
    for (const dir of ['a/b', 'd/e', 'nested/c', 'nested/f']) mkdirSync(path.join(outer, dir), { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: outer });
    execFileSync('git', ['init', '-q'], { cwd: nested });
    assert.equal(gitTopLevel(path.join(outer, 'a', 'b')), outer);
    assert.equal(gitTopLevel(path.join(nested, 'c')), nested);
    // Without git on PATH, only what is known answers: every directory of either work tree.
    const pathBefore = process.env.PATH;
    process.env.PATH = '';
    try {
      assert.equal(gitTopLevel(path.join(outer, 'd', 'e')), outer);
      assert.equal(gitTopLevel(path.join(nested, 'f')), nested);
      assert.equal(gitTopLevel(root), undefined, 'git cannot be asked about a directory above both');
    } finally {
      process.env.PATH = pathBefore;
    }
  });
});
