/**
 * Keyed signatures without a transparency-log entry (`cosign sign --key k
 * --tlog-upload=false`) and unsigned images, end to end: pushed to a real
 * registry (docker-registry 2.8), snapshotted and rendered by the built binary,
 * then the README read back by `readme-gen verify`. What the README says must
 * be what `verify` finds: no Rekor entry claimed or linked, a cosign command
 * that works without one, and a signature printed where verify can check it.
 *
 * No cosign binary runs here (none is installed, and none is downloaded): the
 * signatures are made with test/helpers/signing.ts exactly as cosign 2 lays
 * them out, and the expected `cosign download signature` line is written from
 * cosign's SignedPayload struct (pkg/cosign/fetch.go) independently of the
 * formatter under test.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CosignSignatureRecord, Digest, ImageState } from '../../src/state/image-state.js';
import { serializeState } from '../../src/state/serialize-state.js';
import { type PushedImage, type PushedIndex, Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, createSigningKey, issueLeaf, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';
import { flipLastBit } from '../helpers/tamper.js';

const SIGNED = 'acme/app';
const UNSIGNED = 'acme/plain';
const IGNORE_TLOG_WARNING =
  'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.';

const key = createSigningKey();
const otherKey = createSigningKey();

let registry: RunningRegistry;
let index: PushedIndex;
let edge: PushedImage;
let signature: CosignSignatureRecord;

before(async () => {
  registry = await startRegistry();
  const signed = new Pusher({ registryUrl: registry.url, repository: SIGNED });
  index = await signed.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  await signed.tag('1.0', index.digest);
  edge = await signed.pushImage({ tag: 'edge', platform: { os: 'linux', architecture: 'amd64' } });
  // No -a annotations, so the payload's optional is null, as cosign writes it.
  signature = signLegacy({ payload: payloadFor(index.digest, `${registry.host}/${SIGNED}`), privateKey: key.privateKey });
  await signed.pushCosignSignature(index.digest, [signature]);

  const plain = new Pusher({ registryUrl: registry.url, repository: UNSIGNED });
  await plain.pushImage({ tag: 'latest', platform: { os: 'linux', architecture: 'amd64' } });
});

after(async () => {
  await registry?.stop();
});

/** The distroless template requires the original's wording. */
const WORDING: Record<string, string> = {
  default: '',
  distroless: 'wording:\n  generator: https://github.com/acme/readme-tool\n  signed-images: Acme Images\n',
};

/** A project for `repository`, snapshotted from the registry, with cosign.pub and other.pub beside it. */
function workspace(t: Parameters<typeof temporaryDirectory>[0], repository: string, template = 'default'): string {
  const dir = temporaryDirectory(t);
  writeFileSync(
    path.join(dir, 'readme-gen.yaml'),
    `name: app\nlocation: ${registry.host}/${repository}\ntemplate: ${template}\nstate: state.json\ndescription: An app.\nrepo: https://github.com/acme/app\n${WORDING[template]}`,
  );
  writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
  writeFileSync(path.join(dir, 'other.pub'), otherKey.publicKeyPem);
  const snapshot = runCli(['snapshot', '--quiet', '--cache-dir', path.join(dir, '.cache')], dir);
  assert.equal(snapshot.status, 0, snapshot.stderr);
  return dir;
}

/** The README rendered (and written) for the keyed, unlogged image. */
function renderedSigned(t: Parameters<typeof temporaryDirectory>[0], template = 'default'): { dir: string; readme: string } {
  const dir = workspace(t, SIGNED, template);
  const run = runCli(['render', '--write', '--key', 'cosign.pub'], dir);
  assert.equal(run.status, 0, run.stderr);
  return { dir, readme: readFileSync(path.join(dir, 'README.md'), 'utf8') };
}

function tableRow(readme: string, tag: string): string {
  // The row of the table of full digests: the default template's first table shows short ones.
  const rows = readme.split('\n').filter((line) => line.startsWith('| ') && line.includes(`\`${tag}\``) && line.includes('`sha256:'));
  assert.equal(rows.length, 1, `one row shows ${tag}`);
  return rows[0] as string;
}

