import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

/** --all over a monorepo of 50 images, each with its own readme-gen.yaml and committed state. */
const IMAGES = 50;

function monorepo(t: Parameters<typeof temporaryDirectory>[0]): string {
  const dir = temporaryDirectory(t);
  const fixture = packageFile('fixtures', 'multi-arch');
  const config = readFileSync(path.join(fixture, 'readme-gen.yaml'), 'utf8').replace(/^output: .*$/m, 'output: README.md');
  for (let i = 0; i < IMAGES; i++) {
    const image = path.join(dir, 'images', `image-${String(i).padStart(2, '0')}`);
    mkdirSync(image, { recursive: true });
    cpSync(path.join(fixture, 'state.json'), path.join(image, 'state.json'));
    cpSync(path.join(fixture, 'USAGE.md'), path.join(image, 'USAGE.md'));
    writeFileSync(path.join(image, 'readme-gen.yaml'), config.replace(/^name: .*$/m, `name: image-${i}`));
  }
  // Ignored by git: --all must not pick it up.
  mkdirSync(path.join(dir, 'vendor', 'ignored'), { recursive: true });
  writeFileSync(path.join(dir, 'vendor', 'ignored', 'readme-gen.yaml'), 'this: is not valid config\n');
  writeFileSync(path.join(dir, '.gitignore'), 'vendor/\n');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

describe('--all', () => {
  test('render --all --write writes every README; --check then passes with a summary', (t) => {
    const dir = monorepo(t);
    const write = runCli(['render', '--all', '--write', '--offline'], dir);
    assert.equal(write.status, 0, write.stderr);
    assert.equal(write.stderr.match(/^readme-gen: wrote images\/image-\d\d\/README\.md$/gm)?.length, IMAGES);
    assert.match(readFileSync(path.join(dir, 'images', 'image-07', 'README.md'), 'utf8'), /^# image-7\n/);

    const check = runCli(['render', '--all', '--check', '--offline'], dir);
    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stderr, `readme-gen: all ${IMAGES} READMEs are up to date\n`);
  });

  test('render --all --check prints one diff per stale README and a summary, and exits 1', (t) => {
    const dir = monorepo(t);
    assert.equal(runCli(['render', '--all', '--write', '--offline'], dir).status, 0);
    for (const stale of ['image-03', 'image-41']) {
      const file = path.join(dir, 'images', stale, 'README.md');
      writeFileSync(file, readFileSync(file, 'utf8').replace('## Signing', '## Signed'));
    }
    const check = runCli(['render', '--all', '--check', '--offline'], dir);
    assert.equal(check.status, 1);
    assert.deepEqual(check.stdout.match(/^--- a\/\S+$/gm), ['--- a/images/image-03/README.md', '--- a/images/image-41/README.md']);
    assert.match(
      check.stderr,
      new RegExp(`^readme-gen: 2 of ${IMAGES} READMEs are out of date; run \`readme-gen render --all --write\`$`, 'm'),
    );
  });

  test('verify --all checks every configured README with its own config', (t) => {
    const dir = monorepo(t);
    assert.equal(runCli(['render', '--all', '--write', '--offline'], dir).status, 0);
    const verify = runCli(['verify', '--all'], dir);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stdout.match(/: authentic: /g)?.length, IMAGES);
  });

  test('refuses --config and --out, which name one image', (t) => {
    const dir = monorepo(t);
    assert.equal(runCli(['render', '--all', '--config', 'x.yaml'], dir).status, 2);
    assert.equal(runCli(['snapshot', '--all', '--out', 'x.json'], dir).status, 2);
  });
});
