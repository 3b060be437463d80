/**
 * A private Sigstore for tests: a Fulcio-like CA, a Rekor-like log key and
 * signatures in cosign's legacy layout, all generated here with node:crypto
 * (certificates assembled with @peculiar/x509, since node:crypto cannot issue
 * them). Nothing here is used by readme-gen itself.
 */
import 'reflect-metadata';
import { createHash, createPublicKey, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { formatGoCompact } from '../../src/signatures/ordered-json.js';
import { rekorBundleToJson } from '../../src/signatures/rekor-bundle.js';
import { type SimpleSigningPayload, encodeSimpleSigningPayload } from '../../src/signatures/simple-signing-payload.js';
import { COSIGN_SIMPLESIGNING_MEDIA_TYPE, type CosignSignatureRecord, type Digest, type SigstoreBundleRecord } from '../../src/state/image-state.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestLog {
  privateKey: KeyObject;
  publicKeyDer: Buffer;
  /** hex sha256 of the SPKI DER, as Rekor names its log */
  logID: string;
}

export interface TestLeaf {
  pem: string;
  privateKey: KeyObject;
}

export async function createCa(commonName = 'test-fulcio'): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}, O=readme-gen tests`,
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2040, 0, 1)),
    signingAlgorithm: ECDSA_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, keys };
}

export interface LeafOptions {
  /** the SAN: a URI (CI workflows), or an email address with `sanType: 'email'` (people) */
  subject: string;
  /** default url */
  sanType?: 'url' | 'email';
  /** the OIDC issuer, in Fulcio's extension 1.3.6.1.4.1.57264.1.1 */
  issuer: string;
  notBefore: Date;
  /** Fulcio certificates live ten minutes */
  notAfter?: Date;
  /**
   * More raw-string extensions (not DER), as Fulcio's 1.3.6.1.4.1.57264.1.2–1.6
   * are: their bytes are the UTF-8 of the value, whatever it holds.
   */
  rawExtensions?: { oid: string; value: string }[];
}

/** A short-lived code-signing certificate, as Fulcio issues one to a CI job. */
export async function issueLeaf(ca: TestCa, options: LeafOptions): Promise<TestLeaf> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicCryptoKey = await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), ECDSA_P256, true, ['verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: createHash('sha256').update(options.subject + options.notBefore.toISOString()).digest('hex').slice(0, 16),
    subject: '',
    issuer: ca.certificate.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter ?? new Date(options.notBefore.getTime() + 10 * 60 * 1000),
    signingAlgorithm: ECDSA_P256,
    publicKey: publicCryptoKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      new x509.SubjectAlternativeNameExtension([{ type: options.sanType ?? 'url', value: options.subject }], true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      new x509.Extension('1.3.6.1.4.1.57264.1.1', false, Buffer.from(options.issuer, 'utf8')),
      ...(options.rawExtensions ?? []).map(({ oid, value }) => new x509.Extension(oid, false, Buffer.from(value, 'utf8'))),
    ],
  });
  return { pem: certificate.toString('pem'), privateKey };
}

export function createLog(): TestLog {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyDer = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyDer, logID: createHash('sha256').update(publicKeyDer).digest('hex') };
}

/** A trusted_root.json naming the test CA and log, as a private Sigstore deployment would publish it. */
export function trustedRoot(ca: TestCa, log: TestLog): object {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.test.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: log.publicKeyDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: Buffer.from(log.logID, 'hex').toString('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'readme-gen tests', commonName: 'test-fulcio' },
        uri: 'https://fulcio.test.invalid',
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.certificate.rawData).toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

export function payloadFor(digest: string, reference: string, optional: [string, string][] = []): SimpleSigningPayload {
  return {
    critical: { identity: { dockerReference: reference }, image: { dockerManifestDigest: digest }, type: 'cosign container image signature' },
    optional: optional.length === 0 ? null : new Map(optional),
  };
}

export interface SignOptions {
  payload: SimpleSigningPayload;
  privateKey: KeyObject;
  /** keyless: the leaf certificate; keyed signatures have none */
  certificatePem?: string;
  /** logged: the log that takes the entry, and when */
  log?: { log: TestLog; logIndex: number; integratedTime: number };
}

/** One layer of a cosign .sig manifest, signed for real. */
export function signLegacy(options: SignOptions): CosignSignatureRecord {
  const payload = encodeSimpleSigningPayload(options.payload);
  const signature = sign('sha256', payload, options.privateKey).toString('base64');
  const payloadHash = createHash('sha256').update(payload).digest('hex');
  const annotations: CosignSignatureRecord['annotations'] = { 'dev.cosignproject.cosign/signature': signature };
  if (options.certificatePem) annotations['dev.sigstore.cosign/certificate'] = options.certificatePem;
  if (options.log) {
    const publicKeyContent = options.certificatePem ?? createPublicKey(options.privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const body = Buffer.from(
      JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: {
          data: { hash: { algorithm: 'sha256', value: payloadHash } },
          signature: { content: signature, publicKey: { content: Buffer.from(publicKeyContent).toString('base64') } },
        },
      }),
    ).toString('base64');
    const { log, logIndex, integratedTime } = options.log;
    // Rekor signs the canonical JSON of these four fields: keys sorted, no spaces.
    const set = sign('sha256', Buffer.from(JSON.stringify({ body, integratedTime, logID: log.logID, logIndex })), log.privateKey).toString('base64');
    annotations['dev.sigstore.cosign/bundle'] = formatGoCompact(
      rekorBundleToJson({ signedEntryTimestamp: set, payload: { body, integratedTime, logIndex, logID: log.logID } }),
    );
  }
  return {
    format: 'cosign',
    mediaType: COSIGN_SIMPLESIGNING_MEDIA_TYPE,
    digest: `sha256:${payloadHash}` as Digest,
    payload: payload.toString('base64'),
    annotations,
  };
}

/** A PEM public key and its private half, for keyed signing (`cosign generate-key-pair`). */
export function createSigningKey(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}


export interface BundleOptions {
  /** the image digest the statement names */
  digest: string;
  leaf: TestLeaf;
  log: TestLog;
  logIndex: number;
  integratedTime: number;
  predicateType?: string;
}

/**
 * What cosign 3 attaches as an OCI referrer: a Sigstore bundle v0.3 holding a
 * DSSE envelope over an in-toto statement whose subject is the image, logged
 * as a dsse entry with an inclusion promise and a one-leaf inclusion proof.
 */
export function signBundle(options: BundleOptions): SigstoreBundleRecord {
  const payloadType = 'application/vnd.in-toto+json';
  const predicateType = options.predicateType ?? 'https://sigstore.dev/cosign/sign/v1';
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: '', digest: { sha256: options.digest.replace(/^sha256:/, '') } }],
      predicateType,
      predicate: {},
    }),
  );
  // DSSE signs the pre-authentication encoding, not the payload itself.
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `), statement]);
  const signature = sign('sha256', pae, options.leaf.privateKey).toString('base64');
  const envelope = { payload: statement.toString('base64'), payloadType, signatures: [{ sig: signature, keyid: '' }] };
  const body = Buffer.from(
    JSON.stringify({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(envelope)).digest('hex') },
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
        signatures: [{ signature, verifier: Buffer.from(options.leaf.pem).toString('base64') }],
      },
    }),
  );
  const { log, logIndex, integratedTime } = options;
  const bodyBase64 = body.toString('base64');
  const set = sign('sha256', Buffer.from(JSON.stringify({ body: bodyBase64, integratedTime, logID: log.logID, logIndex })), log.privateKey);
  // A tree of one leaf: its root is the leaf hash, and the proof has no hashes.
  const rootHash = createHash('sha256').update(Buffer.concat([Buffer.from([0]), body])).digest();
  const note = `rekor.test.invalid - test\n1\n${rootHash.toString('base64')}\n`;
  const noteSignature = Buffer.concat([Buffer.from(log.logID, 'hex').subarray(0, 4), sign('sha256', Buffer.from(note), log.privateKey)]);
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: { rawBytes: Buffer.from(new x509.X509Certificate(options.leaf.pem).rawData).toString('base64') },
      tlogEntries: [
        {
          logIndex: String(logIndex),
          logId: { keyId: Buffer.from(log.logID, 'hex').toString('base64') },
          kindVersion: { kind: 'dsse', version: '0.0.1' },
          integratedTime: String(integratedTime),
          inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
          inclusionProof: {
            logIndex: '0',
            rootHash: rootHash.toString('base64'),
            treeSize: '1',
            hashes: [],
            checkpoint: { envelope: `${note}\n\u2014 rekor.test.invalid ${noteSignature.toString('base64')}\n` },
          },
          canonicalizedBody: bodyBase64,
        },
      ],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: envelope,
  };
  return {
    format: 'sigstore-bundle',
    manifestDigest: `sha256:${createHash('sha256').update(JSON.stringify(bundle)).digest('hex')}` as Digest,
    artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicateType },
    bundle,
  };
}
