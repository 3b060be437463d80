/**
 * cosign 3 bundles as readme-gen reads, verifies and shows them, offline: the
 * statement as each cosign release serialises it, the claims `cosign verify`
 * prints (annotations in Go's key order), its header for keyless, keyed and
 * unlogged bundles, and log entries named by the trusted root's log — Rekor v1
 * linked, Rekor v2 named by host and index and never linked, in both built-in
 * templates. The registry side and the CLI are in cosign3-e2e.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { buildView, shownDigests } from '../../src/render/view-model.js';
import { formatBundleVerifyOutput } from '../../src/signatures/cosign-verify-output.js';
import { readSigstoreBundle } from '../../src/signatures/sigstore-bundle.js';
import { type Trust, loadTrust } from '../../src/signatures/trusted-root.js';
import { verifyStateSignatures } from '../../src/signatures/verify-state.js';
import type { Digest, ImageState, SigstoreBundleRecord } from '../../src/state/image-state.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import {
  type BundleOptions,
  type TestCa,
  type TestLeaf,
  type TestLog,
  cosignStatement,
  createCa,
  createLog,
  createRekorV2Log,
  createSigningKey,
  inclusion,
  issueLeaf,
  signBundle,
  trustedRoot,
  IDENTITY,
  ISSUER,
} from '../helpers/signing.js';
import { type TestTsa, createTsa } from '../helpers/timestamp-authority.js';
import { resolvedConfig } from '../helpers/resolved-config.js';

const DIGEST: Digest = `sha256:${'ab'.repeat(32)}`;
const OTHER: Digest = `sha256:${'cd'.repeat(32)}`;
const SIGNED_AT = new Date(Date.UTC(2026, 5, 1, 12));
const LOGGED_AT = new Date(SIGNED_AT.getTime() + 60_000);
const LOCATION = 'registry.example.com/acme/app';
const V2_HOST = 'log2025-1.rekor.test.invalid';

let ca: TestCa;
let v1: TestLog;
let v2: TestLog;
let tsa: TestTsa;
let leaf: TestLeaf;
const key = createSigningKey();

before(async () => {
  ca = await createCa();
  v1 = createLog();
  v2 = createRekorV2Log(V2_HOST);
  tsa = await createTsa();
  leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: SIGNED_AT });
});

function trustFor(t: Parameters<typeof temporaryDirectory>[0], options: { key?: boolean } = {}): Trust {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'root.json'), JSON.stringify(trustedRoot(ca, v1, { logs: [v2], timestampAuthorities: [tsa] })));
  if (!options.key) return loadTrust({ trustedRootPath: path.join(dir, 'root.json') });
  writeFileSync(path.join(dir, 'cosign.pub'), key.publicKeyPem);
  return loadTrust({ trustedRootPath: path.join(dir, 'root.json'), keyPath: path.join(dir, 'cosign.pub') });
}

const rekorV1 = (options: Partial<BundleOptions> = {}) =>
  signBundle({
    digest: DIGEST,
    leaf,
    log: v1,
    logIndex: 4242,
    integratedTime: LOGGED_AT.getTime() / 1000,
    tsa,
    timestampAt: LOGGED_AT,
    ...options,
  });
const rekorV2 = (options: Partial<BundleOptions> = {}) =>
  signBundle({ digest: DIGEST, leaf, log: v2, logIndex: 669, tsa, timestampAt: LOGGED_AT, ...options });
const keyedUnlogged = (options: Partial<BundleOptions> = {}) => signBundle({ digest: DIGEST, key, ...options });

/** A state whose tags `latest` and `other` point at DIGEST and OTHER, with these signatures. */
function stateWith(signatures: SigstoreBundleRecord[], otherSignatures: SigstoreBundleRecord[] = []): ImageState {
  const index = 'application/vnd.oci.image.index.v1+json';
  return {
    schemaVersion: 1,
    repository: LOCATION,
    tags: [
      { name: 'latest', digest: DIGEST, mediaType: index },
      { name: 'other', digest: OTHER, mediaType: index },
    ],
    images: {
      [DIGEST]: { mediaType: index, platforms: [{ os: 'linux', architecture: 'amd64' }], signatures },
      [OTHER]: { mediaType: index, platforms: [{ os: 'linux', architecture: 'arm64' }], signatures: otherSignatures },
    },
  };
}