/** cosign's `download signature` line for a legacy keyed signature: json.Marshal of SignedPayload, fields in struct order. */
function downloadLine(record: CosignSignatureRecord): string {
  return JSON.stringify({
    Base64Signature: record.annotations['dev.cosignproject.cosign/signature'],
    Payload: record.payload,
    Cert: null,
    Chain: null,
    Bundle: null,
    RFC3161Timestamp: null,
  });
}

function verify(dir: string, ...flags: string[]): CliRun {
  return runCli(['verify', 'README.md', ...flags], dir);
}

function assertRejected(run: CliRun, pattern: RegExp): void {
  assert.equal(run.status, 4, `not rejected: ${run.stdout}${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^readme-gen: README\.md[^\n]*\n$/, 'one line on stderr naming the README');
  assert.match(run.stderr, pattern);
}

/** Replaces `from`, which must occur exactly once. */
function replaceOnce(text: string, from: string, to: string): string {
  assert.notEqual(from, to);
  assert.equal(text.split(from).length - 1, 1, `${JSON.stringify(from.slice(0, 60))} occurs once`);
  return text.replace(from, () => to);
}

describe('a keyed signature without a log entry, rendered with the default template', () => {
  test('prints a cosign command that skips the log, and says why', (t) => {
    const { readme } = renderedSigned(t);

    assert.ok(
      readme.includes(`\`\`\`sh\ncosign verify --key cosign.pub --insecure-ignore-tlog=true ${registry.host}/${SIGNED}:latest\n\`\`\`\n`),
      readme,
    );
    assert.match(
      readme,
      /The signature is not in a transparency log, so there is no Rekor entry to look up, and `cosign verify` fails unless told not to look for one: that is why the command below passes `--insecure-ignore-tlog=true`\./,
    );
    assert.match(readme, /Verify it with \[cosign\]\(https:\/\/github\.com\/sigstore\/cosign\) and the image's public key, `cosign\.pub`:/);
  });

  test('claims no Rekor entry and links none', (t) => {
    const { readme } = renderedSigned(t);

    assert.doesNotMatch(readme, /links each signed digest/);
    assert.doesNotMatch(readme, /Rekor entry \d|search\.sigstore\.dev|rekor\.tlog\.dev|\]\(https:\/\/[^)]*rekor/i);
    assert.doesNotMatch(readme, /signed with \[Sigstore\]/);
    assert.match(tableRow(readme, 'latest'), /\| signed, not logged \|$/);
    assert.ok(tableRow(readme, 'edge').includes(`| \`linux/amd64\` \`${edge.digest}\` `), 'the platform and its digest');
    assert.match(tableRow(readme, 'edge'), / \d+(?:\.\d)? [kMG]?B \| unsigned \|$/, 'its size, unsigned');
  });

  test('prints what cosign verify prints for it: the warning, no log check, "optional": null', (t) => {
    const { readme } = renderedSigned(t);

    const reference = `${registry.host}/${SIGNED}:latest`;
    const expected = [
      IGNORE_TLOG_WARNING,
      '',
      `Verification for ${reference} --`,
      'The following checks were performed on each of these signatures:',
      '  - The cosign claims were validated',
      '  - The signatures were verified against the specified public key',
      '[',
      '  {',
      '    "critical": {',
      '      "identity": {',
      `        "docker-reference": "${registry.host}/${SIGNED}"`,
      '      },',
      '      "image": {',
      `        "docker-manifest-digest": "${index.digest}"`,
      '      },',
      '      "type": "cosign container image signature"',
      '    },',
      '    "optional": null',
      '  }',
      ']',
    ].join('\n');
    assert.ok(readme.includes(`\n\`\`\`\n${expected}\n\`\`\`\n`), readme);
  });

  test('prints the signature as `cosign download signature` does', (t) => {
    const { readme } = renderedSigned(t);

    assert.ok(readme.includes('<summary>What <code>cosign download signature</code> prints</summary>'));
    assert.ok(readme.includes(`\n\`\`\`\n${downloadLine(signature)}\n\`\`\`\n`), readme);
  });

  test('readme-gen verify --key finds it authentic, signed with the key and not logged', (t) => {
    const { dir } = renderedSigned(t);

    const run = verify(dir, '--key', 'cosign.pub');

    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      `README.md: authentic: ${registry.host}/${SIGNED}:latest ${index.digest} signed with the given key, not logged in a transparency log\n`,
    );
  });

  test('readme-gen verify without --key, or with another key, fails check (b)', (t) => {
    const { dir } = renderedSigned(t);

    assertRejected(
      verify(dir),
      /check \(b\) signature failed: the signature has no certificate \(keyed signing\); pass the public key with --key FILE/,
    );
    assertRejected(
      verify(dir, '--key', 'other.pub'),
      /check \(b\) signature failed: the signature does not verify over the printed payload with the given public key/,
    );
  });

  test('a hand edit of the printed claims fails: no printed signature is over them', (t) => {
    const { dir, readme } = renderedSigned(t);
    const edited = replaceOnce(
      readme,
      `"docker-reference": "${registry.host}/${SIGNED}"`,
      `"docker-reference": "${registry.host}/acme/other"`,
    );
    writeFileSync(path.join(dir, 'README.md'), edited);

    assertRejected(
      verify(dir, '--key', 'cosign.pub'),
      /check \(b\) signature failed: no signature the README prints \(`cosign download signature`\) is over the printed payload/,
    );
  });

  test('a hand edit of the printed signature fails check (b)', (t) => {
    const { dir, readme } = renderedSigned(t);
    const printed = signature.annotations['dev.cosignproject.cosign/signature'];
    writeFileSync(path.join(dir, 'README.md'), replaceOnce(readme, printed, flipLastBit(printed)));

    assertRejected(
      verify(dir, '--key', 'cosign.pub'),
      /check \(b\) signature failed: the signature does not verify over the printed payload with the given public key/,
    );
  });

  test('the printed payload and claims edited together fail check (b): the signature does not hold over them', (t) => {
    const { dir, readme } = renderedSigned(t);
    const payload = Buffer.from(signature.payload, 'base64').toString('utf8');
    const otherReference = `${registry.host}/acme/other`;
    let edited = replaceOnce(readme, `"docker-reference": "${registry.host}/${SIGNED}"`, `"docker-reference": "${otherReference}"`);
    edited = replaceOnce(
      edited,
      signature.payload,
      Buffer.from(payload.replace(`${registry.host}/${SIGNED}`, otherReference)).toString('base64'),
    );
    writeFileSync(path.join(dir, 'README.md'), edited);

    assertRejected(
      verify(dir, '--key', 'cosign.pub'),
      /check \(b\) signature failed: the signature does not verify over the printed payload with the given public key/,
    );
  });

  test('without the printed signature, the claims alone are refused', (t) => {
    const { dir, readme } = renderedSigned(t);
    writeFileSync(path.join(dir, 'README.md'), replaceOnce(readme, `${downloadLine(signature)}\n`, ''));

    const run = verify(dir, '--key', 'cosign.pub');

    assertRejected(
      run,
      /the printed claims have no Bundle and the README prints no `cosign download signature` output, so nothing in it can be verified/,
    );
    assert.doesNotMatch(run.stdout, /authentic/);
  });

  test('of several printed signatures over the payload, the one the key verifies is used', (t) => {
    const { dir, readme } = renderedSigned(t);
    // As cosign prints an image signed again with another key: a second layer over the same payload, listed first.
    const byOtherKey = signLegacy({ payload: payloadFor(index.digest, `${registry.host}/${SIGNED}`), privateKey: otherKey.privateKey });
    writeFileSync(
      path.join(dir, 'README.md'),
      replaceOnce(readme, `${downloadLine(signature)}\n`, `${downloadLine(byOtherKey)}\n${downloadLine(signature)}\n`),
    );

    writeFileSync(path.join(dir, 'third.pub'), createSigningKey().publicKeyPem);

    assert.equal(verify(dir, '--key', 'cosign.pub').status, 0);
    // The claims print one signature; the key that made the other printed layer verifies that one instead.
    assert.equal(verify(dir, '--key', 'other.pub').status, 0);
    assertRejected(
      verify(dir, '--key', 'third.pub'),
      /check \(b\) signature failed: the signature does not verify over the printed payload with the given public key/,
    );
  });
});

