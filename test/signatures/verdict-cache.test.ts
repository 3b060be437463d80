/**
 * The signature verdict cache (src/signatures/verdict-cache.ts): the
 * pre-commit hook's check keeps verified verdicts in the cache directory, and
 * a later run uses an entry only when the signature, the trusted root and the
 * identity policy are the ones it was reached with. Through the built
 * readme-gen, on fixtures/glibc-dynamic (a real cosign signature of
 * cgr.dev/chainguard/glibc-dynamic, verified against the shipped root).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { VerdictStore, verdictKey } from '../../src/signatures/verdict-cache.js';
import type { ImageState } from '../../src/state/image-state.js';
import { type CliRun, runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, trustedRoot } from '../helpers/signing.js';

const DIGEST = 'sha256:f2203a550c14ec547a9483219e769150fbba11c7f31ce295c7b0412b139285ee';
const SUBJECT = 'https://github.com/distroless/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main';
const HOOK = ['render', '--all', '--check', '--offline'];

type Context = { after: (fn: () => void) => void };

/** A project with fixtures/glibc-dynamic's config and state in image/, and its README written (with a cache of its own). */
function project(t: Context, template = 'distroless'): string {
  const dir = temporaryDirectory(t);
  mkdirSync(path.join(dir, 'image'));
  const config = readFileSync(packageFile('fixtures', 'glibc-dynamic', 'readme-gen.yaml'), 'utf8');
  writeFileSync(path.join(dir, 'image', 'readme-gen.yaml'), config.replace(/^template: distroless$/m, `template: ${template}`));
  copyFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), path.join(dir, 'image', 'state.json'));
  const written = runCli(['render', '--all', '--write', '--offline', '--cache-dir', path.join(dir, 'write-cache')], dir);
  assert.equal(written.status, 0, written.stderr);
  return dir;
}