function config(template: 'default' | 'distroless' = 'default'): ResolvedConfig {
  return resolvedConfig(LOCATION, {
    description: 'The app.',
    template,
    wording: { generator: 'readme-gen', signedImages: 'images' },
    primaryTag: { name: 'latest', setting: 'primary-tag' },
  });
}

function render(
  t: Parameters<typeof temporaryDirectory>[0],
  state: ImageState,
  options: { template?: 'default' | 'distroless'; key?: boolean } = {},
): string {
  return renderReadme(config(options.template), state, loadTemplateSet(options.template ?? 'default'), trustFor(t, options)).markdown;
}

function view(t: Parameters<typeof temporaryDirectory>[0], state: ImageState, options: { key?: boolean } = {}) {
  const trust = trustFor(t, options);
  return buildView(config(), state, verifyStateSignatures(state, shownDigests(config(), state), trust, {}));
}

function row(readme: string, tag: string): string {
  // The row of the table of full digests: the default template's first table shows short ones.
  return readme.split('\n').find((line) => line.startsWith(`| \`${tag}\` |`) && line.includes('`sha256:')) ?? '';
}

describe('the statement cosign signs', () => {
  test('3.0.2: compact, no predicate, no annotations', () => {
    assert.equal(
      cosignStatement(DIGEST, { release: '3.0' }).toString(),
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"${'ab'.repeat(32)}"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1"}`,
    );
  });

  test('3.1: the -a annotations on the subject ({} without), "predicate":{}, a space after each comma', () => {
    assert.equal(
      cosignStatement(DIGEST, { release: '3.1' }).toString(),
      `{"_type":"https://in-toto.io/Statement/v1", "subject":[{"digest":{"sha256":"${'ab'.repeat(32)}"}, "annotations":{}}], "predicateType":"https://sigstore.dev/cosign/sign/v1", "predicate":{}}`,
    );
    assert.match(cosignStatement(DIGEST, { annotations: { z: '1', A: '2' } }).toString(), /"annotations":\{"A":"2", "z":"1"\}/);
  });

  test('either serialisation verifies as stored, and is read the same', (t) => {
    for (const release of ['3.0', '3.1'] as const) {
      const [verdict] = verifyStateSignatures(stateWith([rekorV1({ release })]), [DIGEST], trustFor(t), {}).get(DIGEST) ?? [];
      assert.ok(verdict?.verified, `${release}: ${verdict && !verdict.verified ? verdict.failure.message : 'no verdict'}`);
      assert.equal(verdict.signature.format === 'sigstore-bundle' && verdict.signature.bundle.subjectDigest, DIGEST);
    }
  });
});

describe('the inclusion proofs the test logs make', () => {
  test('hold for any leaf of any tree (RFC 6962 audit paths)', () => {
    const hash = (...parts: Buffer[]) => parts.reduce((digest, part) => digest.update(part), createHash('sha256')).digest();
    const leafHash = hash(Buffer.from('leaf'));
    for (const [index, size] of [
      [0, 1],
      [0, 2],
      [1, 2],
      [5, 8],
      [6, 7],
      [669, 672],
      [4_026_478, 4_026_479],
    ] as const) {
      const { root, proof } = inclusion(leafHash, index, size);
      // Recomputed as sigstore-js's verifyMerkleInclusion does: inner hashes by the index's bits, then the right border.
      const inner = index ^ (size - 1) ? (index ^ (size - 1)).toString(2).length : 0;
      const border = (index >> inner).toString(2).split('1').length - 1;
      assert.equal(proof.length, inner + border, `leaf ${index} of ${size}: proof length`);
      let node = leafHash;
      proof.slice(0, inner).forEach((sibling, level) => {
        node = (index >> level) & 1 ? hash(Buffer.from([1]), sibling, node) : hash(Buffer.from([1]), node, sibling);
      });
      for (const sibling of proof.slice(inner)) node = hash(Buffer.from([1]), sibling, node);
      assert.deepEqual(node, root, `leaf ${index} of ${size}`);
    }
  });
});

