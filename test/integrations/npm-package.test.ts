/**
 * The package as a user gets it from npm: `npm pack` of this repository (the
 * tarball `npm publish` uploads), installed from empty directories outside
 * the repository — into a project with `npm i`, and globally with
 * --ignore-scripts. npm fetches the dependencies from the npm registry (with
 * the machine's npm cache), so these tests need it, as the pre-commit test does.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { outsideNpmScripts } from '../helpers/install.js';
import { type CliRun, runCliAsync, runProgram, temporaryDirectory } from '../helpers/run-cli.js';

const manifest = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { name: string; version: string };
/** The README's first command prints this, byte for byte; so must an installed copy. */
const EXAMPLE = readFileSync(packageFile('fixtures', 'corpus', '006-4675c89', 'expected.md'), 'utf8');
const INSTALL_DEADLINE_MS = 300_000;

let tarball: string;
let packOutput: string;

/** npm, which must succeed; with how long it took, since installs are the slow part of this file. */
async function npm(cwd: string, ...args: string[]): Promise<CliRun & { ms: number }> {
  const started = performance.now();
  const run = await runProgram('npm', args, { cwd, env: outsideNpmScripts(), deadlineMs: INSTALL_DEADLINE_MS });
  assert.equal(run.status, 0, `npm ${args.join(' ')}:\n${run.stderr}`);
  return { ...run, ms: Math.round(performance.now() - started) };
}

/** The bundled example in a directory of the user's, as they would render their own image. */
function exampleImage(t: Parameters<typeof temporaryDirectory>[0]): string {
  const dir = temporaryDirectory(t);
  cpSync(packageFile('fixtures', 'glibc-dynamic'), path.join(dir, 'glibc-dynamic'), { recursive: true });
  return dir;
}

const cleanups: (() => void)[] = [];
before(async () => {
  const destination = temporaryDirectory({ after: (fn) => cleanups.push(fn) });
  packOutput = (await npm(packageFile(), 'pack', '--pack-destination', destination)).stdout;
  tarball = path.join(destination, `${manifest.name}-${manifest.version}.tgz`);
});
after(() => {
  for (const cleanup of cleanups) cleanup();
});

describe('the npm package', { timeout: 900_000 }, () => {
  test('npm pack prints only the tarball name, and the tarball holds the built program and its data, no TypeScript', () => {
    // pre-commit takes npm pack's whole stdout as the file name: a prepack or prepare script would print into it.
    assert.equal(packOutput, `${path.basename(tarball)}\n`);
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    for (const file of [
      'dist/src/cli/bin.js',
      'templates/default/readme.md.hbs',
      'templates/distroless/readme.md.hbs',
      'src/config/config.schema.json',
      'src/state/image-state.schema.json',
      'src/signatures/sigstore-public-good.trusted-root.json',
      'src/signatures/sigstore-public-good.tuf-root.json',
    ]) {
      assert.ok(files.includes(`package/${file}`), `the tarball lacks ${file}`);
    }
    assert.deepEqual(
      files.filter((file) => file.endsWith('.ts') || /^package\/(test|scripts|bench|fixtures)\/|^package\/tsconfig\.json$/.test(file)),
      [],
    );
  });

  test('npm i -D from the tarball in an empty project: npx readme-gen prints this version and renders', async (t) => {
    const project = exampleImage(t);
    await npm(project, 'init', '-y');
    t.diagnostic(`npm i -D: ${(await npm(project, 'i', '-D', '--no-audit', '--no-fund', tarball)).ms} ms`);
    assert.ok(!existsSync(path.join(project, 'node_modules', 'typescript')), 'no devDependency is installed');

    // --yes=false: were the bin missing, npx would fetch the unrelated `readme-gen` package from the registry; fail instead.
    // (Not --no, which makes npx read the command's --version as its own.)
    const version = await runProgram('npx', ['--yes=false', 'readme-gen', '--version'], { cwd: project, env: outsideNpmScripts() });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `${manifest.version}\n`);
    const render = await runProgram('npx', ['--yes=false', 'readme-gen', 'render', '--config', 'glibc-dynamic/readme-gen.yaml'], {
      cwd: project,
      env: outsideNpmScripts(),
    });
    assert.equal(render.status, 0, render.stderr);
    assert.equal(render.stdout, EXAMPLE);
  });

  test('npm i -g --ignore-scripts from the same tarball: readme-gen runs from the prefix', async (t) => {
    const prefix = temporaryDirectory(t);
    const user = exampleImage(t);
    t.diagnostic(
      `npm i -g: ${(await npm(user, 'i', '-g', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', tarball)).ms} ms`,
    );
    const bin = path.join(prefix, 'bin', 'readme-gen');

    const version = await runCliAsync(['--version'], user, {}, { bin, node: null });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `${manifest.version}\n`);
    const render = await runCliAsync(['render', '--config', 'glibc-dynamic/readme-gen.yaml'], user, {}, { bin, node: null });
    assert.equal(render.status, 0, render.stderr);
    assert.equal(render.stdout, EXAMPLE);
  });
});
