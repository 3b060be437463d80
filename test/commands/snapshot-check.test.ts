import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type PushedImage, type PushedIndex, Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createSigningKey, payloadFor, signLegacy } from '../helpers/signing.js';
import { fileStamps } from '../reliability/invariants.js';

/**
 * `readme-gen snapshot --check`: the CI job that catches a registry that moved
 * on from the committed state, without the bot. It reads the registry, writes
 * nothing, and exits 0 when the state is current, 1 with a summary of what
 * moved when not. Run against a real registry (docker-registry 2.8) changed
 * between runs by pushes, a retag and a delete.
 */
const REPOSITORY = 'acme/app';

let registry: RunningRegistry;
let pusher: Pusher;
let index: PushedIndex;
let old: PushedImage;

before(async () => {
  registry = await startRegistry();
  pusher = new Pusher({ registryUrl: registry.url, repository: REPOSITORY });
  index = await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  await pusher.tag('1.0', index.digest);
  old = await pusher.pushImage({ tag: 'old', platform: { os: 'linux', architecture: 'amd64' } });
});

after(async () => {
  await registry?.stop();
});

function workspace(t: Parameters<typeof temporaryDirectory>[0]): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${registry.host}/${REPOSITORY}\nstate: state.json\n`);
  return dir;
}

function run(dir: string, ...args: string[]) {
  return runCli(['snapshot', '--quiet', '--cache-dir', path.join(dir, 'cache'), ...args], dir);
}

/** A digest as the summary shows it: sha256: and twelve hex digits. */
function short(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/** Every file of the workspace but the content cache, stamped. */
function files(dir: string): Map<string, string> {
  return fileStamps(dir, ['cache']);
}

describe('readme-gen snapshot --check', () => {
  test('an unchanged registry: exit 0, nothing on stdout, nothing written', (t) => {
    const dir = workspace(t);
    assert.equal(run(dir).status, 0);
    const before = files(dir);

    const check = run(dir, '--check');

    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stdout, '');
    assert.equal(check.stderr, 'readme-gen: state.json matches the registry\n');
    assert.deepEqual(files(dir), before);
  });

  test('a missing state file: exit 1, the file is not created', (t) => {
    const dir = workspace(t);

    const check = run(dir, '--check');

    assert.equal(check.status, 1, check.stderr);
    assert.equal(
      check.stdout,
      [
        'state.json is missing:',
        `  tag latest added: ${short(index.digest)} (linux/amd64, linux/arm64)`,
        `  tag 1.0 added: ${short(index.digest)} (linux/amd64, linux/arm64)`,
        `  tag old added: ${short(old.digest)} (linux/amd64)`,
        '',
      ].join('\n'),
    );
    assert.deepEqual([...files(dir).keys()], ['readme-gen.yaml']);
  });

  test('after a push, a retag, a delete and a new signature: exit 1, each change named, the state untouched', async (t) => {
    const dir = workspace(t);
    assert.equal(run(dir).status, 0);
    const before = files(dir);

    const pushed = await pusher.pushImage({ tag: '1.1', platform: { os: 'linux', architecture: 'riscv64' } });
    await pusher.tag('latest', pushed.digest);
    await pusher.deleteManifest(old.digest);
    const key = createSigningKey();
    await pusher.pushCosignSignature(index.digest, [
      signLegacy({ payload: payloadFor(index.digest, `${registry.host}/${REPOSITORY}`), privateKey: key.privateKey }),
    ]);
    t.after(async () => {
      // Put the registry's tags back as the other tests expect them.
      await pusher.deleteManifest(pushed.digest);
      await pusher.tag('latest', index.digest);
      old = await pusher.pushImage({ tag: 'old', platform: { os: 'linux', architecture: 'amd64' } });
    });

    const check = run(dir, '--check');

    assert.equal(check.status, 1, check.stderr);
    assert.equal(
      check.stdout,
      [
        'state.json differs from the registry:',
        `  tag 1.1 added: ${short(pushed.digest)} (linux/riscv64)`,
        `  tag old removed (was ${short(old.digest)})`,
        `  tag latest moved: ${short(index.digest)} -> ${short(pushed.digest)}; platforms added linux/riscv64; removed linux/amd64, linux/arm64`,
        `  signatures of 1.0 (${short(index.digest)}) changed: 0 -> 1`,
        '',
      ].join('\n'),
    );
    assert.equal(check.stderr, "readme-gen: state.json is out of date; run `readme-gen snapshot` to record the registry's state\n");
    assert.deepEqual(files(dir), before, 'snapshot --check wrote nothing');

    const json = run(dir, '--check', '--json');
    assert.equal(json.status, 1);
    const summary = JSON.parse(json.stdout) as {
      upToDate: boolean;
      written: boolean;
      changes: { added: { tag: string }[]; removed: { tag: string }[]; moved: { tag: string }[] };
    };
    assert.equal(summary.upToDate, false);
    assert.equal(summary.written, false);
    assert.deepEqual(
      [summary.changes.added, summary.changes.removed, summary.changes.moved].map((list) => list.map((change) => change.tag)),
      [['1.1'], ['old'], ['latest']],
    );

    assert.equal(run(dir).status, 0, 'snapshot records the new state');
    assert.equal(run(dir, '--check').status, 0, 'and the check then passes');
  });

  test('a state file that is not a valid state: exit 1, saying why', (t) => {
    const dir = workspace(t);
    writeFileSync(path.join(dir, 'state.json'), '{"schemaVersion": 1}\n');

    const check = run(dir, '--check');

    assert.equal(check.status, 1, check.stderr);
    assert.match(check.stdout, /^state\.json is not a valid state \(state\.json:1:1: .*\):\n {2}the registry has 3 tags on 2 digests\n$/);
    assert.equal(readFileSync(path.join(dir, 'state.json'), 'utf8'), '{"schemaVersion": 1}\n');
  });
});