function entries(cache: string, folder = 'verdicts'): string[] {
  try {
    return readdirSync(path.join(cache, folder)).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
}

/** The one verified verdict a run kept. */
function onlyEntry(cache: string): string {
  const names = entries(cache);
  assert.equal(names.length, 1, `one verdict kept, found ${names.join(', ')}`);
  return path.join(cache, 'verdicts', names[0] ?? '');
}

/** Copies the kept entry under `key`, as a stale or planted file would sit there. */
function plantUnder(cache: string, key: string): void {
  copyFileSync(onlyEntry(cache), path.join(cache, 'verdicts', `${key}.json`));
}

function hook(dir: string, cache: string, ...flags: string[]): CliRun {
  return runCli([...HOOK, '--cache-dir', cache, ...flags], dir);
}

function state(dir: string): ImageState {
  return JSON.parse(readFileSync(path.join(dir, 'image', 'state.json'), 'utf8')) as ImageState;
}

function assertRefused(run: CliRun, what: string): void {
  assert.equal(run.status, 4, `${what}: exit 4, got ${run.status}: ${run.stderr}`);
  assert.match(run.stderr, new RegExp(`^readme-gen: ${DIGEST}: check .* failed: `), run.stderr);
}

describe('the signature verdict cache', () => {
  test("the hook's output is the same with an empty cache, a warm one and none; a warm run verifies nothing", (t) => {
    const dir = project(t);
    const cache = path.join(dir, 'cache');
    const cold = hook(dir, cache);
    assert.equal(cold.status, 0, cold.stderr);
    const entry = onlyEntry(cache);
    assert.deepEqual(JSON.parse(readFileSync(entry, 'utf8')), {
      key: path.basename(entry, '.json'),
      value: { keyed: false, subject: SUBJECT, issuer: 'https://token.actions.githubusercontent.com' },
    });
    assert.equal(entries(cache, 'tags-tables').length, 1, "the README's tags table passed, and is kept");
    const warm = hook(dir, cache);
    assert.deepEqual(warm, cold);
    assert.deepEqual(entries(cache), [path.basename(entry)], 'a warm run adds nothing');
    assert.equal(entries(cache, 'tags-tables').length, 1);

    // A stale README: the same diff and message, cold and warm.
    const readme = path.join(dir, 'image', 'README.md');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('is available on `cgr.dev`', 'is available on Docker Hub'));
    const staleCold = hook(dir, path.join(dir, 'another-cache'));
    assert.equal(staleCold.status, 1, staleCold.stderr);
    assert.match(staleCold.stdout, /^-The image is available on Docker Hub:$/m);
    assert.deepEqual(hook(dir, cache), staleCold);
  });

  test('an entry whose key matches is used as the verdict, without verifying again', (t) => {
    // The default template names the signer the verdict gives; the kept one is edited to show it is what is used.
    const dir = project(t, 'default');
    const cache = path.join(dir, 'cache');
    const print = () => runCli(['render', '--config', 'image/readme-gen.yaml', '--offline', '--cache-dir', cache], dir);
    const before = print();
    assert.equal(before.status, 0, before.stderr);
    assert.ok(before.stdout.includes(SUBJECT));
    const entry = onlyEntry(cache);
    writeFileSync(entry, readFileSync(entry, 'utf8').replace(SUBJECT, 'https://example.com/kept-verdict'));
    // The README is up to date, and its render was kept too (renders/, see KeptRenders): without it, the render runs and asks the verdict cache.
    rmSync(path.join(cache, 'renders'), { recursive: true });
    const after = print();
    assert.equal(after.status, 0, after.stderr);
    assert.ok(after.stdout.includes('https://example.com/kept-verdict'), 'the kept verdict is the one shown');
  });

  test('changed signature bytes: the kept verdict is not used, not even planted under the new key', (t) => {
    const dir = project(t);
    const cache = path.join(dir, 'cache');
    assert.equal(hook(dir, cache).status, 0);
    const tampered = state(dir);
    const record = tampered.images[DIGEST as keyof ImageState['images']]?.signatures[0];
    assert.ok(record?.format === 'cosign');
    const signature = record.annotations['dev.cosignproject.cosign/signature'];
    // Another valid base64 signature of the same length: the bytes differ, the layout does not.
    record.annotations['dev.cosignproject.cosign/signature'] =
      `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    writeFileSync(path.join(dir, 'image', 'state.json'), `${JSON.stringify(tampered, null, 2)}\n`);
    assertRefused(hook(dir, cache), 'changed signature');

    const config = loadConfig({ cwd: dir, configPath: 'image/readme-gen.yaml' });
    plantUnder(cache, verdictKey(DIGEST, record, loadTrust(), config.identity));
    assertRefused(hook(dir, cache), 'changed signature, entry planted under its key');
  });

  test('a changed trusted root: the kept verdict is not used, not even planted under the new key', async (t) => {
    const dir = project(t);
    const cache = path.join(dir, 'cache');
    assert.equal(hook(dir, cache).status, 0);
    const otherRoot = path.join(dir, 'other-root.json');
    writeFileSync(otherRoot, JSON.stringify(trustedRoot(await createCa(), createLog())));
    assertRefused(hook(dir, cache, '--trusted-root', otherRoot), 'another trusted root');

    const config = loadConfig({ cwd: dir, configPath: 'image/readme-gen.yaml' });
    const record = state(dir).images[DIGEST as keyof ImageState['images']]?.signatures[0];
    assert.ok(record);
    plantUnder(cache, verdictKey(DIGEST, record, loadTrust({ trustedRootPath: otherRoot }), config.identity));
    assertRefused(hook(dir, cache, '--trusted-root', otherRoot), 'another trusted root, entry planted under its key');
  });

  test('a changed identity policy: the kept verdict is not used, not even planted under the new key', (t) => {
    const dir = project(t);
    const cache = path.join(dir, 'cache');
    assert.equal(hook(dir, cache).status, 0);
    const other = 'https://github.com/acme/other/.github/workflows/release.yaml@refs/heads/main';
    const refused = hook(dir, cache, '--certificate-identity', other);
    assertRefused(refused, 'another identity');
    assert.match(refused.stderr, /: check identity policy failed: /);

    const config = loadConfig({
      cwd: dir,
      configPath: 'image/readme-gen.yaml',
      overrides: { 'identity.certificate-identity': { value: other, flag: '--certificate-identity' } },
    });
    assert.equal(config.identity.certificateIdentity, other);
    const record = state(dir).images[DIGEST as keyof ImageState['images']]?.signatures[0];
    assert.ok(record);
    plantUnder(cache, verdictKey(DIGEST, record, loadTrust(), config.identity));
    assertRefused(hook(dir, cache, '--certificate-identity', other), 'another identity, entry planted under its key');
  });

  test('a broken tags table fails every time: a failed check is not kept', (t) => {
    const dir = project(t);
    const cache = path.join(dir, 'cache');
    // Each digest on a line of its own: outside any table.
    writeFileSync(path.join(dir, 'image', 'broken.md.hbs'), '# {{name}}\n\n{{#each rows}}{{digest}}\n\n{{/each}}');
    const config = path.join(dir, 'image', 'readme-gen.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^template: distroless$/m, 'template: ./broken.md.hbs'));
    const first = hook(dir, cache);
    assert.equal(first.status, 2, first.stderr);
    assert.match(first.stderr, /^readme-gen: template .*broken\.md\.hbs: sha256:[0-9a-f]{64} is rendered outside any table/);
    assert.deepEqual(entries(cache, 'tags-tables'), []);
    assert.deepEqual(hook(dir, cache), first);
  });

  test("verify keeps a self-contained README's verdict: used while its bytes, root and policy are the same", (t) => {
    const dir = temporaryDirectory(t);
    const cache = path.join(dir, 'cache');
    // The README fixtures/glibc-dynamic was imported from: its printed claims carry their Rekor Bundle.
    const original = readFileSync(packageFile('fixtures', 'corpus', '006-4675c89', 'expected.md'), 'utf8');
    writeFileSync(path.join(dir, 'README.md'), original);
    const verify = (...flags: string[]) => runCli(['verify', 'README.md', '--cache-dir', cache, ...flags], dir);
    const cold = verify();
    assert.equal(cold.status, 0, cold.stderr);
    assert.match(cold.stdout, /^README\.md: authentic: cgr\.dev\/chainguard\/glibc-dynamic:latest /);
    assert.equal(entries(cache, 'readmes').length, 1);
    assert.deepEqual(verify(), cold, 'warm, the same output');
    assert.deepEqual(verify('--json'), runCli(['verify', 'README.md', '--json', '--cache-dir', path.join(dir, 'cold')], dir));

    // The kept verdict is what a warm run reports: edited, it shows.
    const entry = path.join(cache, 'readmes', entries(cache, 'readmes')[0] ?? '');
    writeFileSync(
      entry,
      readFileSync(entry, 'utf8').replace('"reference":"cgr.dev/chainguard/glibc-dynamic:latest"', '"reference":"kept/verdict:latest"'),
    );
    assert.match(verify().stdout, /^README\.md: authentic: kept\/verdict:latest /);

    // Another policy, or a hand-edited README: verified afresh, and refused.
    const otherPolicy = verify('--certificate-identity', 'https://github.com/acme/other/.github/workflows/release.yaml@refs/heads/main');
    assert.equal(otherPolicy.status, 4, otherPolicy.stderr);
    assert.match(otherPolicy.stderr, /: check identity policy failed: /);
    writeFileSync(
      path.join(dir, 'README.md'),
      original.replace(/("Subject": ")https:\/\/github\.com\/distroless\//, '$1https://github.com/evil/'),
    );
    const edited = verify();
    assert.equal(edited.status, 4, edited.stderr);
    assert.match(edited.stderr, /optional\.Subject/);
  });

  test('an entry is read only when it holds its own key and a well-formed signer', (t) => {
    const dir = temporaryDirectory(t);
    const store = new VerdictStore(dir);
    const signer = { keyed: false, subject: SUBJECT };
    const [key, other] = ['a'.repeat(64), 'b'.repeat(64)];
    assert.equal(store.get(key), undefined, 'nothing kept yet');
    store.put(key, signer);
    assert.deepEqual(store.get(key), signer);
    copyFileSync(path.join(dir, 'verdicts', `${key}.json`), path.join(dir, 'verdicts', `${other}.json`));
    assert.equal(store.get(other), undefined, 'an entry renamed under another key');
    writeFileSync(path.join(dir, 'verdicts', `${other}.json`), JSON.stringify({ key: other, value: { subject: SUBJECT } }));
    assert.equal(store.get(other), undefined, 'a signer without keyed');
    writeFileSync(path.join(dir, 'verdicts', `${other}.json`), '{"key":');
    assert.equal(store.get(other), undefined, 'a truncated entry');
    const none = new VerdictStore(undefined);
    none.put(key, signer);
    assert.equal(none.get(key), undefined, 'no cache directory keeps nothing');
  });
});