describe('a keyed signature without a log entry, rendered with the distroless template', () => {
  test('gets the same command and no Rekor link on its row, and verifies', (t) => {
    const { dir, readme } = renderedSigned(t, 'distroless');

    assert.ok(readme.includes(`cosign verify --key cosign.pub --insecure-ignore-tlog=true ${registry.host}/${SIGNED}:latest`), readme);
    assert.doesNotMatch(readme, /COSIGN_EXPERIMENTAL/);
    assert.doesNotMatch(readme, /`Issuer` and `Subject`/);
    assert.equal(tableRow(readme, 'latest'), `| \`1.0\` \`latest\` | \`${index.digest}\` | \`amd64\` \`arm64\` |`);
    assert.equal(verify(dir, '--key', 'cosign.pub').status, 0);
  });
});

describe('an unsigned image', () => {
  test('gets no transparency-log column and no Signing section', (t) => {
    const dir = workspace(t, UNSIGNED);

    const run = runCli(['render'], dir);

    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout.includes('| Tags | Digest | Platforms |\n| ---- | ------ | --------- |\n| `latest` |'), run.stdout);
    assert.doesNotMatch(run.stdout, /Transparency log|Signing|signed|Rekor|cosign/i);
    assert.match(
      tableRow(run.stdout, 'latest'),
      /^\| `latest` \| `sha256:[0-9a-f]{64}` \| `linux\/amd64` `sha256:[0-9a-f]{64}` \d+(?:\.\d)? [kMG]?B \|$/,
    );
    assert.doesNotMatch(run.stdout, /\n\n\n/, 'no empty section left behind');
  });

  test('readme-gen verify finds nothing that vouches for it', (t) => {
    const dir = workspace(t, UNSIGNED);
    assert.equal(runCli(['render', '--write'], dir).status, 0);

    assertRejected(verify(dir), /no `cosign verify` output in the README, so nothing vouches for it/);
  });
});

