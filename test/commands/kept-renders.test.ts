/**
 * Kept renders (src/commands/kept-renders.ts): an offline run keeps each
 * render that found its README up to date, and the next offline run answers
 * from it while every file the render read is byte for byte as it was.
 * Through the built readme-gen, the pre-commit hook's command, on
 * fixtures/glibc-dynamic (a real cosign signature, the shipped trusted root).
 *
 * The measure of each test is a run with a cache that holds no kept render:
 * whatever changed, the hook must say what that run says.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { type CliRun, runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, trustedRoot } from '../helpers/signing.js';

const HOOK = ['render', '--all', '--check', '--offline'];
const SUBJECT = 'https://github.com/distroless/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main';

type Context = { after: (fn: () => void) => void };

interface ProjectOptions {
  /** lines added to each config */
  extra?: string;
  /** the configs' template, instead of the fixture's distroless */
  template?: string;
  /** files written beside each config, by name */
  files?: Record<string, string>;
}

/** Two images with fixtures/glibc-dynamic's config and state, each README written. */
function project(t: Context, options: ProjectOptions = {}): string {
  const dir = temporaryDirectory(t);
  const config = readFileSync(packageFile('fixtures', 'glibc-dynamic', 'readme-gen.yaml'), 'utf8')
    .replace(/^template: distroless$/m, `template: ${options.template ?? 'distroless'}`)
    .concat(options.extra ?? '');
  for (const image of ['one', 'two']) {
    mkdirSync(path.join(dir, image));
    writeFileSync(path.join(dir, image, 'readme-gen.yaml'), config.replace(/^name: .*$/m, `name: ${image}`));
    copyFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), path.join(dir, image, 'state.json'));
    for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(path.join(dir, image, name), text);
  }
  const written = runCli(['render', '--all', '--write', '--offline', '--cache-dir', path.join(dir, '.write-cache')], dir);
  assert.equal(written.status, 0, written.stderr);
  return dir;
}

function hook(dir: string, cache: string, flags: string[] = []): CliRun {
  return runCli([...HOOK, '--cache-dir', cache, ...flags], dir);
}

/** The hook's run with a cache that holds no kept render (a fresh one each time). */
let fresh = 0;
function hookWithoutKept(dir: string): CliRun {
  return hook(dir, path.join(dir, `.fresh-cache-${++fresh}`));
}

function keptEntries(cache: string): string[] {
  try {
    return readdirSync(path.join(cache, 'renders'));
  } catch {
    return [];
  }
}

/** A project whose hook has run once, so that its renders are kept; the cache it kept them in. */
function keptProject(t: Context, options: ProjectOptions = {}): { dir: string; cache: string } {
  const dir = project(t, options);
  const cache = path.join(dir, '.cache');
  const first = hook(dir, cache);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(keptEntries(cache).length, 1, 'the run kept its renders');
  assert.deepEqual(statsKept(dir, cache), [], 'files written a moment ago are not vouched for by their stats: they are read and hashed');
  return { dir, cache };
}

/** The project's files the kept entry holds a stat for (see input-log's Input). */
function statsKept(dir: string, cache: string): string[] {
  const [entry] = keptEntries(cache);
  assert.ok(entry);
  const { inputs } = (JSON.parse(readFileSync(path.join(cache, 'renders', entry), 'utf8')) as { value: { inputs: string[][] } }).value;
  return inputs.filter((input) => input[0]?.startsWith(dir) && input[3] !== undefined).map((input) => path.relative(dir, input[0] ?? ''));
}

function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const edited = text.replace(from, to);
  assert.notEqual(edited, text, `${from} is in ${file}`);
  writeFileSync(file, edited);
}

/** After `change`, the hook says what a run without kept renders says, and that is not "up to date". */
function assertSeen(dir: string, cache: string, expectedStatus: number, change: () => void): void {
  change();
  const kept = hook(dir, cache);
  const without = hookWithoutKept(dir);
  assert.equal(without.status, expectedStatus, without.stderr);
  assert.deepEqual(kept, without);
  // And once more: what the changed run kept (or forgot) still gives the same.
  assert.deepEqual(hook(dir, cache), without);
}

