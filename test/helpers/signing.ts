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
import { COSIGN_SIMPLESIGNING_MEDIA_TYPE, type CosignSignatureRecord, type SigstoreBundleRecord } from '../../src/state/image-state.js';
import { type TestTsa, timestampAuthorityEntry, timestampResponse } from './timestamp-authority.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The signer most signature tests issue their leaf certificate to: a GitHub Actions release workflow. */
export const IDENTITY = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
export const ISSUER = 'https://token.actions.githubusercontent.com';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestLog {
  privateKey: KeyObject;
  publicKeyDer: Buffer;
  /** hex: Rekor v1 names its log by sha256 of the SPKI DER; a Rekor v2 log by its C2SP signed-note key ID */
  logID: string;
  /** Rekor v1 (ECDSA P-256, SignedEntryTimestamps) or v2 (rekor-tiles: Ed25519, checkpoints only) */
  version: 1 | 2;
  /** the log's URL in the trusted root */
  baseUrl: string;
  /** the first line of its checkpoints */
  origin: string;
  /** who signs its checkpoints, as the signature line names it (a part of baseUrl, as sigstore-js requires) */
  signerName: string;
}

export interface TestLeaf {
  pem: string;
  privateKey: KeyObject;
}

export async function createCa(commonName = 'test-fulcio'): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
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
  const publicCryptoKey = await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), ECDSA_P256, true, [
    'verify',
  ]);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: createHash('sha256')
      .update(options.subject + options.notBefore.toISOString())
      .digest('hex')
      .slice(0, 16),
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

/** A Rekor v1 log: an ECDSA P-256 key, as rekor.sigstore.dev has. */
export function createLog(): TestLog {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyDer = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey,
    publicKeyDer,
    logID: createHash('sha256').update(publicKeyDer).digest('hex'),
    version: 1,
    baseUrl: 'https://rekor.test.invalid',
    origin: 'rekor.test.invalid - 2605736670972794746',
    signerName: 'rekor.test.invalid',
  };
}

/**
 * A Rekor v2 log (rekor-tiles), as log2025-1.rekor.sigstore.dev is: an
 * Ed25519 key, checkpoints whose origin is the log's host name, and a log ID
 * that is its C2SP signed-note key ID, sha256(name || "\n" || 0x01 || key) —
 * whose first four bytes are the checkpoint signature's key hint.
 */
export function createRekorV2Log(host = 'log2025-1.rekor.test.invalid'): TestLog {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyDer = publicKey.export({ format: 'der', type: 'spki' });
  const rawKey = publicKeyDer.subarray(publicKeyDer.length - 32);
  const logID = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${host}\n`), Buffer.from([0x01]), rawKey]))
    .digest('hex');
  return { privateKey, publicKeyDer, logID, version: 2, baseUrl: `https://${host}`, origin: host, signerName: host };
}

export interface TrustedRootExtras {
  /** more transparency logs beside the first (a Rekor v2 log, say) */
  logs?: TestLog[];
  /** RFC 3161 timestamp authorities */
  timestampAuthorities?: TestTsa[];
}

/** A trusted_root.json naming the test CA, logs and TSAs, as a private Sigstore deployment would publish it. */
export function trustedRoot(ca: TestCa, log: TestLog, extras: TrustedRootExtras = {}): object {
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [log, ...(extras.logs ?? [])].map((each) => ({
      baseUrl: each.baseUrl,
      hashAlgorithm: 'SHA2_256',
      publicKey: {
        rawBytes: each.publicKeyDer.toString('base64'),
        keyDetails: each.version === 2 ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
      logId: { keyId: Buffer.from(each.logID, 'hex').toString('base64') },
    })),
    certificateAuthorities: [
      {
        subject: { organization: 'readme-gen tests', commonName: 'test-fulcio' },
        uri: 'https://fulcio.test.invalid',
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.certificate.rawData).toString('base64') }] },
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
    ],
    ctlogs: [],
    timestampAuthorities: (extras.timestampAuthorities ?? []).map((tsa) => timestampAuthorityEntry(tsa)),
  };
}

export function payloadFor(digest: string, reference: string, optional: [string, string][] = []): SimpleSigningPayload {
  return {
    critical: {
      identity: { dockerReference: reference },
      image: { dockerManifestDigest: digest },
      type: 'cosign container image signature',
    },
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
    const publicKeyContent =
      options.certificatePem ?? createPublicKey(options.privateKey).export({ format: 'pem', type: 'spki' }).toString();
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
    annotations['dev.sigstore.cosign/bundle'] = rekorBundleAnnotation(options.log, body);
  }
  return {
    format: 'cosign',
    mediaType: COSIGN_SIMPLESIGNING_MEDIA_TYPE,
    digest: `sha256:${payloadHash}`,
    payload: payload.toString('base64'),
    annotations,
  };
}

