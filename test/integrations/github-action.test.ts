/**
 * action.yml, run from a user's repository with a configured image, as far as
 * it can run here: its own steps, read from action.yml (test/harness/
 * composite-action.ts), in a copy of this repository standing for the action's
 * checkout. The install step really runs `npm ci` there, with the npm registry,
 * and the `readme-gen pr` step really runs against a real registry, a real git
 * origin and the loopback GitHub API.
 *
 * Not run, because nothing here can: GitHub's runner itself, `uses:` steps
 * (actions/setup-node: the repository's own Node 24 stands in for the Node 24 it
 * installs), and the real GitHub API and token permissions.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { packageFile } from '../../src/package-root.js';
import { runCompositeAction } from '../harness/composite-action.js';
import { type GitHubServer, branchExistsIn, startGitHubServer } from '../harness/github-server.js';
import { Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { copyCheckout, outsideNpmScripts } from '../helpers/install.js';
import { runCliAsync, temporaryDirectory } from '../helpers/run-cli.js';

const OWNER = 'acme';
const REPO = 'app';
const BRANCH = 'readme-gen/update';
const TOKEN = `ghs_readmeGenActionTest${randomBytes(16).toString('hex')}`;

let registry: RunningRegistry;
let github: GitHubServer;
let scratch: string;
let remote: string;
let workspace: string;
let gitEnv: NodeJS.ProcessEnv;
const cleanups: (() => void)[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...gitEnv,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.test',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.test',
    },
  });
}

before(async () => {
  scratch = temporaryDirectory({ after: (fn) => cleanups.push(fn) });
  remote = path.join(scratch, 'remote.git');
  workspace = path.join(scratch, 'workspace');
  writeFileSync(path.join(scratch, 'gitconfig'), '');
  gitEnv = { GIT_CONFIG_GLOBAL: path.join(scratch, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1', XDG_CACHE_HOME: path.join(scratch, 'cache') };

  registry = await startRegistry();
  github = await startGitHubServer({ token: TOKEN, owner: OWNER, repo: REPO, branchExists: branchExistsIn(remote) });
  const pusher = new Pusher({ registryUrl: registry.url, repository: `${OWNER}/${REPO}` });
  await pusher.pushImage({ tag: '1.0', platform: { os: 'linux', architecture: 'amd64' } });

  // The user's repository as actions/checkout leaves it: a clone of origin, on the default branch, README up to date.
  git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(scratch, 'clone', '--quiet', remote, workspace);
  git(workspace, 'symbolic-ref', 'HEAD', 'refs/heads/main');
  writeFileSync(path.join(workspace, 'readme-gen.yaml'), `name: app\nlocation: ${registry.host}/${OWNER}/${REPO}\nstate: state.json\n`);
  for (const args of [['snapshot'], ['render', '--write']]) {
    const run = await runCliAsync([...args, '--quiet'], workspace, gitEnv);
    assert.equal(run.status, 0, run.stderr);
  }
  git(workspace, 'add', '--all');
  git(workspace, 'commit', '--quiet', '-m', 'app README');
  git(workspace, 'push', '--quiet', '--set-upstream', 'origin', 'main');

  // Then the registry moves on, which the scheduled workflow is there to notice.
  await pusher.pushImage({ tag: '1.1', platform: { os: 'linux', architecture: 'arm64' } });
});

after(async () => {
  await github?.stop();
  await registry?.stop();
  for (const cleanup of cleanups) cleanup();
});

test('the action sets up Node 24, the Active LTS readme-gen is tested on', () => {
  const action = parse(readFileSync(packageFile('action.yml'), 'utf8')) as {
    runs: { steps: { uses?: string; with?: Record<string, unknown> }[] };
  };
  const setup = action.runs.steps.filter((step) => step.uses?.startsWith('actions/setup-node@'));
  assert.deepEqual(
    setup.map((step) => String(step.with?.['node-version'])),
    ['24'],
  );
});

test('the action keeps the cache directory readme-gen pr uses between runs (actions/cache, restored before the run)', () => {
  const action = parse(readFileSync(packageFile('action.yml'), 'utf8')) as {
    runs: { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] };
  };
  const steps = action.runs.steps;
  const cache = steps.findIndex((step) => step.uses?.startsWith('actions/cache@'));
  const run = steps.findIndex((step) => step.run?.includes('bin.js'));
  assert.ok(cache >= 0 && cache < run, 'an actions/cache step before readme-gen pr');
  assert.equal(steps[cache]?.with?.path, '${{ runner.temp }}/readme-gen-cache');
  assert.match(String(steps[cache]?.with?.['restore-keys']), /^readme-gen-/);
  assert.match(steps[run]?.run ?? '', /--cache-dir "\$RUNNER_TEMP\/readme-gen-cache"/);
});

describe('the GitHub Action', { timeout: 600_000 }, () => {
  test('from its checkout, npm ci builds it and readme-gen pr opens the pull request named in its output', async (t) => {
    const actionPath = path.join(scratch, 'action');
    const runnerTemp = path.join(scratch, 'runner-temp');
    mkdirSync(runnerTemp);
    copyCheckout(actionPath);

    const run = await runCompositeAction({
      actionPath,
      workspace,
      runnerTemp,
      with: { all: 'true' },
      github: { token: TOKEN, api_url: github.url },
      env: { ...outsideNpmScripts(), ...gitEnv, GITHUB_REPOSITORY: `${OWNER}/${REPO}`, GITHUB_ACTIONS: 'true', CI: 'true' },
    });

    for (const step of run.steps) t.diagnostic(`${step.name}: exit ${step.status}, ${step.ms} ms`);
    assert.deepEqual(run.skipped, ['actions/setup-node@v4', 'actions/cache@v4'], 'the only steps not run here');
    assert.deepEqual(
      run.steps.map((step) => [step.name, step.status, step.status === 0 ? '' : step.stderr]),
      [
        ["Install readme-gen from this action's checkout", 0, ''],
        ['readme-gen pr', 0, ''],
      ],
    );
    assert.ok(existsSync(path.join(actionPath, 'dist', 'src', 'cli', 'bin.js')), 'npm ci built the checkout');
    assert.ok(existsSync(path.join(runnerTemp, 'readme-gen-cache', 'sha256')), 'the run filled the cache actions/cache keeps');
    assert.deepEqual(run.outputs, { 'pull-request-url': `https://github.test/${OWNER}/${REPO}/pull/1` });
    assert.equal(github.pulls.length, 1);
    assert.match(github.pulls[0]?.title ?? '', /^readme-gen: update app \(1 tag added\)$/);
    assert.deepEqual(github.unexpected(), [], 'every API request carried the token and was one the action should make');
    assert.match(git(remote, 'diff', '--name-only', 'refs/heads/main', `refs/heads/${BRANCH}`), /^README\.md\nstate\.json\n$/);
  });
});
