import { createHash } from 'node:crypto';
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  type TransparencyLogEntry,
  ValidationError,
  bundleFromJSON,
} from '@sigstore/bundle';
import { RFC3161Timestamp, X509Certificate, crypto as sigstoreCrypto, pem } from '@sigstore/core';
import {
  PolicyError,
  type SignedEntity,
  type Signer,
  type TrustMaterial,
  Verifier,
  VerificationError as SigstoreVerificationError,
  toSignedEntity,
} from '@sigstore/verify';
import { type IdentityPolicy, identityMismatch } from './identity-policy.js';
import { SignatureCheckError } from './signature-check-error.js';
import type { Trust } from './trusted-root.js';

/**
 * The one verification core every signature goes through, whatever layout it
 * was stored in: a Sigstore bundle (cosign 3 referrers), or a legacy cosign
 * `.sig` layer rebuilt as a v0.1 bundle. sigstore-js (@sigstore/verify) does
 * the cryptography; this module adds the checks it leaves out, decides the
 * thresholds, and turns each failure into one sentence naming the check.
 * Nothing here knows about images: what a signature must say about an image
 * (the payload or statement names its digest) is checked by the caller first.
 */

export interface VerifiedSigner {
  /** The certificate's SAN, for keyless signatures. */
  subject?: string;
  issuer?: string;
  keyed: boolean;
}

export interface VerifyContext {
  /** The digest the signature is attached to: every failure names it. */
  digest: string;
  trust: Trust;
  policy: IdentityPolicy;
  /** What the signed bytes are called in messages: "payload", "printed payload" (read back from a README), "statement". */
  payloadName?: string;
}

export interface BundleVerifyOptions {
  /** The signed bytes of a message-signature bundle (for an image: the payload). DSSE bundles carry theirs. */
  artifact?: Buffer;
}

/** The bundle versions this verifier knows; a later one may mean what it does not check. */
const KNOWN_BUNDLE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
]);