describe('kept renders', () => {
  test("the hook's output is the same from kept renders; the kept render is used, not rendered again", (t) => {
    // The default template shows the signer the verdict names.
    const { dir, cache } = keptProject(t, { template: 'default' });
    const second = hook(dir, cache);
    assert.deepEqual(second, hookWithoutKept(dir));
    assert.equal(second.status, 0);
    assert.equal(second.stderr, 'readme-gen: all 2 READMEs are up to date\n');
    assert.deepEqual(hook(dir, cache, ['--json']), hook(dir, path.join(dir, '.json-cache'), ['--json']));
    // Printing from a kept render prints the README; twice, so that the second is kept.
    const print = (cacheDir: string) => runCli(['render', '--all', '--offline', '--cache-dir', cacheDir], dir);
    assert.equal(print(cache).status, 0);
    const printed = print(cache);
    assert.deepEqual(printed, print(path.join(dir, '.print-cache')));
    assert.ok(printed.stdout.includes(readFileSync(path.join(dir, 'two', 'README.md'), 'utf8')));

    // A verdict planted in the cache that would fail the config's identity if a render asked for it:
    // a kept render does not ask. Without the kept renders, the render does, and refuses.
    for (const entry of readdirSync(path.join(cache, 'verdicts'))) {
      const file = path.join(cache, 'verdicts', entry);
      edit(file, SUBJECT, 'https://example.com/planted');
    }
    assert.deepEqual(hook(dir, cache), second, 'answered from the kept renders');
    rmSync(path.join(cache, 'renders'), { recursive: true });
    const rendered = hook(dir, cache);
    assert.equal(rendered.status, 1, `the render asks the verdict cache: ${rendered.stderr}`);
    assert.match(rendered.stdout, /^\+.*https:\/\/example\.com\/planted/m);
  });

  test('an edited README is seen, with the diff a run without kept renders gives', (t) => {
    const { dir, cache } = keptProject(t);
    assertSeen(dir, cache, 1, () => edit(path.join(dir, 'two', 'README.md'), 'is available on `cgr.dev`', 'is available on Docker Hub'));
  });

  test('a deleted README is seen', (t) => {
    const { dir, cache } = keptProject(t);
    assertSeen(dir, cache, 1, () => rmSync(path.join(dir, 'one', 'README.md')));
  });

  test('an edited config is seen', (t) => {
    const { dir, cache } = keptProject(t);
    assertSeen(dir, cache, 1, () =>
      edit(path.join(dir, 'one', 'readme-gen.yaml'), /^description: Base image/m, 'description: A base image'),
    );
  });

  test('an edited state is seen', (t) => {
    const { dir, cache } = keptProject(t);
    assertSeen(dir, cache, 1, () => {
      const file = path.join(dir, 'two', 'state.json');
      const state = JSON.parse(readFileSync(file, 'utf8')) as { tags: { name: string }[] };
      state.tags.push({ ...(state.tags[0] as { name: string }), name: 'another-tag' });
      writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
    });
  });

  test('a partial added beside a config, overriding a built-in one, is seen', (t) => {
    const { dir, cache } = keptProject(t);
    assertSeen(dir, cache, 1, () => {
      mkdirSync(path.join(dir, 'one', 'templates', 'partials'), { recursive: true });
      const builtIn = readdirSync(packageFile('templates', 'distroless', 'partials')).find((name) => name.endsWith('.hbs'));
      assert.ok(builtIn);
      writeFileSync(path.join(dir, 'one', 'templates', 'partials', builtIn), 'Replaced.\n');
    });
  });

  test('an edited user template and description file are seen', (t) => {
    const { dir, cache } = keptProject(t);
    for (const image of ['one', 'two']) {
      writeFileSync(path.join(dir, image, 'README.md.hbs'), '# {{name}}\n\n{{{description}}}\n');
      writeFileSync(path.join(dir, image, 'description.md'), 'What it is.\n');
      const config = path.join(dir, image, 'readme-gen.yaml');
      edit(config, /^template: distroless$/m, 'template: ./README.md.hbs');
      edit(config, /^description: .*$/m, 'description-file: description.md');
    }
    assert.equal(runCli(['render', '--all', '--write', '--offline', '--cache-dir', cache], dir).status, 0);
    assert.deepEqual(hook(dir, cache), hookWithoutKept(dir));
    assert.equal(hook(dir, cache).status, 0);

    assertSeen(dir, cache, 1, () => writeFileSync(path.join(dir, 'one', 'README.md.hbs'), '# {{name}}\n\n{{{description}}}\n\nMore.\n'));
    assert.equal(runCli(['render', '--all', '--write', '--offline', '--cache-dir', cache], dir).status, 0);
    assertSeen(dir, cache, 1, () => writeFileSync(path.join(dir, 'two', 'description.md'), 'What it is now.\n'));
  });

  test('a pinned trusted root replaced by another is seen: the signature no longer verifies', async (t) => {
    const root = readFileSync(packageFile('src', 'signatures', 'sigstore-public-good.trusted-root.json'), 'utf8');
    const { dir, cache } = keptProject(t, { extra: 'trusted-root: root.json\n', files: { 'root.json': root } });
    const other = JSON.stringify(trustedRoot(await createCa(), createLog()));
    assertSeen(dir, cache, 4, () => writeFileSync(path.join(dir, 'two', 'root.json'), other));
  });

  test('a file left alone is vouched for by its stat; a write that keeps its size and modification time is still seen', async (t) => {
    const { dir, cache } = keptProject(t);
    // Older than the time a file must be left alone before its stat stands for its bytes (input-log's SETTLED_NS):
    // the next run confirms each file by its bytes once more, and keeps its stat.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    assert.equal(hook(dir, cache).status, 0);
    assert.deepEqual(
      statsKept(dir, cache).sort(),
      ['one', 'two'].flatMap((image) => ['README.md', 'readme-gen.yaml', 'state.json'].map((name) => path.join(image, name))).sort(),
      "each image's files were settled, and are kept with their stats",
    );
    assert.equal(hook(dir, cache).status, 0);

    // touch -r keeps the times to the nanosecond (Node's utimes takes seconds as a double): what an editor or a checkout could leave.
    const config = path.join(dir, 'one', 'readme-gen.yaml');
    const times = path.join(dir, 'times');
    execFileSync('touch', ['-r', config, times]);
    const before = statSync(config, { bigint: true });
    edit(config, 'Base image with', 'Base imagE with');
    execFileSync('touch', ['-r', times, config]);
    const after = statSync(config, { bigint: true });
    assert.deepEqual([after.size, after.mtimeNs, after.ino], [before.size, before.mtimeNs, before.ino]);
    assert.notEqual(after.ctimeNs, before.ctimeNs, 'only the change time tells');
    assertSeen(dir, cache, 1, () => {});
  });

  test('a .git made between a config and a file it names is seen: the file is outside its repository now', (t) => {
    const dir = temporaryDirectory(t);
    execFileSync('git', ['init', '--quiet', dir]);
    mkdirSync(path.join(dir, 'image'));
    const config = readFileSync(packageFile('fixtures', 'glibc-dynamic', 'readme-gen.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'image', 'readme-gen.yaml'), `${config}usage-file: ../usage.md\n`);
    copyFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), path.join(dir, 'image', 'state.json'));
    writeFileSync(path.join(dir, 'usage.md'), 'Run it.\n');
    const check = (cache: string) =>
      runCli(['render', '--config', 'image/readme-gen.yaml', '--check', '--offline', '--cache-dir', cache], dir);
    const cache = path.join(dir, '.cache');
    assert.equal(runCli(['render', '--config', 'image/readme-gen.yaml', '--write', '--offline', '--cache-dir', cache], dir).status, 0);
    assert.equal(check(cache).status, 0);
    assert.equal(keptEntries(cache).length, 2, 'the write and the check each kept their render');

    execFileSync('git', ['init', '--quiet', path.join(dir, 'image')]);
    const kept = check(cache);
    const without = check(path.join(dir, '.fresh-cache'));
    assert.equal(without.status, 2, without.stderr);
    assert.match(without.stderr, /usage\.md/);
    assert.deepEqual(kept, without);
  });

  test('a render is kept per question: other flags or another working directory render again', (t) => {
    const { dir, cache } = keptProject(t);
    assert.equal(hook(dir, cache, ['--allow-unverified']).status, 0);
    assert.equal(keptEntries(cache).length, 2, 'another entry for the other flags');
    assert.equal(runCli([...HOOK, '--cache-dir', cache], path.join(dir, 'one')).status, 0);
    assert.equal(keptEntries(cache).length, 3, 'another for the other directory');
  });

  test('a run without --offline keeps nothing', (t) => {
    const dir = project(t);
    const cache = path.join(dir, '.cache');
    assert.equal(runCli(['render', '--all', '--check', '--cache-dir', cache], dir).status, 0);
    assert.deepEqual(keptEntries(cache), []);
  });

  test('a damaged kept entry is a miss, not an answer', (t) => {
    const { dir, cache } = keptProject(t);
    const [entry] = keptEntries(cache);
    assert.ok(entry);
    writeFileSync(path.join(cache, 'renders', entry), '{"key": "not this one", "value": {}}');
    edit(path.join(dir, 'one', 'README.md'), 'is available on `cgr.dev`', 'is available on Docker Hub');
    const run = hook(dir, cache);
    assert.equal(run.status, 1, run.stderr);
    assert.deepEqual(run, hookWithoutKept(dir));
  });
});
