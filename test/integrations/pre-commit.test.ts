import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isSupportedNode } from '../../src/cli/supported-node.js';
import { packageFile } from '../../src/package-root.js';
import { Pusher } from '../harness/push.js';
import { startRegistry } from '../harness/registry-server.js';
import { copyCheckout, outsideNpmScripts } from '../helpers/install.js';
import { runCliAsync, runProgram, temporaryDirectory } from '../helpers/run-cli.js';
import { expectedRows, pushTaggedPlatforms, shownRows } from '../helpers/tagged-platforms.js';

/**
 * The hooks in .pre-commit-hooks.yaml, run by real pre-commit (Debian's) from
 * a hook repository holding this repository as a clone has it, in a temporary
 * git repository with a configured image. pre-commit installs the hook with npm
 * the way it does for users (npm install in the clone, which builds it; npm
 * pack; npm install -g of that tarball), so the first test takes a while.
 */
const GIT_IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];

let hookRepo: string;
let hookRev: string;
let preCommitHome: string;
let registryTrap: Server;
let trapped = 0;
let trapPort = 0;
const cleanups: (() => void)[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...GIT_IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * PATH as a user's shell has it, with this test's Node (22 or 24) first:
 * pre-commit builds the hook with the node and npm it finds there, and the
 * installed `readme-gen` runs on that node. nodeenv, which pre-commit uses,
 * looks for `nodejs` before `node` (Debian's /usr/bin/nodejs is Node 20 here),
 * so the directory holds both names. npm test's node_modules/.bin entries are
 * dropped so nothing of this repository's install leaks in.
 */
let nodeBin: string;

function userPath(): string {
  const entries = (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((entry) => entry !== '' && !entry.endsWith(`node_modules${path.sep}.bin`));
  return [nodeBin, ...entries].join(path.delimiter);
}

/** Runs a command without blocking, so the trap server in this process can still notice a connection. */
async function run(cwd: string, command: string, args: string[]): Promise<{ status: number | null; output: string }> {
  const { status, stdout, stderr } = await runProgram(command, args, {
    cwd,
    env: { ...outsideNpmScripts(), PATH: userPath(), PRE_COMMIT_HOME: preCommitHome },
  });
  return { status, output: `${stdout}${stderr}` };
}

before(async () => {
  assert.ok(isSupportedNode(process.versions.node), `the hooks need Node ≥ 22 first on PATH; this test runs on ${process.version}`);
  const t = { after: (fn: () => void) => cleanups.push(fn) };
  nodeBin = temporaryDirectory(t);
  for (const name of ['node', 'nodejs']) symlinkSync(process.execPath, path.join(nodeBin, name));
  hookRepo = temporaryDirectory(t);
  preCommitHome = temporaryDirectory(t);
  copyCheckout(hookRepo);
  git(hookRepo, 'init', '-q', '-b', 'main');
  git(hookRepo, 'add', '.');
  git(hookRepo, 'commit', '-q', '-m', 'readme-gen hooks');
  hookRev = git(hookRepo, 'rev-parse', 'HEAD');
  // The image's registry is a port nothing should ever connect to: the hooks render offline.
  registryTrap = createServer((socket) => {
    trapped++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => registryTrap.listen(0, '127.0.0.1', resolve));
  trapPort = (registryTrap.address() as { port: number }).port;
});

after(async () => {
  await new Promise<void>((resolve) => registryTrap.close(() => resolve()));
  for (const cleanup of cleanups) cleanup();
});

function imageRepository(t: Parameters<typeof temporaryDirectory>[0], hook: string): string {
  const dir = temporaryDirectory(t);
  git(dir, 'init', '-q', '-b', 'main');
  const fixture = packageFile('fixtures', 'multi-arch');
  for (const file of ['state.json', 'USAGE.md']) cpSync(path.join(fixture, file), path.join(dir, 'image', file));
  const config = readFileSync(path.join(fixture, 'readme-gen.yaml'), 'utf8')
    .replace(/^location: .*$/m, `location: 127.0.0.1:${trapPort}/acme/glibc-dynamic`)
    .replace(/^output: .*$/m, 'output: README.md');
  writeFileSync(path.join(dir, 'image', 'readme-gen.yaml'), config);
  useHook(dir, hook);
  return dir;
}

function useHook(dir: string, hook: string): void {
  writeFileSync(
    path.join(dir, '.pre-commit-config.yaml'),
    `repos:\n  - repo: ${hookRepo}\n    rev: ${hookRev}\n    hooks:\n      - id: ${hook}\n`,
  );
}

describe('the pre-commit hooks', { timeout: 600_000 }, () => {
  test('readme-gen: a stale README fails the commit and is fixed; the next commit passes; a hand edit is reverted', async (t) => {
    const dir = imageRepository(t, 'readme-gen');
    mkdirSync(path.join(dir, 'image'), { recursive: true });
    writeFileSync(path.join(dir, 'image', 'README.md'), '# glibc-dynamic\n\nstale\n');
    const install = await run(dir, 'pre-commit', ['install']);
    assert.equal(install.status, 0, install.output);
    git(dir, 'add', '.');

    const first = await run(dir, 'git', [...GIT_IDENTITY, 'commit', '-m', 'add image']);
    assert.notEqual(first.status, 0, 'the commit with a stale README fails');
    assert.match(first.output, /files were modified by this hook/);
    const fixed = readFileSync(path.join(dir, 'image', 'README.md'), 'utf8');
    assert.match(fixed, /^# glibc-dynamic\n\n<!-- Generated by readme-gen/);
    assert.match(fixed, /\| `latest` `2\.36\.1` `2\.36` \|/);

    git(dir, 'add', '.');
    const second = await run(dir, 'git', [...GIT_IDENTITY, 'commit', '-m', 'add image']);
    assert.equal(second.status, 0, second.output);

    writeFileSync(path.join(dir, 'image', 'README.md'), fixed.replace('`2.36.1`', '`9.9.9`'));
    git(dir, 'add', '.');
    const edited = await run(dir, 'git', [...GIT_IDENTITY, 'commit', '-m', 'hand edit']);
    assert.notEqual(edited.status, 0, 'the hand edit fails the commit');
    assert.equal(readFileSync(path.join(dir, 'image', 'README.md'), 'utf8'), fixed, 'and is reverted');
    assert.equal(trapped, 0, 'nothing connected to the registry');
  });

  test('readme-gen-check: prints the diff and fails, changing nothing', async (t) => {
    const dir = imageRepository(t, 'readme-gen-check');
    mkdirSync(path.join(dir, 'image'), { recursive: true });
    writeFileSync(path.join(dir, 'image', 'README.md'), '# glibc-dynamic\n\nstale\n');
    git(dir, 'add', '.');
    const check = await run(dir, 'pre-commit', ['run', '--all-files']);
    assert.notEqual(check.status, 0);
    assert.match(check.output, /^-stale$/m);
    assert.match(check.output, /image\/README\.md is out of date/);
    assert.equal(readFileSync(path.join(dir, 'image', 'README.md'), 'utf8'), '# glibc-dynamic\n\nstale\n');
    assert.equal(trapped, 0, 'nothing connected to the registry');
  });

  test('readme-gen: platform manifests with tags of their own (1.0-arm64) render, one row per tag digest, in both templates', async (t) => {
    const dir = temporaryDirectory(t);
    git(dir, 'init', '-q', '-b', 'main');
    const registry = await startRegistry();
    let pushed: Awaited<ReturnType<typeof pushTaggedPlatforms>>;
    try {
      pushed = await pushTaggedPlatforms(new Pusher({ registryUrl: registry.url, repository: 'acme/per-arch' }));
      const location = `${registry.host}/acme/per-arch`;
      // one image folder per template, named after it
      for (const template of ['default', 'distroless']) {
        mkdirSync(path.join(dir, template));
        writeFileSync(
          path.join(dir, template, 'readme-gen.yaml'),
          `name: per-arch\nlocation: ${location}\nrepo: https://github.com/acme/per-arch\ndescription: Tagged per architecture too.\ntemplate: ${template}\nstate: state.json\nwording:\n  generator: https://github.com/acme/readme-generator\n`,
        );
        writeFileSync(path.join(dir, template, 'README.md'), '# per-arch\n\nstale\n');
      }
      const snapshot = await runCliAsync(['snapshot', '--all', '--quiet', '--cache-dir', path.join(temporaryDirectory(t), 'cache')], dir);
      assert.equal(snapshot.status, 0, snapshot.stderr);
    } finally {
      // The hook renders from the committed state: with the registry gone, a request would fail it.
      await registry.stop();
    }
    useHook(dir, 'readme-gen');
    assert.equal((await run(dir, 'pre-commit', ['install'])).status, 0);
    git(dir, 'add', '.');

    const first = await run(dir, 'git', [...GIT_IDENTITY, 'commit', '-m', 'add images']);
    assert.notEqual(first.status, 0, 'the commit with stale READMEs fails');
    assert.match(first.output, /files were modified by this hook/);
    for (const template of ['default', 'distroless'] as const) {
      assert.deepEqual(
        shownRows(readFileSync(path.join(dir, template, 'README.md'), 'utf8')),
        expectedRows(pushed, template),
        `${template} template`,
      );
    }
    git(dir, 'add', '.');
    const second = await run(dir, 'git', [...GIT_IDENTITY, 'commit', '-m', 'add images']);
    assert.equal(second.status, 0, second.output);
  });
});
