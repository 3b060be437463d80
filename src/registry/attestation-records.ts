import {
  type BuildkitAttestationRecord,
  COSIGN_SIGN_PREDICATE,
  type CosignAttestationRecord,
  type Digest,
  IN_TOTO_MEDIA_TYPE,
  type SigstoreBundleRecord,
} from '../state/image-state.js';
import type { Descriptor, Manifest } from './oci-manifest.js';
import type { RegistryClient } from './registry-client.js';

/** The layer type of cosign's `.att` manifest (specs/ATTESTATION_SPEC.md): a DSSE envelope. */
const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
const BUILDKIT_PREDICATE_ANNOTATION = 'in-toto.io/predicate-type';
const BUILDKIT_REFERENCE_TYPE = 'vnd.docker.reference.type';
const BUILDKIT_REFERENCE_DIGEST = 'vnd.docker.reference.digest';
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The largest statement (or envelope, or bundle holding one) readme-gen
 * reads. An SBOM of a large image runs to megabytes, and every byte read goes
 * into the committed state; a README shows only a few facts of it. Larger
 * ones are skipped, with a warning, before their GET: the descriptor gives the
 * size.
 */
export const STATEMENT_CAP_BYTES = 4 * 2 ** 20;

/** Whether a descriptor's size is within the cap; if not, says which content is skipped and why. */
export function withinCap(descriptor: Descriptor, what: string, warn: (message: string) => void): boolean {
  if (descriptor.size <= STATEMENT_CAP_BYTES) return true;
  warn(
    `${what} ${descriptor.digest} is ${descriptor.size} bytes, over the ${STATEMENT_CAP_BYTES / 2 ** 20} MiB readme-gen reads of an attestation; skipped (the README shows nothing of it)`,
  );
  return false;
}

/** A BuildKit attestation manifest's entry in an index: it names the platform manifest it describes. */
export function isBuildkitAttestationEntry(descriptor: Descriptor): boolean {
  return descriptor.annotations?.[BUILDKIT_REFERENCE_TYPE] === 'attestation-manifest';
}

/**
 * The statements of one BuildKit attestation manifest (an index entry of
 * platform unknown/unknown): one record per in-toto layer, its predicate
 * type from the layer's annotation, else from the statement itself. An entry
 * that names no platform digest, or whose manifest the registry does not have
 * (a mirror that copied only the platforms), gives none, with a warning.
 */
export async function buildkitAttestations(
  client: RegistryClient,
  index: Digest,
  entry: Descriptor,
  warn: (message: string) => void,
): Promise<BuildkitAttestationRecord[]> {
  const subject = entry.annotations?.[BUILDKIT_REFERENCE_DIGEST];
  if (subject === undefined || !DIGEST.test(subject)) {
    warn(`index ${index}: attestation manifest ${entry.digest} names no platform digest (${BUILDKIT_REFERENCE_DIGEST}); skipped`);
    return [];
  }
  const found = await client.manifestIfPresent(entry.digest);
  if (!found) {
    warn(`index ${index}: the registry does not have its attestation manifest ${entry.digest} (404); its attestations are left out`);
    return [];
  }
  if (found.manifest.kind !== 'image') return [];
  const records: BuildkitAttestationRecord[] = [];
  for (const layer of found.manifest.layers) {
    if (layer.mediaType !== IN_TOTO_MEDIA_TYPE || !withinCap(layer, `index ${index}: attestation statement`, warn)) continue;
    const statement = await client.blob(layer.digest);
    const predicateType = layer.annotations?.[BUILDKIT_PREDICATE_ANNOTATION] || statementPredicateType(statement);
    if (!predicateType) {
      warn(`index ${index}: attestation statement ${layer.digest} names no predicate type; skipped`);
      continue;
    }
    records.push({
      format: 'buildkit',
      manifestDigest: entry.digest as Digest,
      subject: subject as Digest,
      mediaType: layer.mediaType,
      digest: layer.digest as Digest,
      predicateType,
      payload: statement.toString('base64'),
    });
  }
  return records;
}

/**
 * cosign's `sha256-<hex>.att` manifest: one DSSE envelope per layer, the
 * signing material in the layer's annotations, as for `.sig` layers.
 */
export async function cosignAttestations(
  client: RegistryClient,
  tag: string,
  manifestDigest: Digest,
  manifest: Manifest,
  warn: (message: string) => void,
): Promise<CosignAttestationRecord[]> {
  if (manifest.kind !== 'image') {
    warn(`${tag} is not an attestation manifest; its attestations are skipped`);
    return [];
  }
  const records: CosignAttestationRecord[] = [];
  for (const layer of manifest.layers) {
    if (layer.mediaType !== DSSE_ENVELOPE_MEDIA_TYPE || !withinCap(layer, `${tag}: attestation envelope`, warn)) continue;
    const envelope = await client.blob(layer.digest);
    records.push({
      format: 'cosign',
      manifestDigest,
      mediaType: layer.mediaType,
      digest: layer.digest as Digest,
      payload: envelope.toString('base64'),
      annotations: layer.annotations ?? {},
    });
  }
  return records;
}

/**
 * Whether a bundle referrer is an attestation rather than a signature: its
 * DSSE envelope holds an in-toto statement of a predicate type other than
 * cosign's signature (GitHub's attest-build-provenance, `cosign attest`).
 * Told by the statement, not by the referrer's annotations, which the
 * fallback index cosign 3.0 and GHCR write leaves out. A bundle whose
 * statement cannot be read stays among the signatures, where verifying it
 * fails and says why.
 */
export function isAttestationBundle(record: SigstoreBundleRecord): boolean {
  const envelope = record.bundle.dsseEnvelope;
  if (envelope === null || typeof envelope !== 'object') return false;
  const { payload, payloadType } = envelope as { payload?: unknown; payloadType?: unknown };
  if (payloadType !== IN_TOTO_MEDIA_TYPE || typeof payload !== 'string') return false;
  const predicateType = statementPredicateType(Buffer.from(payload, 'base64'));
  return predicateType !== undefined && predicateType !== COSIGN_SIGN_PREDICATE;
}

/** The predicate type an in-toto statement names; undefined when it is not a JSON object naming one. */
function statementPredicateType(statement: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(statement.toString('utf8'));
  } catch {
    return undefined;
  }
  const predicateType = parsed !== null && typeof parsed === 'object' ? (parsed as { predicateType?: unknown }).predicateType : undefined;
  return typeof predicateType === 'string' && predicateType !== '' ? predicateType : undefined;
}
