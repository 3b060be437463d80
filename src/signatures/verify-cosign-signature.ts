import { crypto as sigstoreCrypto, pem } from '@sigstore/core';
import { ValidationError } from '@sigstore/bundle';
import { PolicyError, type Signer, Verifier, VerificationError as SigstoreVerificationError, toSignedEntity } from '@sigstore/verify';
import { SignatureCheckError } from './signature-check-error.js';
import type { CosignSignature } from './cosign-signature.js';
import { type IdentityPolicy, identityMismatch } from './identity-policy.js';
import { type RekorEntryBody, decodeEntryBody, toLegacyBundle } from './legacy-bundle.js';
import type { Trust } from './trusted-root.js';

export interface VerifiedSigner {
  /** The certificate's SAN, for keyless signatures. */
  subject?: string;
  issuer?: string;
  keyed: boolean;
}

export interface VerifyContext {
  /** The digest the signature is attached to. */
  digest: string;
  trust: Trust;
  policy: IdentityPolicy;
  /** "payload", or "printed payload" when the claims were read back from a README. */
  payloadName?: string;
}

/**
 * Verifies one legacy cosign signature offline, as `cosign verify` does:
 * (a) the payload names the digest it is attached to; (b) the signature holds
 * over the payload bytes with the certificate's key, or the given public key;
 * (c) the certificate chains to a trusted Fulcio CA and was valid at the
 * entry's integratedTime; (d) the SignedEntryTimestamp verifies with the log
 * key the bundle names; (e) the logged entry is this signature: same payload
 * hash, signature and certificate. Then the signer must be inside the policy.
 * sigstore-js does (b)–(d) and half of (e); the rest is cosign-specific.
 */
export function verifyCosignSignature(signature: CosignSignature, context: VerifyContext): VerifiedSigner {
  const { digest, trust } = context;
  const payloadName = context.payloadName ?? 'payload';
  const signed = signature.payload.critical.image.dockerManifestDigest;
  if (signed !== digest) throw new SignatureCheckError(digest, 'a', `the ${payloadName} signs ${signed}, not this digest`);

  const keyed = signature.certificate === undefined;
  if (keyed && !trust.publicKey) {
    throw new SignatureCheckError(digest, 'b', 'the signature has no certificate (keyed signing); pass the public key with --key FILE');
  }
  if (!signature.bundle) {
    if (!keyed) throw new SignatureCheckError(digest, 'd', 'no transparency-log entry (dev.sigstore.cosign/bundle) proves when the short-lived certificate was used');
    return verifyKeyedWithoutLog(signature, context);
  }
  const body = decodeEntryBody(signature.bundle);
  if (!body) throw new SignatureCheckError(digest, 'd', 'the logged entry body is not a Rekor entry');
  if (body.kind !== 'hashedrekord') throw new SignatureCheckError(digest, 'e', `the logged entry is a ${body.kind} entry; only hashedrekord entries are supported`);

  let signer;
  try {
    // sigstore-js checks, in this order: (c) the certificate at the entry's
    // time, (d) the SET, (e) the entry's hash and signature, (b) the signature.
    const material = signature.certificate ? trust.forIssuer(signature.certificate.identity.issuerName) : trust.material;
    const verifier = new Verifier(material, { tlogThreshold: 1, ctlogThreshold: !keyed && trust.requiresSct ? 1 : 0, timestampThreshold: 1 });
    signer = verifier.verify(toSignedEntity(toLegacyBundle(signature, signature.bundle, body), signature.payloadBytes));
  } catch (error) {
    throw sigstoreFailure(error, digest, payloadName);
  }
  if (signature.certificate && !loggedCertificateIs(body, signature.certificate.pem)) {
    // The part of (e) sigstore-js leaves out: the entry's certificate is the one presented.
    throw new SignatureCheckError(digest, 'e', 'the certificate differs from the one in the logged entry');
  }
  return signerWithinPolicy(signer, keyed, context);
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

function loggedCertificateIs(body: RekorEntryBody, certificatePem: string): boolean {
  if (body.publicKey === undefined) return false;
  try {
    return pem.toDER(Buffer.from(body.publicKey, 'base64').toString('utf8')).equals(pem.toDER(certificatePem));
  } catch {
    return false;
  }
}

function verifyKeyedWithoutLog(signature: CosignSignature, context: VerifyContext): VerifiedSigner {
  const key = context.trust.publicKey;
  const valid = key !== undefined && sigstoreCrypto.verify(signature.payloadBytes, key, Buffer.from(signature.signature, 'base64'));
  if (!valid) throw new SignatureCheckError(context.digest, 'b', 'the signature does not verify over the payload with the given public key');
  return { keyed: true };
}

function logEntryMismatch(message: string, payloadName: string): string {
  if (message === 'digest mismatch') return `the ${payloadName} does not match the logged entry: its sha256 differs from the entry's data hash`;
  if (message === 'signature mismatch') return 'the signature differs from the one in the logged entry';
  return `the logged entry does not match this signature (${message})`;
}

export function sigstoreFailure(error: unknown, digest: string, payloadName: string): Error {
  if (error instanceof PolicyError) return new SignatureCheckError(digest, 'policy', error.message, { cause: error });
  if (error instanceof ValidationError) return new SignatureCheckError(digest, 'd', `the transparency-log entry is malformed (${error.message})`, { cause: error });
  if (!(error instanceof SigstoreVerificationError)) return error instanceof Error ? error : new Error(String(error));
  switch (error.code) {
    case 'SIGNATURE_ERROR':
    case 'PUBLIC_KEY_ERROR':
      return new SignatureCheckError(digest, 'b', `the signature does not verify over the ${payloadName} (${error.message})`, { cause: error });
    case 'CERTIFICATE_ERROR':
      return new SignatureCheckError(digest, 'c', `the certificate does not chain to a trusted Fulcio CA valid at the entry's integratedTime (${error.message})`, { cause: error });
    case 'TLOG_BODY_ERROR':
      return new SignatureCheckError(digest, 'e', logEntryMismatch(error.message, payloadName), { cause: error });
    default:
      return new SignatureCheckError(digest, 'd', `the SignedEntryTimestamp does not verify with a trusted log key (${error.code}: ${error.message})`, { cause: error });
  }
}
