import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { SignatureCheckError } from '../../src/signatures/signature-check-error.js';
import { type Trust, loadTrust } from '../../src/signatures/trusted-root.js';
import { parseSigstoreBundle, verifyBundle } from '../../src/signatures/verify-bundle.js';
import { verifyStateSignatures } from '../../src/signatures/verify-state.js';
import type { Digest, ImageState, SignatureRecord } from '../../src/state/image-state.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import { createTsa } from '../helpers/timestamp-authority.js';
import {
  type TestCa,
  type TestLeaf,
  type TestLog,
  createCa,
  createLog,
  createRekorV2Log,
  issueLeaf,
  signBundle,
  trustedRoot,
  IDENTITY,
  ISSUER,
} from '../helpers/signing.js';
import { resolvedConfig } from '../helpers/resolved-config.js';
import { flipLastBit } from '../helpers/tamper.js';

/** cosign 3 signatures: Sigstore bundles v0.3 attached as OCI referrers, made and verified here. */
const DIGEST: Digest = `sha256:${'ab'.repeat(32)}`;
const OTHER: Digest = `sha256:${'cd'.repeat(32)}`;
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);

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

function stateWith(signatures: SignatureRecord[], digest: Digest = DIGEST): ImageState {
  return {
    schemaVersion: 1,
    repository: 'registry.example.com/acme/app',
    tags: [{ name: 'latest', digest, mediaType: 'application/vnd.oci.image.index.v1+json' }],
    images: {
      [digest]: { mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [{ os: 'linux', architecture: 'amd64' }], signatures },
    },
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

const config = resolvedConfig('registry.example.com/acme/app');

describe('Sigstore bundle signatures', () => {
  test('verify, and name who signed', (t) => {
    const [verdict] = verdictsOf(stateWith([bundle()]), trustFor(t, trustedRoot(ca, log)));
    assert.ok(verdict?.verified);
    assert.equal(verdict.signer.subject, IDENTITY);
    assert.equal(verdict.signer.issuer, ISSUER);
  });

  test("render as cosign 3 prints them, with the entry's Rekor link", (t) => {
    const readme = renderReadme(config, stateWith([bundle()]), loadTemplateSet('default'), trustFor(t, trustedRoot(ca, log))).markdown;
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
    envelope.signatures[0] = { sig: flipLastBit(envelope.signatures[0]?.sig ?? '') };
    const check = failedCheck(stateWith([record]), trustFor(t, trustedRoot(ca, log)));
    assert.ok(check === 'e' || check === 'b', `refused by check ${check}`);
  });

  test('outside the identity policy are not verified', (t) => {
    const [verdict] =
      verifyStateSignatures(stateWith([bundle()]), [DIGEST], trustFor(t, trustedRoot(ca, log)), {
        certificateIdentity: 'https://github.com/someone/else',
      }).get(DIGEST) ?? [];
    assert.ok(verdict && !verdict.verified && verdict.failure instanceof SignatureCheckError);
    assert.equal(verdict.failure.check, 'policy');
  });

  test('attestations are not signatures: an image with only an attestation renders as unsigned', (t) => {
    const state = stateWith([bundle({ predicateType: 'https://slsa.dev/provenance/v1' })]);
    assert.deepEqual(verdictsOf(state, trustFor(t, trustedRoot(ca, log))), []);
    const readme = renderReadme(config, state, loadTemplateSet('default'), trustFor(t, trustedRoot(ca, log))).markdown;
    // Nothing shown is signed: no transparency-log column and no Signing section.
    assert.match(readme, /\| Tags \| Digest \| Platforms \|\n/);
    assert.doesNotMatch(readme, /Transparency log|## Signing|signed/);
  });
});

/**
 * A message-signature bundle (what `cosign sign-blob --bundle` writes) attached
 * to an image as a referrer, signing the image manifest itself. `cosign verify`
 * (v3) verifies each bundle referrer against the image digest and then keeps
 * only DSSE-envelope bundles (pkg/cosign/verify.go,
 * verifyImageAttestationsSigstoreBundle: "bundle does not contain a DSSE
 * envelope"): such a referrer is a bundle cosign refuses, so it fails here
 * too — shown as a failing signature, never as unsigned.
 */
describe('message-signature bundle referrers', () => {
  const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}');
  const MANIFEST_DIGEST: Digest = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
  const REFUSED =
    /^sha256:[0-9a-f]{64}: check \(a\) payload digest failed: the Sigstore bundle in sha256:[0-9a-f]{64} holds a message signature, which cosign does not accept as an image signature/;

  function messageBundle(overrides: Partial<Parameters<typeof signBundle>[0]> = {}): SignatureRecord {
    return signBundle({
      digest: MANIFEST_DIGEST,
      message: MANIFEST,
      leaf,
      log,
      logIndex: 77,
      integratedTime: SIGNED_AT / 1000 + 60,
      ...overrides,
    });
  }

  function bundleJson(record: SignatureRecord): Record<string, unknown> {
    assert.equal(record.format, 'sigstore-bundle');
    return structuredClone(record.bundle);
  }

  test('are real bundles: the verification core verifies one over the manifest, and refuses other bytes (a) and an altered signature (b)', async (t) => {
    const trust = trustFor(t, trustedRoot(ca, log));
    const record = messageBundle();
    const context = { digest: MANIFEST_DIGEST, trust, policy: {} };
    const parsed = () => parseSigstoreBundle(bundleJson(record), MANIFEST_DIGEST);
    assert.deepEqual(verifyBundle(parsed(), context, { artifact: MANIFEST }), { subject: IDENTITY, issuer: ISSUER, keyed: false });
    assert.throws(
      () => verifyBundle(parsed(), context, { artifact: Buffer.from('other bytes') }),
      (error: unknown) => error instanceof SignatureCheckError && error.check === 'a',
    );
    const altered = bundleJson(record) as { messageSignature: { signature: string } };
    const signature = Buffer.from(altered.messageSignature.signature, 'base64');
    signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 1;
    altered.messageSignature.signature = signature.toString('base64');
    assert.throws(
      () => verifyBundle(parseSigstoreBundle(altered, MANIFEST_DIGEST), context, { artifact: MANIFEST }),
      (error: unknown) => error instanceof SignatureCheckError && (error.check === 'b' || error.check === 'e'),
    );
    // Logged in Rekor v2 (hashedrekord 0.0.2 over the message digest) with a TSA timestamp: verifies too.
    const v2 = createRekorV2Log();
    const tsa = await createTsa();
    const v2Trust = trustFor(t, trustedRoot(ca, log, { logs: [v2], timestampAuthorities: [tsa] }));
    const v2Record = signBundle({
      digest: MANIFEST_DIGEST,
      message: MANIFEST,
      leaf,
      log: v2,
      logIndex: 669,
      tsa,
      timestampAt: new Date(SIGNED_AT + 60_000),
    });
    assert.deepEqual(
      verifyBundle(parseSigstoreBundle(bundleJson(v2Record), MANIFEST_DIGEST), { ...context, trust: v2Trust }, { artifact: MANIFEST }),
      {
        subject: IDENTITY,
        issuer: ISSUER,
        keyed: false,
      },
    );
  });

  test("whose messageDigest is the image's fail check (a), saying cosign refuses them; the image shows as signed, not verified, never unsigned", (t) => {
    const trust = trustFor(t, trustedRoot(ca, log));
    for (const record of [messageBundle(), messageBundle({ message: Buffer.from('another manifest') })]) {
      const state = stateWith([record], MANIFEST_DIGEST);
      const [verdict, ...more] = verifyStateSignatures(state, [MANIFEST_DIGEST], trust, {}).get(MANIFEST_DIGEST) ?? [];
      assert.equal(more.length, 0);
      assert.ok(verdict && !verdict.verified, 'the message signature is not an image signature');
      assert.equal(verdict.failure.check, 'a');
      assert.match(verdict.failure.message, REFUSED);
      assert.ok(verdict.failure.message.startsWith(`${MANIFEST_DIGEST}: `));
      assert.ok(verdict.failure.message.includes(record.manifestDigest ?? '(none)'));
      // render stops on it, as on any signature that fails; allowed through, the row is signed and unverified.
      assert.throws(
        () => renderReadme(config, state, loadTemplateSet('default'), trust).markdown,
        (error: unknown) => error instanceof SignatureCheckError && REFUSED.test(error.message),
      );
      const { view } = renderReadme(config, state, loadTemplateSet('default'), trust, { allowUnverified: true });
      assert.deepEqual(
        view.rows.map((row) => [row.signed, row.verified, REFUSED.test(row.failure ?? '')]),
        [[true, false, true]],
      );
    }
  });

  test('beside a cosign signature bundle: that one verifies, the message signature still fails (a)', (t) => {
    const trust = trustFor(t, trustedRoot(ca, log));
    const state = stateWith([bundle({ digest: MANIFEST_DIGEST }), messageBundle()], MANIFEST_DIGEST);
    const verdicts = verifyStateSignatures(state, [MANIFEST_DIGEST], trust, {}).get(MANIFEST_DIGEST) ?? [];
    assert.deepEqual(
      verdicts.map((verdict) => (verdict.verified ? 'verified' : verdict.failure.check)),
      ['verified', 'a'],
    );
  });
});
