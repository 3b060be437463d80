import type { Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_MEDIA_TYPE, type SigstoreBundleRecord } from '../state/image-state.js';
import { type InTotoStatement, parseStatement } from './in-toto-statement.js';
import { SignatureCheckError } from './signature-check-error.js';
import { type VerifiedSigner, type VerifyContext, parseSigstoreBundle, verifyBundle } from './verify-bundle.js';

/** A Sigstore bundle attached as an OCI referrer, read into what the README shows of it: its in-toto statement, and the bundle. */
export interface BundleSignature extends InTotoStatement {
  bundle: Bundle;
  /** the transparency-log entry, when there is one */
  logEntry?: { logIndex: number; integratedTime?: number; hasInclusionPromise: boolean; logId: Buffer };
  issuerName?: Buffer;
}

/** Whether a referrer is a signature (not an attestation or SBOM): cosign tells them apart by predicate type. */
export function isSignatureBundle(record: SigstoreBundleRecord): boolean {
  const annotated = record.annotations?.['dev.sigstore.bundle.predicateType'];
  return annotated === undefined || annotated === COSIGN_SIGN_PREDICATE;
}

/**
 * A bundle referrer, read as `cosign verify` (v3) reads it. cosign verifies
 * every bundle referrer of an image against the image digest and keeps only
 * those holding a DSSE envelope (pkg/cosign/verify.go
 * verifyImageAttestationsSigstoreBundle: "bundle does not contain a DSSE
 * envelope"), so a message-signature bundle — even one whose messageDigest is
 * the image digest — is a signature cosign refuses, never an image signature
 * and never "unsigned": it fails check (a) here.
 */
export function readSigstoreBundle(record: SigstoreBundleRecord, digest: string): BundleSignature {
  const bundle = parseSigstoreBundle(record.bundle, digest);
  const content = bundle.content;
  if (content?.$case === 'messageSignature') {
    throw new SignatureCheckError(
      digest,
      'a',
      `the Sigstore bundle in ${record.manifestDigest} holds a message signature, which cosign does not accept as an image signature (it verifies only DSSE-envelope bundles for images)`,
    );
  }
  if (content?.$case !== 'dsseEnvelope' || content.dsseEnvelope.payloadType !== IN_TOTO_MEDIA_TYPE) {
    throw new SignatureCheckError(digest, 'a', `the Sigstore bundle in ${record.manifestDigest} does not hold an in-toto statement`);
  }
  const signature: BundleSignature = { bundle, ...parseStatement(content.dsseEnvelope.payload, digest) };
  const logEntry = bundleLogEntry(bundle);
  if (logEntry) signature.logEntry = logEntry;
  const der = bundleCertificate(bundle);
  if (der) {
    try {
      signature.issuerName = X509Certificate.parse(der).issuer;
    } catch (error) {
      throw new SignatureCheckError(digest, 'c', `the bundle's certificate cannot be parsed (${(error as Error).message})`, {
        cause: error,
      });
    }
  }
  return signature;
}

/** The bundle's first transparency-log entry, undefined when it has none. */
export function bundleLogEntry(bundle: Bundle): BundleSignature['logEntry'] {
  const [entry] = bundle.verificationMaterial?.tlogEntries ?? [];
  if (!entry) return undefined;
  const logEntry: NonNullable<BundleSignature['logEntry']> = {
    logIndex: Number(entry.logIndex),
    hasInclusionPromise: entry.inclusionPromise !== undefined,
    logId: Buffer.from(entry.logId?.keyId ?? []),
  };
  if (entry.integratedTime !== '0') logEntry.integratedTime = Number(entry.integratedTime);
  return logEntry;
}

/** The DER of the certificate that signed the bundle (a chain's leaf); undefined when a key signed it. */
export function bundleCertificate(bundle: Bundle): Buffer<ArrayBuffer> | undefined {
  const material = bundle.verificationMaterial?.content;
  const der =
    material?.$case === 'certificate'
      ? material.certificate.rawBytes
      : material?.$case === 'x509CertificateChain'
        ? material.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  return der ? Buffer.from(der) : undefined;
}

/**
 * Verifies a cosign v3 signature bundle offline: first what makes it a
 * signature of this image (checkCosignStatement), then the Sigstore bundle
 * itself through the one verification core (verify-bundle.ts: the DSSE
 * signature, the certificate at the trusted time, the log entry with its
 * inclusion promise and/or proof, RFC 3161 timestamps) and the identity policy.
 */
export function verifySigstoreBundle(signature: BundleSignature, context: VerifyContext): VerifiedSigner {
  checkCosignStatement(signature, context.digest);
  return verifyBundle(signature.bundle, context);
}

/**
 * The image-specific step, apart from the core so that it can be set aside
 * (the conformance vectors are not image signatures): the statement must be
 * a cosign signature (predicate type cosign/sign/v1) whose subject is this
 * digest. Check (a).
 */
export function checkCosignStatement(signature: Pick<BundleSignature, 'predicateType' | 'subjects'>, digest: string): void {
  if (signature.predicateType !== COSIGN_SIGN_PREDICATE) {
    throw new SignatureCheckError(
      digest,
      'a',
      `the bundle's statement is a ${signature.predicateType || '(missing)'} predicate, not a cosign signature`,
    );
  }
  checkStatementSubject(signature.subjects, digest);
}

/** The statement names this digest among its subjects (sha256:<hex>). Check (a). */
export function checkStatementSubject(subjects: readonly string[], digest: string): void {
  if (!subjects.includes(digest)) {
    throw new SignatureCheckError(digest, 'a', `the bundle's statement signs ${subjects.join(', ') || 'no digest'}, not this digest`);
  }
}