/** cosign's `dev.sigstore.cosign/bundle` annotation: the base64 entry body as the log took it, with the log's SignedEntryTimestamp over it. */
export function rekorBundleAnnotation({ log, logIndex, integratedTime }: NonNullable<SignOptions['log']>, body: string): string {
  // Rekor signs the canonical JSON of these four fields: keys sorted, no spaces.
  const set = sign('sha256', Buffer.from(JSON.stringify({ body, integratedTime, logID: log.logID, logIndex })), log.privateKey).toString(
    'base64',
  );
  return formatGoCompact(rekorBundleToJson({ signedEntryTimestamp: set, payload: { body, integratedTime, logIndex, logID: log.logID } }));
}

/** A PEM public key and its private half, for keyed signing (`cosign generate-key-pair`). */
export function createSigningKey(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const IN_TOTO = 'application/vnd.in-toto+json';

/**
 * How a cosign release serialises its in-toto statement (protojson, so the
 * bytes differ between releases and are never rebuilt, only verified):
 * 3.0.2 writes it compact, with no predicate and no annotations (it dropped
 * `-a`); 3.1 puts the `-a` annotations on the subject (`{}` without any),
 * adds `"predicate":{}`, and its protojson puts a space after every comma.
 */
export type CosignRelease = '3.0' | '3.1';

export interface StatementOptions {
  predicateType?: string;
  /** `cosign sign -a key=value`: the subject's annotations */
  annotations?: Record<string, string>;
  /** default '3.1' */
  release?: CosignRelease;
}

/** The in-toto statement `cosign sign` (v3) signs: the image digest as its only subject. */
export function cosignStatement(digest: string, options: StatementOptions = {}): Buffer {
  const release = options.release ?? '3.1';
  const [algorithm = 'sha256', hex = ''] = digest.split(':');
  const digestJson = `{${JSON.stringify(algorithm)}:${JSON.stringify(hex)}}`;
  const annotations = Object.entries(options.annotations ?? {}).sort(([a], [b]) => compareBytes(a, b));
  const comma = release === '3.1' ? ', ' : ',';
  const object = (entries: string[]) => `{${entries.join(comma)}}`;
  const annotationsJson = object(annotations.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`));
  const subject = object([
    `"digest":${digestJson}`,
    ...(release === '3.1' || annotations.length > 0 ? [`"annotations":${annotationsJson}`] : []),
  ]);
  return Buffer.from(
    object([
      '"_type":"https://in-toto.io/Statement/v1"',
      `"subject":[${subject}]`,
      `"predicateType":${JSON.stringify(options.predicateType ?? COSIGN_SIGN_PREDICATE)}`,
      ...(release === '3.1' ? ['"predicate":{}'] : []),
    ]),
  );
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** DSSE's pre-authentication encoding: what an envelope's signature is over. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
}

export interface BundleOptions extends StatementOptions {
  /** the statement to sign (an attestation's), instead of cosign sign's statement for `digest` */
  statement?: Buffer;
  /** the image digest the statement names */
  digest: string;
  /** keyless: the Fulcio-like certificate and its key */
  leaf?: TestLeaf;
  /** keyed (`cosign sign --key`): the bundle names the key by a hint, and carries no certificate */
  key?: { privateKey: KeyObject; publicKeyPem: string };
  /** the log that takes the entry: a Rekor v1 log gets a `dsse` entry, a v2 log a `hashedrekord` 0.0.2 over the PAE; none: no entry (`--tlog-upload=false`) */
  log?: TestLog;
  /** the entry's index in the log; default 0 */
  logIndex?: number;
  /** when a Rekor v1 log integrated the entry (unix seconds); v2 logs give no time */
  integratedTime?: number;
  /** an RFC 3161 timestamp over the signature, from this TSA */
  tsa?: TestTsa;
  /** the TSA's genTime; default integratedTime, else now */
  timestampAt?: Date;
  /** the log tree the inclusion proof is in; default: the entry is leaf 5 of 8 (v1: a shard's own index), or logIndex of logIndex + 3 (v2) */
  tree?: { size: number; index: number };
  /**
   * A message signature (`cosign sign-blob --bundle`) over these bytes instead
   * of a DSSE envelope: messageDigest is their sha256 and `digest` is unused;
   * logged as a `hashedrekord` (0.0.1 in a Rekor v1 log, 0.0.2 in a v2 log).
   */
  message?: Buffer;
}

/**
 * What cosign 3 attaches as an OCI referrer: a Sigstore bundle v0.3 holding a
 * DSSE envelope over an in-toto statement whose subject is the image — logged
 * in Rekor v1 as a `dsse` entry with an inclusion promise (SET) and a
 * checkpoint-signed inclusion proof, or in Rekor v2 as a `hashedrekord`
 * 0.0.2 over the DSSE PAE with the inclusion proof only, or not at all; and
 * timestamped by a TSA when one is given, as cosign 3 does by default.
 */
export function signBundle(options: BundleOptions): SigstoreBundleRecord {
  if ((options.leaf === undefined) === (options.key === undefined))
    throw new Error('signBundle: give either leaf (keyless) or key (keyed)');
  const predicateType = options.predicateType ?? COSIGN_SIGN_PREDICATE;
  const statement = options.statement ?? cosignStatement(options.digest, options);
  const privateKey = options.leaf?.privateKey ?? (options.key as { privateKey: KeyObject }).privateKey;
  const signature = sign('sha256', options.message ?? preAuthEncoding(IN_TOTO, statement), privateKey);
  const envelope = { payload: statement.toString('base64'), payloadType: IN_TOTO, signatures: [{ sig: signature.toString('base64') }] };
  const messageDigest = options.message ? createHash('sha256').update(options.message).digest() : undefined;

  const certificateDer = options.leaf ? Buffer.from(new x509.X509Certificate(options.leaf.pem).rawData) : undefined;
  const publicKeyDer = options.key ? createPublicKey(options.key.publicKeyPem).export({ format: 'der', type: 'spki' }) : undefined;
  const verificationMaterial: Record<string, unknown> = certificateDer
    ? { certificate: { rawBytes: certificateDer.toString('base64') } }
    : {
        publicKey: {
          hint: createHash('sha256')
            .update(publicKeyDer as Buffer)
            .digest('base64'),
        },
      };
  verificationMaterial.tlogEntries = options.log
    ? [
        logEntry(options, options.log, {
          statement,
          signature,
          envelope,
          certificateDer,
          publicKeyDer,
          verifierPem: options.leaf?.pem ?? options.key?.publicKeyPem ?? '',
          messageDigest,
        }),
      ]
    : [];
  const timestampAt = options.timestampAt ?? (options.integratedTime === undefined ? new Date() : new Date(options.integratedTime * 1000));
  verificationMaterial.timestampVerificationData = {
    rfc3161Timestamps: options.tsa
      ? [{ signedTimestamp: timestampResponse(options.tsa, signature, { genTime: timestampAt }).toString('base64') }]
      : [],
  };
  const content = messageDigest
    ? {
        messageSignature: {
          messageDigest: { algorithm: 'SHA2_256', digest: messageDigest.toString('base64') },
          signature: signature.toString('base64'),
        },
      }
    : { dsseEnvelope: envelope };
  const bundle = { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial, ...content };
  return {
    format: 'sigstore-bundle',
    manifestDigest: `sha256:${createHash('sha256').update(JSON.stringify(bundle)).digest('hex')}`,
    artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    annotations: messageDigest
      ? { 'dev.sigstore.bundle.content': 'message-signature' }
      : { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicateType },
    bundle,
  };
}

export interface Signed {
  statement: Buffer;
  signature: Buffer;
  envelope: object;
  certificateDer: Buffer | undefined;
  publicKeyDer: Buffer | undefined;
  /** the certificate or public key as Rekor v1 records it */
  verifierPem: string;
  /** a message signature's: the sha256 of the message, which its hashedrekord entry logs */
  messageDigest?: Buffer | undefined;
}

/** The bundle's transparency-log entry, made and signed as the log would. */
function logEntry(options: BundleOptions, log: TestLog, signed: Signed): object {
  const logIndex = options.logIndex ?? 0;
  const body = Buffer.from(
    log.version === 1
      ? signed.messageDigest
        ? rekorV1HashedRekordBody(signed, signed.messageDigest)
        : rekorV1DsseBody(signed)
      : rekorV2HashedRekordBody(signed),
  );
  const tree = options.tree ?? (log.version === 1 ? { size: 8, index: 5 } : { size: logIndex + 3, index: logIndex });
  const { root, proof } = inclusion(
    createHash('sha256')
      .update(Buffer.from([0]))
      .update(body)
      .digest(),
    tree.index,
    tree.size,
  );
  const entry: Record<string, unknown> = {
    logIndex: String(logIndex),
    logId: { keyId: Buffer.from(log.logID, 'hex').toString('base64') },
    kindVersion:
      log.version === 1
        ? { kind: signed.messageDigest ? 'hashedrekord' : 'dsse', version: '0.0.1' }
        : { kind: 'hashedrekord', version: '0.0.2' },
  };
  if (log.version === 1) {
    const integratedTime = options.integratedTime ?? Math.floor(Date.now() / 1000);
    // Rekor signs the canonical JSON of these four fields: keys sorted, no spaces.
    const set = sign(
      'sha256',
      Buffer.from(JSON.stringify({ body: body.toString('base64'), integratedTime, logID: log.logID, logIndex })),
      log.privateKey,
    );
    entry.integratedTime = String(integratedTime);
    entry.inclusionPromise = { signedEntryTimestamp: set.toString('base64') };
  }
  entry.inclusionProof = {
    logIndex: String(tree.index),
    rootHash: root.toString('base64'),
    treeSize: String(tree.size),
    hashes: proof.map((hash) => hash.toString('base64')),
    checkpoint: { envelope: signCheckpoint(log, tree.size, root) },
  };
  entry.canonicalizedBody = body.toString('base64');
  return entry;
}

/** Rekor v1's `dsse` 0.0.1 entry, as it canonicalises it. */
export function rekorV1DsseBody(signed: Pick<Signed, 'envelope' | 'statement' | 'signature' | 'verifierPem'>): string {
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(signed.envelope)).digest('hex') },
      payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(signed.statement).digest('hex') },
      signatures: [{ signature: signed.signature.toString('base64'), verifier: Buffer.from(signed.verifierPem).toString('base64') }],
    },
  });
}

/** Rekor v1's `hashedrekord` 0.0.1 entry of a message signature, as it canonicalises it (keys sorted). */
function rekorV1HashedRekordBody(signed: Signed, messageDigest: Buffer): string {
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: messageDigest.toString('hex') } },
      signature: {
        content: signed.signature.toString('base64'),
        publicKey: { content: Buffer.from(signed.verifierPem).toString('base64') },
      },
    },
  });
}

/**
 * Rekor v2 takes only hashedrekord 0.0.2: a DSSE envelope is logged as the
 * sha256 of its PAE, the bytes its signature is over. rekor-tiles writes the
 * body as canonical JSON (keys sorted).
 */
function rekorV2HashedRekordBody(signed: Signed): string {
  const verifier = signed.certificateDer
    ? { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: { rawBytes: signed.certificateDer.toString('base64') } }
    : { keyDetails: 'PKIX_ECDSA_P256_SHA_256', publicKey: { rawBytes: (signed.publicKeyDer as Buffer).toString('base64') } };
  const digest = (signed.messageDigest ?? createHash('sha256').update(preAuthEncoding(IN_TOTO, signed.statement)).digest()).toString(
    'base64',
  );
  return JSON.stringify({
    apiVersion: '0.0.2',
    kind: 'hashedrekord',
    spec: {
      hashedRekordV002: { data: { algorithm: 'SHA2_256', digest }, signature: { content: signed.signature.toString('base64'), verifier } },
    },
  });
}

/**
 * A checkpoint (C2SP signed note) for a tree of `size` with this root: the
 * note, a blank line, and the log's signature line, whose first four bytes
 * are the key hint sigstore-js matches against the start of the log ID.
 */
export function signCheckpoint(log: TestLog, size: number, root: Buffer): string {
  const note = `${log.origin}\n${size}\n${root.toString('base64')}\n`;
  const signature = log.version === 2 ? sign(null, Buffer.from(note), log.privateKey) : sign('sha256', Buffer.from(note), log.privateKey);
  const signed = Buffer.concat([Buffer.from(log.logID, 'hex').subarray(0, 4), signature]);
  return `${note}\n\u2014 ${log.signerName} ${signed.toString('base64')}\n`;
}

/**
 * The RFC 6962 root of a tree of `size` leaves with `leafHash` at `index`,
 * and the audit path from it. The other leaves are never seen, so each
 * subtree without the entry is a made-up hash: nothing can tell, and a tree
 * of millions costs a few dozen hashes.
 */
export function inclusion(leafHash: Buffer, index: number, size: number): { root: Buffer; proof: Buffer[] } {
  if (!(index >= 0 && index < size)) throw new Error(`leaf ${index} is not in a tree of ${size}`);
  const node = (left: Buffer, right: Buffer) =>
    createHash('sha256')
      .update(Buffer.from([1]))
      .update(left)
      .update(right)
      .digest();
  const opaque = (start: number, count: number) => createHash('sha256').update(`subtree ${start}+${count}`).digest();
  const walk = (start: number, count: number): { root: Buffer; proof: Buffer[] } => {
    if (count === 1) return { root: leafHash, proof: [] };
    let split = 1;
    while (split * 2 < count) split *= 2;
    if (index - start < split) {
      const left = walk(start, split);
      const right = opaque(start + split, count - split);
      return { root: node(left.root, right), proof: [...left.proof, right] };
    }
    const right = walk(start + split, count - split);
    const left = opaque(start, split);
    return { root: node(left, right.root), proof: [...right.proof, left] };
  };
  return walk(0, size);
}
