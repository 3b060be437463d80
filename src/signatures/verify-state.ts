import type { ImageState, SignatureRecord } from '../state/image-state.js';
import { type CosignSignature, readCosignSignature } from './cosign-signature.js';
import type { IdentityPolicy } from './identity-policy.js';
import { SignatureCheckError } from './signature-check-error.js';
import { type BundleSignature, isSignatureBundle, readSigstoreBundle, verifySigstoreBundle } from './sigstore-bundle.js';
import type { Trust } from './trusted-root.js';
import { type VerifiedSigner, verifyCosignSignature } from './verify-cosign-signature.js';

/** A signature in either of the layouts cosign stores them in. */
export type ImageSignature = { format: 'cosign'; cosign: CosignSignature } | { format: 'sigstore-bundle'; bundle: BundleSignature };

/** One signature of a digest and what verifying it found. */
export type SignatureVerdict =
  | { verified: true; signature: ImageSignature; signer: VerifiedSigner }
  | { verified: false; failure: SignatureCheckError };

/**
 * Verifies every signature attached to the given digests: legacy `.sig`
 * layers and Sigstore bundle referrers (attestations and SBOMs are not
 * signatures and are left out). A signature that fails is kept with its
 * reason, so the caller decides whether that stops the run (render) or
 * becomes a visible warning.
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
    const context = { digest, trust, policy };
    verdicts.set(
      digest,
      records.filter(isSignature).map((record) =>
        verdictFor(() => {
          if (record.format === 'cosign') {
            const cosign = readCosignSignature(record, digest);
            return { signature: { format: 'cosign', cosign }, signer: verifyCosignSignature(cosign, context) };
          }
          const bundle = readSigstoreBundle(record, digest);
          return { signature: { format: 'sigstore-bundle', bundle }, signer: verifySigstoreBundle(bundle, context) };
        }),
      ),
    );
  }
  return verdicts;
}

function isSignature(record: SignatureRecord): boolean {
  return record.format === 'cosign' || isSignatureBundle(record);
}

function verdictFor(verify: () => { signature: ImageSignature; signer: VerifiedSigner }): SignatureVerdict {
  try {
    return { verified: true, ...verify() };
  } catch (error) {
    if (!(error instanceof SignatureCheckError)) throw error;
    return { verified: false, failure: error };
  }
}

/** The transparency-log entry of a signature, and whether Rekor's search can show it (Rekor v1 only). */
export function logEntryOf(signature: ImageSignature): { logIndex: number; searchable: boolean } | undefined {
  if (signature.format === 'cosign') return signature.cosign.bundle ? { logIndex: signature.cosign.bundle.payload.logIndex, searchable: true } : undefined;
  const entry = signature.bundle.logEntry;
  return entry ? { logIndex: entry.logIndex, searchable: entry.hasInclusionPromise || entry.integratedTime !== undefined } : undefined;
}
