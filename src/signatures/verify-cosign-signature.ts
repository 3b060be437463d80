import type { Bundle } from '@sigstore/bundle';
import { SignatureCheckError } from './signature-check-error.js';
import type { CosignSignature } from './cosign-signature.js';
import { type RekorEntryBody, decodeEntryBody, toLegacyBundle } from './legacy-bundle.js';
import { type VerifiedSigner, type VerifyContext, sigstoreFailure, verifyBundle } from './verify-bundle.js';

/**
 * Verifies one legacy cosign signature offline, as `cosign verify` does:
 * (a) the payload names the digest it is attached to — the image-specific
 * step, done here — then, through the core (verify-bundle.ts): (f) cosign's
 * RFC 3161 timestamp, if any, over the signature bytes; (c) the certificate
 * chains to a trusted Fulcio CA and was valid at the entry's integratedTime
 * (and at the TSA's time); (d) the SignedEntryTimestamp verifies with the log
 * key the bundle names; (e) the logged entry is this signature: same payload
 * hash, signature and certificate; (b) the signature holds over the payload
 * bytes with the certificate's key, or the given public key. Then the signer
 * must be inside the policy.
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
    if (!keyed)
      throw new SignatureCheckError(
        digest,
        'd',
        'no transparency-log entry (dev.sigstore.cosign/bundle) proves when the short-lived certificate was used',
      );
    return verifyKeyedWithoutLog(signature, context, payloadName);
  }
  const body = decodeEntryBody(signature.bundle);
  if (!body) throw new SignatureCheckError(digest, 'd', 'the logged entry body is not a Rekor entry');
  if (body.kind !== 'hashedrekord')
    throw new SignatureCheckError(digest, 'e', `the logged entry is a ${body.kind} entry; only hashedrekord entries are supported`);

  // As a v0.1 bundle (certificate, message signature over the payload, one
  // Rekor entry with its inclusion promise, cosign's RFC 3161 timestamp if
  // any) it goes through the same core as cosign 3's bundles.
  return verifyBundle(
    legacyBundle(signature, body, digest, payloadName),
    { ...context, payloadName },
    { artifact: signature.payloadBytes },
  );
}

/** A keyed signature without a log entry: the signature over the payload with the given key, and its timestamp if it has one. */
function verifyKeyedWithoutLog(signature: CosignSignature, context: VerifyContext, payloadName: string): VerifiedSigner {
  const bundle = legacyBundle(signature, undefined, context.digest, payloadName);
  return verifyBundle(bundle, { ...context, payloadName }, { artifact: signature.payloadBytes });
}

function legacyBundle(signature: CosignSignature, body: RekorEntryBody | undefined, digest: string, payloadName: string): Bundle {
  try {
    return toLegacyBundle(signature, signature.bundle, body);
  } catch (error) {
    throw sigstoreFailure(error, digest, payloadName);
  }
}