describe('what `cosign verify` prints for a bundle', () => {
  test('claims from the statement: the reference as given, the subject digest, the predicate type, the annotations in Go key order', () => {
    const record = rekorV2({ annotations: { env: 'prod', Build: '7', 'a-b': 'c', '1st': 'one' } });
    const output = formatBundleVerifyOutput(`${LOCATION}:latest`, DIGEST, [readSigstoreBundle(record, DIGEST)]);
    assert.equal(
      output,
      [
        `Verification for ${LOCATION}:latest --`,
        'The following checks were performed on each of these signatures:',
        '  - The cosign claims were validated',
        '  - Existence of the claims in the transparency log was verified offline',
        '  - The code-signing certificate was verified using trusted certificate authority certificates',
        '[',
        '  {',
        '    "critical": {',
        '      "identity": {',
        `        "docker-reference": "${LOCATION}:latest"`,
        '      },',
        '      "image": {',
        `        "docker-manifest-digest": "${DIGEST}"`,
        '      },',
        '      "type": "https://sigstore.dev/cosign/sign/v1"',
        '    },',
        '    "optional": {',
        '      "1st": "one",',
        '      "Build": "7",',
        '      "a-b": "c",',
        '      "env": "prod"',
        '    }',
        '  }',
        ']',
      ].join('\n'),
    );
  });

  test('annotations that are not strings print as Go prints them: nested maps sorted too', () => {
    const record = rekorV1();
    const envelope = (record.bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope;
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as { subject: { annotations?: object }[] };
    statement.subject[0] = { ...statement.subject[0], annotations: { n: 7, nested: { z: true, a: null } } };
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const output = formatBundleVerifyOutput(LOCATION, DIGEST, [readSigstoreBundle(record, DIGEST)]);
    assert.ok(
      output.includes('"optional": {\n      "n": 7,\n      "nested": {\n        "a": null,\n        "z": true\n      }\n    }'),
      output,
    );
  });

  test('keyed: checked against the key; unlogged: after the warning --insecure-ignore-tlog prints, and still the log line cosign prints for any bundle', () => {
    const output = formatBundleVerifyOutput(`${LOCATION}:latest`, DIGEST, [readSigstoreBundle(keyedUnlogged(), DIGEST)], true);
    assert.ok(
      output.startsWith(
        [
          'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.',
          '',
          `Verification for ${LOCATION}:latest --`,
          'The following checks were performed on each of these signatures:',
          '  - The cosign claims were validated',
          '  - Existence of the claims in the transparency log was verified offline',
          '  - The signatures were verified against the specified public key',
          '[',
        ].join('\n'),
      ),
      output,
    );
  });
});

describe('log entries, looked up in the trusted root', () => {
  test('a Rekor v1 entry links its search page; a Rekor v2 entry is named by its log host and index, with no link', (t) => {
    const { rows, signing } = view(
      t,
      stateWith([rekorV1()], [signBundle({ digest: OTHER, leaf, log: v2, logIndex: 669, tsa, timestampAt: LOGGED_AT })]),
    );
    const byTag = (tag: string) => rows.find((each) => each.tags.includes(tag));
    assert.deepEqual(byTag('latest')?.rekorEntries, [
      { logIndex: 4242, url: 'https://search.sigstore.dev/?logIndex=4242', name: 'Rekor entry 4242', log: 'rekor.test.invalid' },
    ]);
    assert.deepEqual(byTag('other')?.rekorEntries, [{ logIndex: 669, log: V2_HOST, name: `${V2_HOST} #669` }]);
    assert.equal(byTag('other')?.unsearchable, true);
    assert.equal(byTag('latest')?.unsearchable, false);
    assert.equal(signing.everySignedRowLinked, false);
    assert.equal(signing.everySignedRowLogged, true);
  });

  test('default template: the v2 entry is named, nothing links it, and no sentence says every digest is linked', (t) => {
    const readme = render(t, stateWith([rekorV2({ digest: DIGEST })]));
    assert.ok(row(readme, 'latest').endsWith(`| \`${V2_HOST} #669\` |`), row(readme, 'latest'));
    assert.doesNotMatch(readme, /search\.sigstore\.dev|links each signed digest/);
    assert.ok(readme.includes('a Rekor v2 entry is named by its log and index, as no web page shows it.'));
  });

  test('default template: all Rekor v1, all linked, and the README says so', (t) => {
    const readme = render(t, stateWith([rekorV1()], [rekorV1({ digest: OTHER, logIndex: 4243 })]));
    assert.ok(row(readme, 'latest').endsWith('| [Rekor entry 4242](https://search.sigstore.dev/?logIndex=4242) |'));
    assert.ok(row(readme, 'other').endsWith('| [Rekor entry 4243](https://search.sigstore.dev/?logIndex=4243) |'));
    assert.ok(readme.includes('The table above links each signed digest to its entry in the Rekor transparency log.'));
    assert.doesNotMatch(readme, /Rekor v2/);
  });

  test('distroless template: no Rekor search link on a digest whose only entry is in a Rekor v2 log', (t) => {
    const readme = render(t, stateWith([rekorV1()], [rekorV2({ digest: OTHER })]), { template: 'distroless' });
    assert.ok(row(readme, 'latest').includes(`[View entry in Rekor](https://rekor.tlog.dev/?hash=${DIGEST})`), row(readme, 'latest'));
    assert.doesNotMatch(row(readme, 'other'), /rekor\.tlog\.dev|View entry/);
  });
});

describe('a keyed bundle without a log entry', () => {
  test('verifies with --key and is shown as not logged, with the command that works without a log', (t) => {
    const state = stateWith([keyedUnlogged({ annotations: { env: 'prod' } })]);
    const [verdict] = verifyStateSignatures(state, [DIGEST], trustFor(t, { key: true }), {}).get(DIGEST) ?? [];
    assert.ok(verdict?.verified && verdict.signer.keyed && verdict.logEntry === undefined);
    const readme = render(t, state, { key: true });
    assert.ok(row(readme, 'latest').endsWith('| signed, not logged |'));
    assert.ok(readme.includes(`cosign verify --key cosign.pub --insecure-ignore-tlog=true ${LOCATION}:latest`));
    assert.ok(readme.includes('The signature is not in a transparency log'));
    assert.doesNotMatch(readme, /cosign download signature|\[Rekor entry/);
  });

  test('without --key it fails check (b), naming the digest', (t) => {
    const [verdict] = verifyStateSignatures(stateWith([keyedUnlogged()]), [DIGEST], trustFor(t), {}).get(DIGEST) ?? [];
    assert.ok(verdict && !verdict.verified);
    assert.equal(verdict.failure.check, 'b');
    assert.ok(verdict.failure.message.startsWith(`${DIGEST}: check (b) signature failed:`), verdict.failure.message);
  });

  test('signed with another key fails check (b)', (t) => {
    const stranger = createSigningKey();
    const [verdict] =
      verifyStateSignatures(stateWith([signBundle({ digest: DIGEST, key: stranger })]), [DIGEST], trustFor(t, { key: true }), {}).get(
        DIGEST,
      ) ?? [];
    assert.ok(verdict && !verdict.verified);
    assert.equal(verdict.failure.check, 'b');
  });
});
