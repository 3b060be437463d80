import type { Bundle } from '@sigstore/bundle';
import type { ImageState, SignatureRecord } from '../state/image-state.js';
import { type CosignSignature, readCosignSignature } from './cosign-signature.js';
import type { IdentityPolicy } from './identity-policy.js';
import { SignatureCheckError } from './signature-check-error.js';
import { type BundleSignature, bundleLogEntry, isSignatureBundle, readSigstoreBundle, verifySigstoreBundle } from './sigstore-bundle.js';
import type { Trust } from './trusted-root.js';
import type { VerifiedSigner } from './verify-bundle.js';
import { type VerdictStore, verdictKey } from './verdict-cache.js';
import { verifyCosignSignature } from './verify-cosign-signature.js';

/** A signature in either of the layouts cosign stores them in. */
export type ImageSignature = { format: 'cosign'; cosign: CosignSignature } | { format: 'sigstore-bundle'; bundle: BundleSignature };

/** One signature of a digest and what verifying it found. */
export type SignatureVerdict =
  | { verified: true; signature: ImageSignature; signer: VerifiedSigner; logEntry?: LogEntry }
  | { verified: false; failure: SignatureCheckError };

/** A verified signature's transparency-log entry, as a README can show it. */
export interface LogEntry {
  logIndex: number;
  /** A Rekor v1 entry, which search.sigstore.dev can show; Rekor v2 logs have no page for an entry. */
  searchable: boolean;
  /** The host of the log's baseUrl in the trusted root (e.g. log2025-1.rekor.sigstore.dev), looked up by the entry's log ID. */
  logHost?: string;
}

/** Verdicts reached in this process, by verdictKey: an --all run over images that share a signature verifies it once. */
const reached = new Map<string, SignatureVerdict>();

/**
 * Verifies every signature attached to the given digests: legacy `.sig`
 * layers and Sigstore bundle referrers (attestations and SBOMs are not
 * signatures and are left out). A signature that fails is kept with its
 * reason, so the caller decides whether that stops the run (render) or
 * becomes a visible warning. A verdict is a function of the signature, the
 * digest, the trust and the policy alone (verdictKey), so each is reached
 * once per process, and a verified one is kept in `store` for later runs.
 */
export function verifyStateSignatures(
  state: ImageState,
  digests: Iterable<string>,
  trust: Trust,
  policy: IdentityPolicy,
  store?: VerdictStore,
): Map<string, SignatureVerdict[]> {
  const verdicts = new Map<string, SignatureVerdict[]>();
  for (const digest of digests) {
    const records = state.images[digest as keyof ImageState['images']]?.signatures ?? [];
    const context = { digest, trust, policy };
    verdicts.set(
      digest,
      records.filter(isSignature).map((record) => {
        const key = verdictKey(digest, record, trust, policy);
        let verdict = reached.get(key);
        if (!verdict) {
          verdict = verdictFor(trust, () => {
            const signature = readSignature(record, digest);
            const verify = () =>
              signature.format === 'cosign'
                ? verifyCosignSignature(signature.cosign, context)
                : verifySigstoreBundle(signature.bundle, context);
            return { signature, signer: store ? store.kept(key, verify) : verify() };
          });
          reached.set(key, verdict);
        }
        return verdict;
      }),
    );
  }
  return verdicts;
}

/** A signature record read (parsed, not verified); a part that cannot be read fails its check. */
function readSignature(record: SignatureRecord, digest: string): ImageSignature {
  return record.format === 'cosign'
    ? { format: 'cosign', cosign: readCosignSignature(record, digest) }
    : { format: 'sigstore-bundle', bundle: readSigstoreBundle(record, digest) };
}

function isSignature(record: SignatureRecord): boolean {
  return record.format === 'cosign' || isSignatureBundle(record);
}

function verdictFor(trust: Trust, verify: () => { signature: ImageSignature; signer: VerifiedSigner }): SignatureVerdict {
  try {
    const verified = verify();
    const logEntry = logEntryOf(verified.signature, trust);
    return logEntry ? { verified: true, ...verified, logEntry } : { verified: true, ...verified };
  } catch (error) {
    if (!(error instanceof SignatureCheckError)) throw error;
    return { verified: false, failure: error };
  }
}

/**
 * The transparency-log entry of a signature, named by the trusted root's log
 * with that ID. A Rekor v1 entry — every legacy one, and a bundle's with an
 * inclusion promise or an integrated time — can be looked up on
 * search.sigstore.dev; a Rekor v2 entry (no promise, no time) cannot: the
 * search knows v1 logs only, so it is named by its log's host and index
 * (without `trust`, the log is not looked up and not named). A verified
 * verdict carries this already, as `logEntry`.
 */
export function logEntryOf(signature: ImageSignature, trust?: Pick<Trust, 'material'>): LogEntry | undefined {
  if (signature.format === 'cosign') {
    const bundle = signature.cosign.bundle;
    return bundle
      ? withLogHost({ logIndex: bundle.payload.logIndex, searchable: true }, Buffer.from(bundle.payload.logID, 'hex'), trust)
      : undefined;
  }
  return bundleEntryOf(signature.bundle.logEntry, trust);
}

/** The transparency-log entry of a verified bundle (an attestation's, whatever form it was stored in), as logEntryOf names it. */
export function bundleLogEntryOf(bundle: Bundle, trust?: Pick<Trust, 'material'>): LogEntry | undefined {
  return bundleEntryOf(bundleLogEntry(bundle), trust);
}

function bundleEntryOf(entry: BundleSignature['logEntry'], trust: Pick<Trust, 'material'> | undefined): LogEntry | undefined {
  if (!entry) return undefined;
  return withLogHost(
    { logIndex: entry.logIndex, searchable: entry.hasInclusionPromise || entry.integratedTime !== undefined },
    entry.logId,
    trust,
  );
}

function withLogHost(entry: LogEntry, logId: Buffer, trust: Pick<Trust, 'material'> | undefined): LogEntry {
  const baseUrl = trust?.material.tlogs.find((log) => log.logID.equals(logId))?.baseURL;
  if (baseUrl === undefined) return entry;
  try {
    return { ...entry, logHost: new URL(baseUrl).host };
  } catch {
    return entry;
  }
}