/** Reads a bundle's JSON; a bundle that is not one fails the check its missing or broken part belongs to. */
export function parseSigstoreBundle(json: unknown, digest: string): Bundle {
  checkKnownVersion((json as { mediaType?: unknown } | null)?.mediaType, digest);
  checkSignatureEncoding(json, digest);
  try {
    return bundleFromJSON(json);
  } catch (error) {
    if (error instanceof ValidationError) throw bundleShapeFailure(error, digest);
    // protobuf's reader throws whatever JavaScript throws on values of the wrong type
    throw new SignatureCheckError(digest, 'b', `the signature bundle cannot be read (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Verifies a Sigstore bundle offline against the trust: sigstore-js checks, in
 * this order, (f) every RFC 3161 timestamp with the trusted TSAs, (c) the
 * certificate (or the given key) at every trusted time — the TSA's and the
 * log's integrated time when an inclusion promise signs it — and its SCT,
 * (d) each log entry's inclusion promise and/or inclusion proof with its
 * signed checkpoint, (e) that the entry is this signature, then (b) the
 * signature over the DSSE pre-authentication encoding or the artifact. Around
 * it: the message digest must be the artifact's (a), the chain must not bring
 * its own root (c), the log entry must name this certificate (e), and the
 * signer must be inside the policy (keyless only: a key is its own identity).
 */
export function verifyBundle(bundle: Bundle, context: VerifyContext, options: BundleVerifyOptions = {}): VerifiedSigner {
  const { digest, trust } = context;
  const payloadName = context.payloadName ?? (bundle.content.$case === 'dsseEnvelope' ? 'statement' : 'payload');
  checkKnownVersion(bundle.mediaType, digest);
  const artifact = messageArtifact(bundle, options.artifact, digest, payloadName);
  const keyed = bundle.verificationMaterial.content.$case === 'publicKey';
  if (keyed && !trust.publicKey) {
    throw new SignatureCheckError(digest, 'b', 'the signature has no certificate (keyed signing); pass the public key with --key FILE');
  }
  const entity = signedEntity(bundle, artifact, digest);
  checkLogEntriesAreSane(bundle.verificationMaterial.tlogEntries, digest);
  if (!keyed) requireTrustedTime(entity, digest);

  const material = entity.key.$case === 'certificate' ? trust.forIssuer(entity.key.certificate.issuer) : trust.material;
  let signer: Signer;
  try {
    // Thresholds. A short-lived certificate needs a log entry and a trusted
    // time (the log's integrated time, or a TSA's for Rekor v2, which has
    // none), and an SCT when the trusted root lists CT logs. A key has no
    // validity window, so a keyed signature needs neither time nor entry,
    // as with cosign --key (--insecure-ignore-tlog without one); whatever
    // entries and timestamps it does carry are verified all the same.
    const verifier = new Verifier(
      material,
      keyed
        ? { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }
        : { tlogThreshold: 1, ctlogThreshold: trust.requiresSct ? 1 : 0, timestampThreshold: 1 },
    );
    signer = verifier.verify(entity);
  } catch (error) {
    throw sigstoreFailure(error, digest, payloadName, { entity, material, dsse: bundle.content.$case === 'dsseEnvelope' });
  }
  if (entity.key.$case === 'certificate') checkLoggedCertificate(bundle.verificationMaterial.tlogEntries, entity.key.certificate, digest);
  return signerWithinPolicy(signer, keyed, context);
}

/**
 * Protobuf's JSON reader decodes bytes leniently (it skips what is not
 * base64), so a mangled signature would be read as other bytes; the
 * signature is refused as what it is instead.
 */
function checkSignatureEncoding(json: unknown, digest: string): void {
  const bundle = json as { messageSignature?: { signature?: unknown }; dsseEnvelope?: { signatures?: { sig?: unknown }[] } } | null;
  const signatures = [
    bundle?.messageSignature?.signature,
    ...(Array.isArray(bundle?.dsseEnvelope?.signatures) ? bundle.dsseEnvelope.signatures.map((signature) => signature?.sig) : []),
  ];
  for (const signature of signatures) {
    if (typeof signature === 'string' && !isBase64(signature))
      throw new SignatureCheckError(digest, 'b', "the bundle's signature is not base64");
  }
}

/** Base64 as protobuf JSON allows it: standard or URL-safe alphabet, padded or not. */
function isBase64(text: string): boolean {
  const unpadded = text.replace(/={1,2}$/, '');
  return /^[A-Za-z0-9+/_-]*$/.test(unpadded) && unpadded.length % 4 !== 1 && (unpadded === text || text.length % 4 === 0);
}

/** A later bundle version may carry what this verifier would not check: (b), the signature cannot be read as one. */
function checkKnownVersion(mediaType: unknown, digest: string): void {
  if (typeof mediaType !== 'string' || !KNOWN_BUNDLE_MEDIA_TYPES.has(mediaType)) {
    throw new SignatureCheckError(
      digest,
      'b',
      `the signature bundle's mediaType ${JSON.stringify(mediaType ?? null)} is not a Sigstore bundle version this verifier knows (0.1 to 0.3)`,
    );
  }
}

/** The signer sigstore-js verified, checked against the identity policy (keyless only: a key is its own identity). */
export function signerWithinPolicy(signer: Signer, keyed: boolean, context: VerifyContext): VerifiedSigner {
  const verified: VerifiedSigner = { keyed };
  const subject = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  if (subject !== undefined) verified.subject = subject;
  if (issuer !== undefined) verified.issuer = issuer;
  if (!keyed) {
    const mismatch = identityMismatch(context.policy, subject, issuer);
    if (mismatch) throw new SignatureCheckError(context.digest, 'policy', mismatch);
  }
  return verified;
}

// ---- the checks around sigstore-js --------------------------------------------------

const HASH_NAMES: Record<number, string> = { 0: 'sha256', 1: 'sha256', 2: 'sha384', 3: 'sha512', 4: 'sha3-256', 5: 'sha3-384' };

/**
 * A message signature is over the artifact; the bundle's message digest is an
 * unsigned hint of which one, so it must be the artifact's (sigstore-js only
 * compares it with the log entry). Check (a): the bundle names other bytes.
 */
