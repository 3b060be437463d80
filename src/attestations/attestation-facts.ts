import type { FulcioIdentity } from '../signatures/fulcio-certificate.js';
import type { SignatureCheckError } from '../signatures/signature-check-error.js';
import type { VerifiedSigner } from '../signatures/verify-bundle.js';
import type { LogEntry } from '../signatures/verify-state.js';
import type { AttestationRecord, Digest } from '../state/image-state.js';

/**
 * What a README may say about an attestation: facts read from a statement
 * whose signature (if it has one) verified and whose subject names the image
 * or one of its platforms. Render, pr and verify see only these, never the
 * statement itself.
 */

/** How an attestation is signed: BuildKit's are never; a cosign or bundle one is shown only once verified. */
export type AttestationSigning =
  | { signed: false }
  | {
      signed: true;
      signer: VerifiedSigner;
      /** the signing certificate's identity (absent for a keyed signature) */
      identity?: FulcioIdentity;
      logEntry?: LogEntry;
    };

interface StatementFacts {
  /** the in-toto predicate type, as the statement names it */
  predicateType: string;
  /** the digest the statement names: the image's (index or manifest) or one platform's */
  subject: Digest;
  form: AttestationRecord['format'];
  /** the manifest that holds it: the `.att` manifest, the referrer, or BuildKit's attestation manifest */
  manifestDigest: Digest;
  signing: AttestationSigning;
}

/** SLSA provenance, v1 (`https://slsa.dev/provenance/v1`) or v0.2; every field is what the statement says, absent when it says nothing. */
export interface ProvenanceFacts extends StatementFacts {
  kind: 'provenance';
  /** e.g. https://github.com/acme/app */
  sourceRepository?: string;
  /** the commit the build ran on (hex) */
  sourceCommit?: string;
  builderId?: string;
  /** the workflow that ran the build, e.g. .github/workflows/release.yml */
  buildWorkflow?: string;
  /** e.g. push, workflow_dispatch */
  trigger?: string;
  /** RFC 3339, UTC */
  buildStartedOn?: string;
  buildFinishedOn?: string;
}

/** An SBOM: SPDX (`https://spdx.dev/Document`) or CycloneDX (`https://cyclonedx.org/bom`). */
export interface SbomFacts extends StatementFacts {
  kind: 'sbom';
  format: 'SPDX' | 'CycloneDX';
  /** the format's own version, e.g. SPDX-2.3, 1.5 */
  formatVersion?: string;
  packageCount: number;
}

/** Any other predicate (a vulnerability scan, a custom one): named, not read. */
export interface OtherAttestationFacts extends StatementFacts {
  kind: 'other';
}

export type AttestationFacts = ProvenanceFacts | SbomFacts | OtherAttestationFacts;

/** One attestation record and what verifying and reading it found; a failure names the check, as a signature's does. */
export type AttestationVerdict =
  { verified: true; facts: AttestationFacts } | { verified: false; record: AttestationRecord; failure: SignatureCheckError };
