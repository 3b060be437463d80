/**
 * A render's inputs, as recordInputs lists them (src/fs/input-log.ts), are
 * every file it looks at: what KeptRenders trusts a kept render by. The file
 * system functions are watched while the first render of this process runs
 * (nothing read earlier and held), and every path they were given must be in
 * the list — except what the build's identity covers (readme-gen's own code,
 * templates, schemas and package.json; see readmeGenBuild), the results kept
 * in the cache directory, which are functions of the inputs themselves, and
 * the directories repository-bounds asks the device of: git's discovery
 * stops at a mount point, and a file system mounted between a config and
 * the top of its repository is not recorded.
 */
import assert from 'node:assert/strict';
import fs, { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { render } from '../../src/commands/render.js';
import { recordInputs } from '../../src/fs/input-log.js';
import { packageFile } from '../../src/package-root.js';
import { temporaryDirectory } from '../helpers/run-cli.js';

const WATCHED = ['readFileSync', 'openSync', 'existsSync', 'statSync', 'lstatSync', 'readdirSync', 'opendirSync'] as const;

/** Every path given to the watched functions of node:fs while `work` runs (for modules importing them by name too). */
async function pathsLookedAt<T>(work: () => Promise<T>): Promise<{ value: T; paths: Set<string> }> {
  const paths = new Set<string>();
  const originals = new Map<string, unknown>();
  const mutableFs = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of WATCHED) {
    const original = mutableFs[name] as (...args: unknown[]) => unknown;
    originals.set(name, original);
    mutableFs[name] = function (this: unknown, file: unknown, ...rest: unknown[]) {
      if (typeof file === 'string' || file instanceof URL) paths.add(path.resolve(file instanceof URL ? file.pathname : file));
      return original.call(this, file, ...rest);
    };
  }
  syncBuiltinESMExports();
  try {
    return { value: await work(), paths };
  } finally {
    for (const [name, original] of originals) mutableFs[name] = original as (...args: unknown[]) => unknown;
    syncBuiltinESMExports();
  }
}

/** What readmeGenBuild's identity covers, or code: not inputs of one render. */
function isReadmeGensOwn(file: string): boolean {
  const inside = (dir: string) => file === dir || file.startsWith(`${dir}${path.sep}`);
  return (
    inside(packageFile('node_modules')) ||
    inside(packageFile('dist')) ||
    inside(packageFile('templates')) ||
    file === packageFile('package.json') ||
    (inside(packageFile('src')) && file.endsWith('.schema.json'))
  );
}

/** `dir` and every directory above it. */
function ancestors(dir: string): string[] {
  return path.dirname(dir) === dir ? [dir] : [dir, ...ancestors(path.dirname(dir))];
}

test("a render's recorded inputs are every file it looked at", async (t) => {
  const dir = temporaryDirectory(t);
  const cacheDir = path.join(dir, 'cache');
  const config = readFileSync(packageFile('fixtures', 'glibc-dynamic', 'readme-gen.yaml'), 'utf8').replace(
    /^description: .*$/m,
    'description-file: description.md',
  );
  writeFileSync(path.join(dir, 'readme-gen.yaml'), config);
  writeFileSync(path.join(dir, 'description.md'), 'What it is.\n');
  copyFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), path.join(dir, 'state.json'));
  mkdirSync(path.join(dir, 'templates', 'partials'), { recursive: true });
  writeFileSync(path.join(dir, 'templates', 'partials', 'usage.hbs'), 'Use it.\n');
  writeFileSync(path.join(dir, 'README.md'), 'An old README.\n');
  const options = { cwd: dir, mode: 'check' as const, fetch: { offline: true, cacheDir, warn: () => {} } };

  const { value, paths } = await pathsLookedAt(() => recordInputs(() => render(options)));

  assert.equal(value.value.upToDate, false);
  const inputs = new Set(value.inputs.map((input) => input.file));
  const kept = ['verdicts', 'tags-tables', 'renders'].map((folder) => path.join(cacheDir, folder));
  const devicesAsked = ancestors(realpathSync(dir));
  const unlisted = [...paths].filter(
    (file) =>
      !inputs.has(file) &&
      !isReadmeGensOwn(file) &&
      !devicesAsked.includes(file) &&
      !kept.some((folder) => file === folder || file.startsWith(`${folder}${path.sep}`)),
  );
  assert.deepEqual(unlisted, [], 'looked at but not recorded');
  // Not vacuous: what the render must have read was seen, and listed with how it was found.
  for (const name of ['readme-gen.yaml', 'state.json', 'README.md', 'description.md', path.join('templates', 'partials', 'usage.hbs')]) {
    assert.ok(paths.has(path.join(dir, name)), `${name} was looked at`);
    assert.equal(value.inputs.find((input) => input.file === path.join(dir, name))?.kind, 'text', name);
  }
  assert.equal(value.inputs.find((input) => input.file === path.join(dir, 'templates', 'partials'))?.kind, 'listing');
  assert.ok(value.inputs.some((input) => input.file === packageFile('templates', 'distroless', 'readme.md.hbs')));
  assert.ok(value.inputs.some((input) => input.file.endsWith('trusted-root.json')));
  assert.equal(value.inputs.find((input) => input.file === path.join(realpathSync(dir), '.git'))?.kind, 'absent');
});