function messageArtifact(bundle: Bundle, artifact: Buffer | undefined, digest: string, payloadName: string): Buffer | undefined {
  if (bundle.content.$case !== 'messageSignature') return undefined;
  if (artifact === undefined) throw new Error('a message-signature bundle is verified over its artifact, and none was given');
  const { messageDigest } = bundle.content.messageSignature;
  const algorithm = HASH_NAMES[messageDigest.algorithm] ?? 'sha256';
  const actual = createHash(algorithm).update(artifact).digest();
  if (!actual.equals(messageDigest.digest)) {
    throw new SignatureCheckError(
      digest,
      'a',
      `the bundle signs ${algorithm}:${messageDigest.digest.toString('hex')}, not this ${payloadName} (${algorithm}:${actual.toString('hex')})`,
    );
  }
  return artifact;
}

/** What sigstore-js verifies, built from the bundle; a part that cannot be parsed fails its own check. */
function signedEntity(bundle: Bundle, artifact: Buffer | undefined, digest: string): SignedEntity {
  const material = bundle.verificationMaterial;
  const timestamps = material.timestampVerificationData?.rfc3161Timestamps ?? [];
  timestamps.forEach((timestamp, index) => {
    try {
      void RFC3161Timestamp.parse(Buffer.from(timestamp.signedTimestamp)).signingTime;
    } catch (error) {
      throw new SignatureCheckError(
        digest,
        'f',
        `RFC 3161 timestamp ${index + 1} of the bundle cannot be read (${(error as Error).message})`,
        { cause: error },
      );
    }
  });
  const certificates =
    material.content.$case === 'x509CertificateChain'
      ? material.content.x509CertificateChain.certificates.map((certificate) => certificate.rawBytes)
      : material.content.$case === 'certificate'
        ? [material.content.certificate.rawBytes]
        : [];
  const parsed = certificates.map((der, index) => {
    try {
      return X509Certificate.parse(Buffer.from(der));
    } catch (error) {
      throw new SignatureCheckError(digest, 'c', `certificate ${index + 1} of the bundle cannot be parsed (${(error as Error).message})`, {
        cause: error,
      });
    }
  });
  // A chain may carry intermediates, never its own root: trust must come from the trusted root alone.
  if (parsed.slice(1).some((certificate) => certificate.subject.equals(certificate.issuer) && safely(() => certificate.verify()))) {
    throw new SignatureCheckError(
      digest,
      'c',
      "the bundle's certificate chain includes a root certificate; a root is trusted only from the trusted root, never from the bundle",
    );
  }
  return toSignedEntity(bundle, artifact);
}

/** Structure sigstore-js does not look at: an index is never negative. */
function checkLogEntriesAreSane(entries: TransparencyLogEntry[], digest: string): void {
  for (const entry of entries) {
    if (entry.logIndex.trim().startsWith('-'))
      throw new SignatureCheckError(digest, 'd', `the transparency-log entry's logIndex ${entry.logIndex} is negative`);
    const proofIndex = entry.inclusionProof?.logIndex;
    if (proofIndex?.trim().startsWith('-')) {
      throw new SignatureCheckError(digest, 'd', `the inclusion proof's logIndex ${proofIndex} is negative`);
    }
  }
}

/**
 * The certificate (or key) is checked at a trusted time, so there must be one:
 * a log's integrated time signed by its inclusion promise (Rekor v1), or an
 * RFC 3161 timestamp (Rekor v2 has no integrated time). Without a log entry
 * there is nothing to check it against, which is check (d).
 */
function requireTrustedTime(entity: SignedEntity, digest: string): void {
  if (trustedTimes(entity).length > 0) return;
  if (entity.tlogEntries.length === 0) {
    throw new SignatureCheckError(
      digest,
      'd',
      'the bundle has no transparency-log entry, and no RFC 3161 timestamp either, so nothing says when it was signed',
    );
  }
  const v2 = entity.tlogEntries.every((entry) => entry.integratedTime === '0' || entry.integratedTime === '');
  throw new SignatureCheckError(
    digest,
    'f',
    v2
      ? 'the bundle has no RFC 3161 timestamp, and its log entry (Rekor v2) has no integrated time, so nothing trusted says when it was signed'
      : "the bundle has no RFC 3161 timestamp, and its log entry's integrated time is not signed by an inclusion promise, so nothing trusted says when it was signed",
  );
}

