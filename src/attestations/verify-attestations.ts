import type { Bundle } from '@sigstore/bundle';
import { readFulcioIdentity } from '../signatures/fulcio-certificate.js';
import type { IdentityPolicy } from '../signatures/identity-policy.js';
import { type InTotoStatement, isObject, parseStatement } from '../signatures/in-toto-statement.js';
import { decodeEntryBody, toLegacyDsseBundle } from '../signatures/legacy-bundle.js';
import { parseRekorBundle } from '../signatures/rekor-bundle.js';
import { SignatureCheckError } from '../signatures/signature-check-error.js';
import { bundleCertificate, readSigstoreBundle } from '../signatures/sigstore-bundle.js';
import type { Trust } from '../signatures/trusted-root.js';
import { type VerifiedSigner, sigstoreFailure, verifyBundle } from '../signatures/verify-bundle.js';
import { bundleLogEntryOf } from '../signatures/verify-state.js';
import { type VerdictStore, verdictKey } from '../signatures/verdict-cache.js';
import {
  type AttestationRecord,
  type BuildkitAttestationRecord,
  type CosignAttestationRecord,
  type Digest,
  IN_TOTO_MEDIA_TYPE,
  type ImageState,
} from '../state/image-state.js';
import type { AttestationFacts, AttestationSigning, AttestationVerdict } from './attestation-facts.js';
import { isProvenance, readProvenanceFacts } from './provenance-facts.js';
import { readSbomFacts } from './sbom-facts.js';

/** An attestation record read: its statement, and the bundle that signs it (none for BuildKit's). */
export interface ReadAttestation {
  statement: InTotoStatement;
  bundle?: Bundle;
}

/** Signature checks reached in this process, by verdictKey: an --all run over images that share an attestation checks it once. */
const reached = new Map<string, VerifiedSigner | SignatureCheckError>();

/**
 * Verifies and reads every attestation of the given digests (a tag's digest:
 * an index or a manifest), with the trust and identity policy signatures use
 * (the config's attestation-identity, else its identity). Each record becomes
 * a verdict: the facts its statement gives, once its subject names the image
 * or one of its platforms (check a) and its signature, if it has one,
 * verifies through the one core (verify-bundle.ts) — a cosign `.att` layer
 * rebuilt as a v0.1 bundle holding its DSSE envelope, a bundle referrer as it
 * is. A BuildKit attestation has no signature: its facts say `signed: false`,
 * never verified. A record that fails is kept with the check it failed, so the
 * caller decides whether that stops the run. Only the signature's check is
 * kept in `store` (by verdictKey, as a signature's is); the statement is read
 * every time, as it is what the facts are read from.
 */
export function verifyStateAttestations(
  state: ImageState,
  digests: Iterable<string>,
  trust: Trust,
  policy: IdentityPolicy,
  store?: VerdictStore,
): Map<string, AttestationVerdict[]> {
  const verdicts = new Map<string, AttestationVerdict[]>();
  for (const digest of digests) {
    const image = state.images[digest as Digest];
    const named = [digest, ...(image?.platforms ?? []).flatMap((platform) => (platform.digest ? [platform.digest] : []))];
    verdicts.set(
      digest,
      (image?.attestations ?? []).map((record) => {
        try {
          return { verified: true, facts: verifyAttestation(record, digest, named, trust, policy, store) };
        } catch (error) {
          if (!(error instanceof SignatureCheckError)) throw error;
          return { verified: false, record, failure: error };
        }
      }),
    );
  }
  return verdicts;
}

function verifyAttestation(
  record: AttestationRecord,
  digest: string,
  named: readonly string[],
  trust: Trust,
  policy: IdentityPolicy,
  store: VerdictStore | undefined,
): AttestationFacts {
  const { statement, bundle } = readAttestation(record, digest);
  const subject = checkSubject(statement.subjects, digest, named, record);
  let signing: AttestationSigning = { signed: false };
  if (bundle) {
    const key = verdictKey(digest, record, trust, policy, 'attestation');
    let outcome = reached.get(key);
    if (outcome === undefined) {
      const verify = () => verifyBundle(bundle, { digest, trust, policy, payloadName: 'statement' });
      try {
        outcome = store ? store.kept(key, verify) : verify();
      } catch (error) {
        if (!(error instanceof SignatureCheckError)) throw error;
        outcome = error;
      }
      reached.set(key, outcome);
    }
    if (outcome instanceof SignatureCheckError) throw outcome;
    signing = { signed: true, signer: outcome };
    const certificate = bundleCertificate(bundle);
    if (certificate) signing.identity = readFulcioIdentity(certificate, digest);
    const logEntry = bundleLogEntryOf(bundle, trust);
    if (logEntry) signing.logEntry = logEntry;
  }
  const base = { predicateType: statement.predicateType, subject, form: record.format, manifestDigest: record.manifestDigest, signing };
  if (isProvenance(statement.predicateType))
    return { kind: 'provenance', ...base, ...readProvenanceFacts(statement.predicateType, statement.predicate) };
  const sbom = readSbomFacts(statement.predicateType, statement.predicate);
  return sbom ? { kind: 'sbom', ...base, ...sbom } : { kind: 'other', ...base };
}

