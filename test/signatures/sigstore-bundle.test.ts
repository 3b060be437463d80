import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { SignatureCheckError } from '../../src/signatures/signature-check-error.js';
import { type Trust, loadTrust } from '../../src/signatures/trusted-root.js';
import { verifyStateSignatures } from '../../src/signatures/verify-state.js';
import type { Digest, ImageState, SignatureRecord } from '../../src/state/image-state.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import { type TestCa, type TestLeaf, type TestLog, createCa, createLog, issueLeaf, signBundle, trustedRoot } from '../helpers/signing.js';

/** cosign 3 signatures: Sigstore bundles v0.3 attached as OCI referrers, made and verified here. */
const DIGEST = `sha256:${'ab'.repeat(32)}` as Digest;
const OTHER = `sha256:${'cd'.repeat(32)}` as Digest;
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

let ca: TestCa;
let log: TestLog;
let leaf: TestLeaf;

before(async () => {
  ca = await createCa();
  log = createLog();
  leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: new Date(SIGNED_AT) });
});

function trustFor(t: Parameters<typeof temporaryDirectory>[0], root: object): Trust {
  const file = path.join(temporaryDirectory(t), 'trusted_root.json');
  writeFileSync(file, JSON.stringify(root));
  return loadTrust({ trustedRootPath: file });
}

function stateWith(signatures: SignatureRecord[]): ImageState {
  return {
    schemaVersion: 1,
    repository: 'registry.example.com/acme/app',
    tags: [{ name: 'latest', digest: DIGEST, mediaType: 'application/vnd.oci.image.index.v1+json' }],
    images: { [DIGEST]: { mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [{ os: 'linux', architecture: 'amd64' }], signatures } },
  };
}

function bundle(overrides: Partial<Parameters<typeof signBundle>[0]> = {}): SignatureRecord {
  return signBundle({ digest: DIGEST, leaf, log, logIndex: 4242, integratedTime: SIGNED_AT / 1000 + 60, ...overrides });
}

function verdictsOf(state: ImageState, trust: Trust) {
  return verifyStateSignatures(state, [DIGEST], trust, {}).get(DIGEST) ?? [];
}

function failedCheck(state: ImageState, trust: Trust): string | undefined {
  const [verdict] = verdictsOf(state, trust);
  assert.ok(verdict, 'one signature was found');
  return verdict.verified ? undefined : verdict.failure.check;
}

const config: ResolvedConfig = {
  source: 'test',
  name: 'app',
  location: 'registry.example.com/acme/app',
  template: 'default',
  excludeTags: [],
  builtWith: ['apko'],
  outputPath: '/dev/null',
  cosignOutput: 'current',
  identity: {},
  wording: {},
};

describe('Sigstore bundle signatures', () => {
  test('verify, and name who signed', (t) => {
    const [verdict] = verdictsOf(stateWith([bundle()]), trustFor(t, trustedRoot(ca, log)));
    assert.ok(verdict?.verified);
    assert.equal(verdict.signer.subject, IDENTITY);
    assert.equal(verdict.signer.issuer, ISSUER);
  });

  test("render as cosign 3 prints them, with the entry's Rekor link", (t) => {
    const readme = renderReadme(config, stateWith([bundle()]), loadTemplateSet('default'), trustFor(t, trustedRoot(ca, log)));
    assert.ok(readme.includes('[Rekor entry 4242](https://search.sigstore.dev/?logIndex=4242)'));
    assert.ok(
      readme.includes(
        `[\n  {\n    "critical": {\n      "identity": {\n        "docker-reference": "registry.example.com/acme/app:latest"\n      },\n      "image": {\n        "docker-manifest-digest": "${DIGEST}"\n      },\n      "type": "https://sigstore.dev/cosign/sign/v1"\n    },\n    "optional": {}\n  }\n]`,
      ),
    );
    assert.ok(readme.includes(`--certificate-identity=${IDENTITY}`));
  });

  test('whose statement names another image fail check (a)', (t) => {
    assert.equal(failedCheck(stateWith([bundle({ digest: OTHER })]), trustFor(t, trustedRoot(ca, log))), 'a');
  });

  test('from a CA the trusted root does not list fail check (c)', async (t) => {
    const strangers = await createCa('another-ca');
    assert.equal(failedCheck(stateWith([bundle()]), trustFor(t, trustedRoot(strangers, log))), 'c');
  });

  test('logged in a log the trusted root does not list fail check (d)', (t) => {
    assert.equal(failedCheck(stateWith([bundle()]), trustFor(t, trustedRoot(ca, createLog()))), 'd');
  });

  test('with the DSSE signature altered are refused', (t) => {
    const record = bundle();
    assert.equal(record.format, 'sigstore-bundle');
    const envelope = (record.bundle as { dsseEnvelope: { signatures: { sig: string }[] } }).dsseEnvelope;
    const sig = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
    sig[sig.length - 1] ^= 1;
    envelope.signatures[0] = { sig: sig.toString('base64') };
    const check = failedCheck(stateWith([record]), trustFor(t, trustedRoot(ca, log)));
    assert.ok(check === 'e' || check === 'b', `refused by check ${check}`);
  });

  test('outside the identity policy are not verified', (t) => {
    const [verdict] = verifyStateSignatures(stateWith([bundle()]), [DIGEST], trustFor(t, trustedRoot(ca, log)), { certificateIdentity: 'https://github.com/someone/else' }).get(DIGEST) ?? [];
    assert.ok(verdict && !verdict.verified && verdict.failure instanceof SignatureCheckError);
    assert.equal(verdict.failure.check, 'policy');
  });

  test('attestations are not signatures: an image with only an attestation renders as unsigned', (t) => {
    const state = stateWith([bundle({ predicateType: 'https://slsa.dev/provenance/v1' })]);
    assert.deepEqual(verdictsOf(state, trustFor(t, trustedRoot(ca, log))), []);
    const readme = renderReadme(config, state, loadTemplateSet('default'), trustFor(t, trustedRoot(ca, log)));
    // Nothing shown is signed: no transparency-log column and no Signing section.
    assert.match(readme, /\| Tags \| Digest \| Platforms \|\n/);
    assert.doesNotMatch(readme, /Transparency log|## Signing|signed/);
  });
});