/** The times sigstore-js checks the certificate at, in its order: each entry's promised integrated time, then each TSA timestamp. */
function trustedTimes(entity: SignedEntity): TrustedTime[] {
  return entity.timestamps.flatMap((timestamp): TrustedTime[] => {
    if (timestamp.$case === 'timestamp-authority') return [{ source: 'tsa', time: timestamp.timestamp.signingTime }];
    const entry = timestamp.tlogEntry;
    return entry.inclusionPromise ? [{ source: 'log', time: new Date(Number(entry.integratedTime) * 1000) }] : [];
  });
}

interface TrustedTime {
  source: 'tsa' | 'log';
  time: Date;
}

/** How a message names a time it used: "the TSA timestamp 2026-06-01T12:00:03Z", "the log's integrated time …". */
export function describeTime({ source, time }: TrustedTime): string {
  return `${source === 'tsa' ? 'the TSA timestamp' : "the log's integrated time"} ${isoTime(time)}`;
}

/** ISO 8601 in UTC, without milliseconds when there are none (log times are whole seconds). */
export function isoTime(time: Date): string {
  return time.toISOString().replace('.000Z', 'Z');
}

/**
 * The part of (e) sigstore-js leaves out: the logged entry names the signer's
 * certificate, not just the same signature. (A signature that verifies with
 * this certificate and equals the logged one is hard to come by otherwise,
 * but the entry is what the README links, so it must be this signer's.)
 */
function checkLoggedCertificate(entries: TransparencyLogEntry[], certificate: X509Certificate, digest: string): void {
  const der = certificate.root.toDER();
  for (const entry of entries) {
    const logged = loggedVerifier(entry.canonicalizedBody);
    if (logged === undefined || !logged.equals(der)) {
      throw new SignatureCheckError(digest, 'e', 'the certificate differs from the one in the logged entry');
    }
  }
}

/** The certificate (DER) a Rekor entry body names as the verifier, for every kind sigstore-js verifies. */
function loggedVerifier(canonicalizedBody: Buffer): Buffer | undefined {
  try {
    const body = JSON.parse(canonicalizedBody.toString('utf8')) as { kind?: string; apiVersion?: string; spec?: Record<string, unknown> };
    const spec = body.spec ?? {};
    const fromPem = (base64: unknown) =>
      typeof base64 === 'string' ? pem.toDER(Buffer.from(base64, 'base64').toString('utf8')) : undefined;
    const at = (value: unknown, ...keys: (string | number)[]): unknown =>
      keys.reduce<unknown>(
        (current, key) => (current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined),
        value,
      );
    if (body.kind === 'hashedrekord' && body.apiVersion === '0.0.1') return fromPem(at(spec, 'signature', 'publicKey', 'content'));
    if (body.kind === 'dsse' && body.apiVersion === '0.0.1') return fromPem(at(spec, 'signatures', 0, 'verifier'));
    if (body.kind === 'intoto') return fromPem(at(spec, 'content', 'envelope', 'signatures', 0, 'publicKey'));
    const raw =
      at(spec, 'hashedRekordV002', 'signature', 'verifier', 'x509Certificate', 'rawBytes') ??
      at(spec, 'dsseV002', 'signatures', 0, 'verifier', 'x509Certificate', 'rawBytes');
    return typeof raw === 'string' ? Buffer.from(raw, 'base64') : undefined;
  } catch {
    return undefined;
  }
}

function safely(test: () => boolean): boolean {
  try {
    return test();
  } catch {
    return false;
  }
}

// ---- one sentence per failure ------------------------------------------------------

/** What a failure message can say more about, when sigstore-js's own message is terse. */
export interface FailureDetails {
  entity: SignedEntity;
  material: TrustMaterial;
  /** the signature is over a DSSE envelope (else over a message) */
  dsse: boolean;
}

/**
 * A sigstore-js failure as the check it belongs to, in one sentence naming the
 * digest: every error code has its own, and the transparency-log ones tell the
 * inclusion promise, the checkpoint and the inclusion proof apart.
 */