/** A record in any of the three forms as its statement and, when signed, its bundle; what cannot be read fails the check it belongs to. */
export function readAttestation(record: AttestationRecord, digest: string): ReadAttestation {
  switch (record.format) {
    case 'buildkit':
      return { statement: parseStatement(Buffer.from(record.payload, 'base64'), digest) };
    case 'sigstore-bundle': {
      const { bundle, ...statement } = readSigstoreBundle(record, digest);
      return { statement, bundle };
    }
    case 'cosign':
      return readCosignAttestation(record, digest);
  }
}

/**
 * A layer of cosign's `.att` manifest: the DSSE envelope (the layer's bytes),
 * its certificate and Rekor entry (the layer's annotations), rebuilt as a
 * bundle as a `.sig` layer is. cosign logged attestations as `intoto` 0.0.2
 * entries until mid-2023 and as `dsse` 0.0.1 since (sigstore/cosign#3113;
 * `--rekor-entry-type intoto` still asks for the old kind): any other kind is
 * not this envelope's entry.
 */
function readCosignAttestation(record: CosignAttestationRecord, digest: string): ReadAttestation {
  let envelope: unknown;
  try {
    envelope = JSON.parse(Buffer.from(record.payload, 'base64').toString('utf8'));
  } catch {
    throw new SignatureCheckError(
      digest,
      'b',
      `the .att layer ${record.digest} in ${record.manifestDigest} is not a DSSE envelope (not JSON)`,
    );
  }
  if (!isObject(envelope) || envelope.payloadType !== IN_TOTO_MEDIA_TYPE || typeof envelope.payload !== 'string') {
    throw new SignatureCheckError(
      digest,
      'a',
      `the .att layer ${record.digest} in ${record.manifestDigest} does not hold an in-toto statement`,
    );
  }
  const statement = parseStatement(Buffer.from(envelope.payload, 'base64'), digest);
  const certificate = nonEmpty(record.annotations['dev.sigstore.cosign/certificate']);
  const annotation = nonEmpty(record.annotations['dev.sigstore.cosign/bundle']);
  const rekor = annotation === undefined ? undefined : parseRekorBundle(annotation, digest);
  const body = rekor && decodeEntryBody(rekor);
  if (rekor && !body) throw new SignatureCheckError(digest, 'd', 'the logged entry body is not a Rekor entry');
  if (body && !((body.kind === 'intoto' && body.apiVersion === '0.0.2') || (body.kind === 'dsse' && body.apiVersion === '0.0.1'))) {
    throw new SignatureCheckError(
      digest,
      'e',
      `the logged entry is a ${body.kind} ${body.apiVersion} entry; an attestation is logged as intoto 0.0.2 or dsse 0.0.1`,
    );
  }
  try {
    return { statement, bundle: toLegacyDsseBundle(envelope, certificate, rekor, body) };
  } catch (error) {
    throw sigstoreFailure(error, digest, 'statement');
  }
}

/** The subject the statement names among the image's digest and its platforms'; none is check (a), naming both sides. */
function checkSubject(subjects: readonly string[], digest: string, named: readonly string[], record: AttestationRecord): Digest {
  if (record.format === 'buildkit') return checkBuildkitSubject(subjects, digest, named.slice(1), record);
  const subject = named.find((candidate) => subjects.includes(candidate));
  if (subject !== undefined) return subject as Digest;
  const platforms = named.length > 1 ? ` or one of its platforms (${named.slice(1).join(', ')})` : '';
  throw new SignatureCheckError(
    digest,
    'a',
    `the attestation in ${record.manifestDigest} is about ${subjects.join(', ') || 'no sha256 digest'}, not this image (${digest})${platforms}`,
  );
}

/**
 * A BuildKit statement is about the one platform its index entry names
 * (`vnd.docker.reference.digest`): that platform must be one of this image's,
 * and the statement must name it. Check (a).
 */
function checkBuildkitSubject(
  subjects: readonly string[],
  digest: string,
  platforms: readonly string[],
  record: BuildkitAttestationRecord,
): Digest {
  if (!platforms.includes(record.subject)) {
    throw new SignatureCheckError(
      digest,
      'a',
      `the attestation manifest ${record.manifestDigest} is listed for ${record.subject}, which is not one of this image's platforms (${platforms.join(', ') || 'none'})`,
    );
  }
  if (!subjects.includes(record.subject)) {
    throw new SignatureCheckError(
      digest,
      'a',
      `the attestation in ${record.manifestDigest} is listed for the platform ${record.subject}, but its statement is about ${subjects.join(', ') || 'no sha256 digest'}`,
    );
  }
  return record.subject;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