describe('a keyless and a keyed, unlogged signature on one digest', () => {
  const LOCATION = 'registry.example.com/acme/app';
  const DIGEST: Digest = `sha256:${createHash('sha256').update('mixed').digest('hex')}`;
  const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';

  test('show what the keyless command verifies: the keyless signature, logged and linked; verify agrees', async (t) => {
    const ca = await createCa();
    const log = createLog();
    const signedAt = new Date(Date.UTC(2025, 4, 1, 12));
    const leaf = await issueLeaf(ca, { subject: SUBJECT, issuer: 'https://token.actions.githubusercontent.com', notBefore: signedAt });
    const keyless = signLegacy({
      payload: payloadFor(DIGEST, LOCATION),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: 99, integratedTime: signedAt.getTime() / 1000 + 60 },
    });
    const keyed = signLegacy({ payload: payloadFor(DIGEST, LOCATION), privateKey: key.privateKey });
    const state: ImageState = {
      schemaVersion: 1,
      repository: LOCATION,
      tags: [{ name: 'latest', digest: DIGEST, mediaType: 'application/vnd.oci.image.index.v1+json' }],
      images: {
        [DIGEST]: {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          platforms: [{ os: 'linux', architecture: 'amd64' }],
          signatures: [keyed, keyless],
        },
      },
    };
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${LOCATION}\nstate: state.json\n`);
    writeFileSync(path.join(dir, 'state.json'), serializeState(state));
    writeFileSync(path.join(dir, 'root.json'), JSON.stringify(trustedRoot(ca, log)));
    writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);

    const render = runCli(['render', '--write', '--key', 'cosign.pub', '--trusted-root', 'root.json'], dir);

    assert.equal(render.status, 0, render.stderr);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(readme, /cosign verify \\\n {2}--certificate-identity=/);
    assert.doesNotMatch(readme, /insecure-ignore-tlog|cosign download signature|"optional": null/);
    assert.match(tableRow(readme, 'latest'), /\[Rekor entry 99\]\(https:\/\/search\.sigstore\.dev\/\?logIndex=99\) \|$/);
    assert.match(readme, /The table above links each signed digest to its entry in the Rekor transparency log\./);
    const run = verify(dir, '--trusted-root', 'root.json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      `README.md: authentic: ${LOCATION}:latest ${DIGEST} signed by ${SUBJECT} (issuer https://token.actions.githubusercontent.com), Rekor entry 99\n`,
    );
  });
});