export function sigstoreFailure(error: unknown, digest: string, payloadName: string, details?: FailureDetails): Error {
  if (error instanceof SignatureCheckError) return error;
  if (error instanceof PolicyError) return new SignatureCheckError(digest, 'policy', error.message, { cause: error });
  if (error instanceof ValidationError) return bundleShapeFailure(error, digest);
  if (!(error instanceof SigstoreVerificationError)) return error instanceof Error ? error : new Error(String(error));
  const fail = (check: ConstructorParameters<typeof SignatureCheckError>[1], reason: string) =>
    new SignatureCheckError(digest, check, reason, { cause: error });
  // The switch narrows error.code to never after its last case; a code a later sigstore-js adds still ends up below.
  const code: string = error.code;
  switch (error.code) {
    case 'TIMESTAMP_ERROR':
      return fail('f', timestampFailure(error.message, details));
    case 'CERTIFICATE_ERROR':
      return fail('c', certificateFailure(error.message, (error.cause as Error | undefined)?.message, details));
    case 'PUBLIC_KEY_ERROR':
      return fail('b', `the given public key cannot verify this signature (${error.message})`);
    case 'SIGNATURE_ERROR': {
      const key = details?.entity.key.$case === 'certificate' ? "the certificate's key" : 'the given public key';
      return fail('b', `the signature does not verify over the ${payloadName} with ${key}`);
    }
    case 'TLOG_INCLUSION_PROMISE_ERROR':
      return fail('d', inclusionPromiseFailure(details));
    case 'TLOG_INCLUSION_PROOF_ERROR':
      return fail('d', inclusionProofFailure(error.message, details));
    case 'TLOG_MISSING_INCLUSION_ERROR':
      return fail(
        'd',
        'the log entry carries neither an inclusion promise (SignedEntryTimestamp) nor an inclusion proof, so nothing shows it is in the log',
      );
    case 'TLOG_ERROR':
      return fail(
        'd',
        error.message === 'duplicate tlog entry'
          ? 'the bundle lists the same log entry more than once'
          : `the bundle has no transparency-log entry (${error.message})`,
      );
    case 'TLOG_BODY_ERROR':
      return fail('e', logEntryMismatch(error.message, payloadName, details));
    case 'NOT_IMPLEMENTED_ERROR':
      return fail('b', `the signature uses something this verifier does not implement (${error.message})`);
  }
  return fail('b', `the signature does not verify (${code}: ${error.message})`);
}

/** A bundle that is not well-formed, named by the part that is missing. */
function bundleShapeFailure(error: ValidationError, digest: string): SignatureCheckError {
  const field = error.fields?.[0] ?? '';
  const named = `${field}${(error.fields?.length ?? 0) > 1 ? ` (and ${error.fields.slice(1).join(', ')})` : ''}`;
  const fail = (check: ConstructorParameters<typeof SignatureCheckError>[1], reason: string) =>
    new SignatureCheckError(digest, check, reason, { cause: error });
  if (/^verificationMaterial\.tlogEntries\[\d+\]\.inclusionProof\.checkpoint/.test(field))
    return fail('d', `the inclusion proof has no checkpoint (${named})`);
  if (/^verificationMaterial\.tlogEntries\[\d+\]\.inclusionProof/.test(field)) {
    return fail('d', `the transparency-log entry has no inclusion proof, which a bundle from version 0.2 on must carry (${named})`);
  }
  if (/^verificationMaterial\.tlogEntries\[\d+\]\.inclusionPromise/.test(field)) {
    return fail(
      'd',
      `the transparency-log entry has no inclusion promise (SignedEntryTimestamp), which a version 0.1 bundle must carry (${named})`,
    );
  }
  if (field.startsWith('verificationMaterial.tlogEntries'))
    return fail('d', `the transparency-log entry is malformed (${named} is missing)`);
  if (field === 'verificationMaterial.content.$case')
    return fail('c', 'a version 0.3 bundle must carry one certificate, not a certificate chain');
  if (field.startsWith('verificationMaterial.content.x509CertificateChain.certificates') && !field.includes('[')) {
    return fail('c', "the bundle's certificate chain is empty");
  }
  if (field.startsWith('verificationMaterial')) return fail('c', `the bundle has no certificate or public key (${named} is missing)`);
  if (field.startsWith('content.messageSignature.messageDigest'))
    return fail('a', `the bundle names no digest of what it signs (${named} is missing)`);
  if (field === 'mediaType') return fail('b', 'the signature bundle has no Sigstore bundle mediaType');
  return fail('b', `the bundle holds no signature (${named} is missing)`);
}

