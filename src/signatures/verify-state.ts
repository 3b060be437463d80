import type { ImageState } from '../state/image-state.js';
import { type CosignSignature, readCosignSignature } from './cosign-signature.js';
import type { IdentityPolicy } from './identity-policy.js';
import { SignatureCheckError } from './signature-check-error.js';
import type { Trust } from './trusted-root.js';
import { type VerifiedSigner, verifyCosignSignature } from './verify-cosign-signature.js';

/** One signature of a digest and what verifying it found. */
export type SignatureVerdict =
  | { verified: true; signature: CosignSignature; signer: VerifiedSigner }
  | { verified: false; signature?: CosignSignature; failure: SignatureCheckError };

/**
 * Verifies every legacy cosign signature attached to the given digests.
 * A signature that fails is kept with its reason, so the caller decides
 * whether that stops the run (render) or becomes a visible warning.
 */
export function verifyStateSignatures(
  state: ImageState,
  digests: Iterable<string>,
  trust: Trust,
  policy: IdentityPolicy,
): Map<string, SignatureVerdict[]> {
  const verdicts = new Map<string, SignatureVerdict[]>();
  for (const digest of digests) {
    const records = state.images[digest as keyof ImageState['images']]?.signatures ?? [];
    verdicts.set(
      digest,
      records.flatMap((record) => (record.format === 'cosign' ? [verdictFor(() => readCosignSignature(record, digest), digest, trust, policy)] : [])),
    );
  }
  return verdicts;
}

function verdictFor(read: () => CosignSignature, digest: string, trust: Trust, policy: IdentityPolicy): SignatureVerdict {
  let signature: CosignSignature | undefined;
  try {
    signature = read();
    return { verified: true, signature, signer: verifyCosignSignature(signature, { digest, trust, policy }) };
  } catch (error) {
    if (!(error instanceof SignatureCheckError)) throw error;
    return signature ? { verified: false, signature, failure: error } : { verified: false, failure: error };
  }
}
