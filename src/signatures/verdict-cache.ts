import { KeptResults, resultKey } from '../fs/kept-results.js';
import type { AttestationRecord, SignatureRecord } from '../state/image-state.js';
import type { IdentityPolicy } from './identity-policy.js';
import type { Trust } from './trusted-root.js';
import type { VerifiedSigner } from './verify-bundle.js';

/**
 * Raise when what a verification checks changes: every verdict kept before
 * is then a miss, so a fix to the verifier re-checks what it passed before
 * (readme-gen's version is in every key too).
 */
const VERDICT_FORMAT = 1;

/**
 * What a signature's verdict is a function of, as one hash: the signature as
 * the state records it (its bytes: payload, signature, certificate, bundle),
 * the digest it is attached to, the trusted root and key (their bytes), the
 * identity policy, and the verifier. Nothing else goes into a verdict:
 * verification reads no clock, checking each certificate at the time its log
 * entry or timestamp gives.
 */
export function verdictKey(
  digest: string,
  record: SignatureRecord | AttestationRecord,
  trust: Pick<Trust, 'fingerprint'>,
  policy: IdentityPolicy,
  /** an attestation's signature is checked as one (no cosign predicate type): a bundle found in both lists gets two verdicts */
  kind: 'signature' | 'attestation' = 'signature',
): string {
  return resultKey([`${kind} verdict`, VERDICT_FORMAT, digest, record, trust.fingerprint, policyInKey(policy)]);
}

/** A policy as a key holds it: its set parts, in one order. */
export function policyInKey(policy: IdentityPolicy): [string, string | undefined][] {
  return Object.entries(policy as Record<string, string | undefined>)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Verified verdicts kept in the cache directory (verdicts/<key>.json), so an
 * unchanged repository re-verifies nothing: the pre-commit hook checks the
 * same signatures on every commit. An entry is used only when the key it
 * holds is the key of the signature, root and policy at hand: a changed root,
 * policy or signature is a miss, and so is an entry planted under another key.
 */
export class VerdictStore extends KeptResults<VerifiedSigner> {
  /** `cacheDir` undefined keeps nothing. */
  constructor(cacheDir: string | undefined) {
    super(cacheDir, 'verdicts', readSigner);
  }
}

/** A kept signer, in signerWithinPolicy's order (a kept verdict prints, with --json, as a verified one); undefined if it is not one. */
export function readSigner(value: unknown): VerifiedSigner | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { subject, issuer, keyed } = value as Partial<Record<keyof VerifiedSigner, unknown>>;
  if (
    typeof keyed !== 'boolean' ||
    !(subject === undefined || typeof subject === 'string') ||
    !(issuer === undefined || typeof issuer === 'string')
  )
    return undefined;
  return { keyed, ...(subject === undefined ? {} : { subject }), ...(issuer === undefined ? {} : { issuer }) };
}