const CHECKPOINT_MESSAGES = new Set([
  'invalid checkpoint signature',
  'missing checkpoint separator',
  'malformed checkpoint signature',
  'no signatures found in checkpoint',
  'too few lines in checkpoint header',
  'invalid checkpoint log size',
]);

function inclusionProofFailure(message: string, details: FailureDetails | undefined): string {
  if (!CHECKPOINT_MESSAGES.has(message))
    return `the inclusion proof does not lead from the entry to the checkpoint's root hash (${message})`;
  if (message !== 'invalid checkpoint signature') return `the log's checkpoint is malformed (${message})`;
  const entry = details?.entity.tlogEntries.find((candidate) => candidate.inclusionProof !== undefined);
  const log = entry && logOf(entry, details);
  if (entry && !log)
    return `the log's checkpoint cannot be verified: the entry's log (ID ${entry.logId.keyId.toString('base64')}) is not in the trusted root`;
  return `no signature on the log's checkpoint is by ${log?.baseURL ?? 'the log'}: none names that log and verifies with its key`;
}

function inclusionPromiseFailure(details: FailureDetails | undefined): string {
  const entry = details?.entity.tlogEntries.find((candidate) => candidate.inclusionPromise !== undefined);
  if (!entry || !details) return 'the inclusion promise (SignedEntryTimestamp) does not verify with a trusted log key';
  const log = logOf(entry, details);
  if (!log)
    return `the inclusion promise (SignedEntryTimestamp) cannot be verified: the entry's log (ID ${entry.logId.keyId.toString('base64')}) is not in the trusted root`;
  const time = new Date(Number(entry.integratedTime) * 1000);
  if (time < log.validFor.start || time > log.validFor.end) {
    return `the key of ${log.baseURL} is trusted ${validity(log.validFor)}, not at ${describeTime({ source: 'log', time })}`;
  }
  return `the inclusion promise (SignedEntryTimestamp) does not verify with the key of ${log.baseURL}`;
}

function logOf(entry: TransparencyLogEntry, details: FailureDetails | undefined): TrustMaterial['tlogs'][number] | undefined {
  return details?.material.tlogs.find((log) => log.logID.equals(entry.logId.keyId));
}

function logEntryMismatch(message: string, payloadName: string, details: FailureDetails | undefined): string {
  switch (message) {
    case 'signature mismatch':
    case 'tlog entry signature mismatch':
      return 'the signature differs from the one in the logged entry';
    case 'digest mismatch':
      return details?.dsse
        ? "the DSSE envelope does not match the logged entry: the sha256 of its pre-authentication encoding differs from the entry's digest"
        : `the ${payloadName} does not match the logged entry: its sha256 differs from the entry's data hash`;
    case 'DSSE payload hash mismatch':
      return `the ${payloadName} does not match the logged entry: its sha256 differs from the entry's payload hash`;
    case 'signature count mismatch':
      return 'the logged entry does not hold exactly one signature, as the bundle does';
  }
  return `the logged entry is not this signature's (${message})`;
}

function validity({ start, end }: { start: Date; end: Date }): string {
  return end.getTime() >= 8.64e15 ? `from ${isoTime(start)}` : `from ${isoTime(start)} to ${isoTime(end)}`;
}

