import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { RFC3161Timestamp, crypto as sigstoreCrypto } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, VerificationError, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import {
  type TestTsa,
  createTsa,
  timestampAuthorityEntry,
  timestampResponse,
  timestampVerificationData,
} from '../helpers/timestamp-authority.js';
import { flipLastBit } from '../helpers/tamper.js';

/**
 * The test TSA is only worth something if sigstore-js, which readme-gen
 * verifies with, takes its tokens as real ones — and refuses them when they
 * are not: these tests pin both, through the same Verifier path a bundle takes.
 */
const SIGNED_AT = new Date(Date.UTC(2026, 5, 1, 12));
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

let tsa: TestTsa;
const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });

before(async () => {
  tsa = await createTsa();
});

interface Signed {
  bundle: object;
  signature: Buffer;
}

/** A keyed DSSE bundle with no log entry: the timestamp is the only time source. */
function keyedBundle(timestamp: (signature: Buffer) => string | undefined): Signed {
  const payload = Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://example.com/p', predicate: {} }),
  );
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${payload.length} `), payload]);
  const signature = sign('sha256', pae, signer.privateKey);
  const signedTimestamp = timestamp(signature);
  return {
    signature,
    bundle: {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        publicKey: { hint: 'test-key' },
        tlogEntries: [],
        timestampVerificationData: { rfc3161Timestamps: signedTimestamp === undefined ? [] : [{ signedTimestamp }] },
      },
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType: PAYLOAD_TYPE,
        signatures: [{ sig: signature.toString('base64'), keyid: '' }],
      },
    },
  };
}

function root(authorities: object[]): TrustedRoot {
  return TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: authorities,
  });
}

/** Verifies as readme-gen does: one timestamp required, no log entry for a keyed bundle. */
function verify(bundle: object, authorities: object[] = [timestampAuthorityEntry(tsa)]): void {
  const material = toTrustMaterial(root(authorities), () => ({
    publicKey: sigstoreCrypto.createPublicKey(signer.publicKey.export({ format: 'pem', type: 'spki' })),
    validFor: () => true,
  }));
  new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(bundle)));
}

function timestampError(action: () => void): void {
  assert.throws(action, (error: unknown) => error instanceof VerificationError && error.code === 'TIMESTAMP_ERROR');
}

describe('the test timestamp authority', () => {
  test('makes a TimeStampResp sigstore-js parses: status, genTime, the signer by issuer and serial, the imprint', () => {
    const data = Buffer.from('signature bytes');
    const token = RFC3161Timestamp.parse(timestampResponse(tsa, data, { genTime: SIGNED_AT }));
    assert.equal(token.status, 0n);
    assert.equal(token.signingTime.toISOString(), SIGNED_AT.toISOString());
    assert.equal(token.tstInfo.messageImprintHashAlgorithm, 'sha256');
    assert.deepEqual(token.tstInfo.messageImprintHashedMessage, createHash('sha256').update(data).digest());
    assert.deepEqual(token.signerSerialNumber, Buffer.from(tsa.certificate.serialNumber, 'hex'));
    token.verify(data, sigstoreCrypto.createPublicKey(Buffer.from(tsa.certificate.publicKey.rawData), 'spki'));
  });

  test('its certificate is for timestamping only, critically, and chains to its CA', async () => {
    const usage = tsa.certificate.getExtension('2.5.29.37');
    assert.ok(usage?.critical, 'extended key usage is critical');
    assert.deepEqual([...(usage as unknown as { usages: string[] }).usages], ['1.3.6.1.5.5.7.3.8']);
    assert.ok(await tsa.certificate.verify({ publicKey: tsa.ca.publicKey, signatureOnly: true }));
  });

  test('sigstore-js accepts a bundle timestamped by it, with or without the chain embedded', () => {
    verify(keyedBundle((signature) => timestampResponse(tsa, signature, { genTime: SIGNED_AT }).toString('base64')).bundle);
    verify(
      keyedBundle((signature) => timestampResponse(tsa, signature, { genTime: SIGNED_AT, embedCertificates: true }).toString('base64'))
        .bundle,
    );
    const { bundle } = keyedBundle(() => undefined);
    assert.ok(bundle);
    assert.equal(typeof timestampVerificationData(tsa, Buffer.from('x')).rfc3161Timestamps[0]?.signedTimestamp, 'string');
  });

  test('without the timestamp there is no time, and the bundle is refused', () => {
    timestampError(() => verify(keyedBundle(() => undefined).bundle));
  });

  test('a tampered token is refused: a changed signature byte', () => {
    const { bundle } = keyedBundle((signature) => {
      // The signer info is last and its signature is its last field: the last
      // byte is the ECDSA s value's, so the DER still parses.
      return flipLastBit(timestampResponse(tsa, signature, { genTime: SIGNED_AT }).toString('base64'));
    });
    timestampError(() => verify(bundle));
  });

  test('a token over other bytes is refused (message imprint)', () => {
    timestampError(() =>
      verify(keyedBundle(() => timestampResponse(tsa, Buffer.from('another signature'), { genTime: SIGNED_AT }).toString('base64')).bundle),
    );
  });

  test("a token signed with another key in the TSA's name is refused", () => {
    const impostor = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    timestampError(() =>
      verify(
        keyedBundle((signature) => timestampResponse(tsa, signature, { genTime: SIGNED_AT, signingKey: impostor }).toString('base64'))
          .bundle,
      ),
    );
  });

  test('a TSA the trusted root does not name is refused, and so is a time outside its validFor', async () => {
    const other = await createTsa({ commonName: 'other-tsa' });
    const { bundle } = keyedBundle((signature) => timestampResponse(tsa, signature, { genTime: SIGNED_AT }).toString('base64'));
    timestampError(() => verify(bundle, [timestampAuthorityEntry(other)]));
    timestampError(() => verify(bundle, [timestampAuthorityEntry(tsa, { start: '2026-07-01T00:00:00Z' })]));
    verify(bundle, [timestampAuthorityEntry(tsa, { start: '2026-01-01T00:00:00Z', end: '2026-06-01T12:00:00Z' })]);
  });

  test("a time outside the TSA certificate's own validity is refused", async () => {
    const expired = await createTsa({
      commonName: 'expired-tsa',
      notBefore: new Date(Date.UTC(2025, 0, 1)),
      notAfter: new Date(Date.UTC(2026, 0, 1)),
    });
    const { bundle } = keyedBundle((signature) => timestampResponse(expired, signature, { genTime: SIGNED_AT }).toString('base64'));
    timestampError(() => verify(bundle, [timestampAuthorityEntry(expired)]));
  });
});