/** Which of the times the certificate was checked at it fails, or why the chain fails at all of them. */
function certificateFailure(message: string, cause: string | undefined, details: FailureDetails | undefined): string {
  if (message === 'SCT verification failed') return "the certificate's SCT does not verify with a CT log key of the trusted root";
  if (/^expected \d+ SCTs/.test(message)) return 'the certificate carries no SCT from a CT log of the trusted root';
  if (message === 'duplicate SCT') return 'the certificate carries the same SCT twice';
  if (!details || details.entity.key.$case !== 'certificate') return `the certificate does not verify (${message})`;
  const leaf = details.entity.key.certificate;
  const times = trustedTimes(details.entity);
  for (const time of times) {
    if (!leaf.validForDate(time.time)) {
      return `the certificate, valid from ${isoTime(leaf.notBefore)} to ${isoTime(leaf.notAfter)}, was not valid at ${describeTime(time)}`;
    }
  }
  const authorities = details.material.certificateAuthorities;
  const at = times.map(describeTime).join(' and ');
  if (authorities.length === 0) return `the certificate was not issued by a Fulcio CA of the trusted root (checked at ${at})`;
  for (const time of times) {
    const current = authorities.filter((authority) => authority.validFor.start <= time.time && time.time <= authority.validFor.end);
    if (current.length === 0)
      return `no Fulcio CA of the trusted root that could have issued the certificate is trusted at ${describeTime(time)}`;
    if (current.every((authority) => !authority.certChain.every((certificate) => certificate.validForDate(time.time)))) {
      return `the Fulcio CA's certificate chain was not valid at ${describeTime(time)}`;
    }
  }
  return `the certificate does not chain to a Fulcio CA of the trusted root at ${at} (${cause ?? message})`;
}

/** Why an RFC 3161 timestamp failed, found by redoing sigstore-js's steps one at a time. */
function timestampFailure(message: string, details: FailureDetails | undefined): string {
  if (message === 'duplicate timestamp') return 'the bundle carries the same timestamp twice';
  if (/^expected \d+ timestamps/.test(message)) return `nothing trusted says when the bundle was signed (${message})`;
  if (!details) return `an RFC 3161 timestamp does not verify with a timestamp authority of the trusted root (${message})`;
  for (const timestamp of details.entity.timestamps) {
    if (timestamp.$case !== 'timestamp-authority') continue;
    const why = whyTimestampFails(timestamp.timestamp, details.entity.signature.signature, details.material.timestampAuthorities);
    if (why) return why;
  }
  return `an RFC 3161 timestamp does not verify with a timestamp authority of the trusted root (${message})`;
}

function whyTimestampFails(
  timestamp: RFC3161Timestamp,
  signature: Buffer,
  authorities: TrustMaterial['timestampAuthorities'],
): string | undefined {
  const time = timestamp.signingTime;
  const of = `the RFC 3161 timestamp of ${isoTime(time)}`;
  const signers = authorities.filter(
    (authority) =>
      authority.certChain[0] !== undefined &&
      sigstoreCrypto.bufferEqual(authority.certChain[0].serialNumber, timestamp.signerSerialNumber) &&
      sigstoreCrypto.bufferEqual(authority.certChain[0].issuer, timestamp.signerIssuer),
  );
  if (signers.length === 0) return `${of} was signed by a timestamp authority the trusted root does not list`;
  const current = signers.filter((authority) => authority.validFor.start <= time && time <= authority.validFor.end);
  if (current.length === 0)
    return `${of} was signed by a timestamp authority the trusted root trusts only ${signers.map((authority) => validity(authority.validFor)).join(', ')}`;
  const reasons = current.map((authority) => {
    const [leaf] = authority.certChain;
    if (!authority.certChain.every((certificate) => certificate.validForDate(time))) {
      return `the certificate chain of the timestamp authority was not valid at the time of the RFC 3161 timestamp, ${isoTime(time)}`;
    }
    try {
      timestamp.tstInfo.verify(signature);
    } catch {
      return `${of} is not over this signature: its message imprint is the hash of other bytes`;
    }
    try {
      timestamp.verify(signature, sigstoreCrypto.createPublicKey((leaf as X509Certificate).publicKey));
    } catch (error) {
      return `${of} does not verify with the timestamp authority's key (${(error as Error).message})`;
    }
    return undefined;
  });
  if (reasons.some((reason) => reason === undefined)) return undefined;
  return reasons[0];
}
