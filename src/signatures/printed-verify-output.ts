import { createHash } from 'node:crypto';
import { VerificationError } from '../errors.js';
import { COSIGN_SIMPLESIGNING_MEDIA_TYPE, type CosignSignatureRecord, type Digest } from '../state/image-state.js';
import type { CosignOutputGeneration } from './cosign-verify-output.js';
import { type JsonObject, formatGoCompact, fromParsedSorted } from './ordered-json.js';
import type { DownloadedSignature } from './cosign-download-output.js';
import { RFC3161_TIMESTAMP_ANNOTATION } from './cosign-signature.js';
import { parseRekorBundle, rekorBundleToJson } from './rekor-bundle.js';
import { SignatureCheckError } from './signature-check-error.js';
import { encodeSimpleSigningPayload } from './simple-signing-payload.js';

/**
 * Reading back what `cosign verify … | jq` printed into a README: the text the
 * original tool pasted and our templates print. For a logged signature
 * everything needed to verify it again is in it: the claims, and inside the
 * Rekor entry body the signature and the certificate. An unlogged one has no
 * Bundle, so its signature comes from the `cosign download signature` output
 * the README prints beside it. The payload itself is not printed; it is rebuilt
 * from the claims, exactly, because cosign only ever adds known keys to it.
 */

/** The stderr noise the original tool captured into 15 READMEs. */
export const TUF_WARNING = 'tuf: warning using deprecated ecdsa hex-encoded keys';
/** What cosign prints first on stderr when told --insecure-ignore-tlog=true. */
export const IGNORE_TLOG_WARNING =
  'WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.';
const VERIFICATION_FOR = /^Verification for (\S+) --$/;
const CHECKS_INTRO = 'The following checks were performed on each of these signatures:';

export interface PrintedVerifyOutput {
  /** the reference cosign verified, e.g. cgr.dev/chainguard/glibc-dynamic:latest */
  reference: string;
  /** the JSON array, one element per signature */
  claims: unknown[];
}

/** Whether a code block holds cosign's verify output (after any captured tuf noise). */
export function isPrintedVerifyOutput(text: string): boolean {
  return VERIFICATION_FOR.test(withoutNoise(text).split('\n')[0] ?? '');
}

export function parsePrintedVerifyOutput(text: string, label: string): PrintedVerifyOutput {
  const lines = withoutNoise(text).split('\n');
  const reference = VERIFICATION_FOR.exec(lines[0] ?? '')?.[1];
  if (reference === undefined) throw new VerificationError(`${label}: the cosign output does not start with "Verification for REF --"`);
  if (lines[1] !== CHECKS_INTRO) throw new VerificationError(`${label}: the cosign output lacks "${CHECKS_INTRO}"`);
  let index = 2;
  while (lines[index]?.startsWith('  - ')) index++;
  let claims: unknown;
  try {
    claims = JSON.parse(lines.slice(index).join('\n'));
  } catch (error) {
    throw new VerificationError(`${label}: the printed claims are not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(claims) || claims.length === 0)
    throw new VerificationError(`${label}: the printed claims are not a list of signatures`);
  return { reference, claims };
}

function withoutNoise(text: string): string {
  const lines = text.split('\n');
  let start = 0;
  while (lines[start] === TUF_WARNING || lines[start] === IGNORE_TLOG_WARNING) start++;
  if (start > 0 && lines[start] === '') start++;
  return lines.slice(start).join('\n');
}

export interface PrintedSignature {
  /**
   * The signature layers cosign may have stored: the one rebuilt from the
   * Bundle, or, without one, each printed `cosign download signature` line over
   * the same payload (an image signed again, or with another key, has several).
   */
  candidates: [CosignSignatureRecord, ...CosignSignatureRecord[]];
  signedDigest: string;
  /** sha256 of the rebuilt payload equals the logged entry's data hash; absent without a Bundle */
  payloadMatchesEntry?: boolean;
  /** which cosign printed it: 1.13 and later also print githubWorkflow* names */
  generation: CosignOutputGeneration;
}

/**
 * Rebuilds the signature layer cosign stored from one element of its printed
 * output. `optional` is null when the payload has no annotations and cosign
 * added nothing: a keyed signature without a log entry.
 */
export function signatureFromPrintedClaims(
  printed: unknown,
  label: string,
  downloaded: readonly DownloadedSignature[] = [],
): PrintedSignature {
  const optional = valueAt(printed, ['optional']) === null ? {} : objectAt(printed, ['optional'], label);
  const signedDigest = stringAt(printed, ['critical', 'image', 'docker-manifest-digest'], label);
  const payloadBytes = encodeSimpleSigningPayload({
    critical: {
      identity: { dockerReference: stringAt(printed, ['critical', 'identity', 'docker-reference'], label) },
      image: { dockerManifestDigest: signedDigest },
      type: stringAt(printed, ['critical', 'type'], label),
    },
    optional: signedOptional(optional),
  });
  const generation: CosignOutputGeneration = Object.keys(optional).some(isWorkflowName) ? 'with-workflow-names' : 'oids-only';
  if (optional.Bundle === undefined)
    return {
      candidates: downloadedOver(payloadBytes, downloaded, signedDigest, label, printedTimestamp(optional)),
      signedDigest,
      generation,
    };
  const bundle = parseRekorBundle(JSON.stringify(optional.Bundle), signedDigest);
  const entry = parseEntry(bundle.payload.body, `${label}: Bundle.Payload.body`);
  const payloadHash = createHash('sha256').update(payloadBytes).digest('hex');
  // The entry holds the Fulcio certificate of a keyless signature, or the public key of a keyed one.
  const loggedKey = Buffer.from(stringAt(entry, ['spec', 'signature', 'publicKey', 'content'], `${label}: Rekor entry`), 'base64').toString(
    'utf8',
  );
  const record: CosignSignatureRecord = {
    format: 'cosign',
    mediaType: COSIGN_SIMPLESIGNING_MEDIA_TYPE,
    digest: `sha256:${payloadHash}`,
    payload: payloadBytes.toString('base64'),
    annotations: {
      'dev.cosignproject.cosign/signature': stringAt(entry, ['spec', 'signature', 'content'], `${label}: Rekor entry`),
      ...(loggedKey.includes('-----BEGIN CERTIFICATE-----') ? { 'dev.sigstore.cosign/certificate': loggedKey } : {}),
      'dev.sigstore.cosign/bundle': formatGoCompact(rekorBundleToJson(bundle)),
      ...printedTimestamp(optional),
    },
  };
  return {
    candidates: [record],
    signedDigest,
    payloadMatchesEntry: payloadHash === valueAt(entry, ['spec', 'data', 'hash', 'value']),
    generation,
  };
}

/**
 * The printed signatures over exactly these payload bytes. Claims without a
 * Bundle and without such a signature carry nothing that can be verified, so
 * they are refused: a README must never pass on claims alone.
 */
function downloadedOver(
  payload: Buffer,
  downloaded: readonly DownloadedSignature[],
  signedDigest: string,
  label: string,
  timestamp: Record<string, string>,
): PrintedSignature['candidates'] {
  if (downloaded.length === 0) {
    throw new VerificationError(
      `${label}: the printed claims have no Bundle and the README prints no \`cosign download signature\` output, so nothing in it can be verified; render it with readme-gen`,
    );
  }
  const digest: Digest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
  const [first, ...more] = downloaded
    .filter((signature) => signature.payload.equals(payload))
    .map((signature): CosignSignatureRecord => ({
      format: 'cosign',
      mediaType: COSIGN_SIMPLESIGNING_MEDIA_TYPE,
      digest,
      payload: payload.toString('base64'),
      annotations: { 'dev.cosignproject.cosign/signature': signature.base64Signature, ...timestamp },
    }));
  if (!first)
    throw new SignatureCheckError(
      signedDigest,
      'b',
      'no signature the README prints (`cosign download signature`) is over the printed payload',
    );
  return [first, ...more];
}

/** The RFC 3161 timestamp cosign printed, back as its annotation, so that it is verified again. */
function printedTimestamp(optional: Record<string, unknown>): Record<string, string> {
  if (optional.RFC3161Timestamp === undefined) return {};
  return { [RFC3161_TIMESTAMP_ANNOTATION]: formatGoCompact(fromParsedSorted(optional.RFC3161Timestamp)) };
}

/** Whatever `cosign verify` adds to the payload's optional when it prints it. */
function isAddedByCosign(key: string): boolean {
  return ['Bundle', 'Issuer', 'Subject', 'RFC3161Timestamp'].includes(key) || key.startsWith('1.3.6.1.4.1.57264.') || isWorkflowName(key);
}

/** cosign 1.13 added these names beside the OIDs; their presence tells the two 2022 output generations apart. */
function isWorkflowName(key: string): boolean {
  return key.startsWith('githubWorkflow');
}

/** The payload's own optional: printed, minus cosign's additions, in Go map order; null when nothing is left. */
function signedOptional(printed: Record<string, unknown>): JsonObject | null {
  const kept = Object.fromEntries(Object.entries(printed).filter(([key]) => !isAddedByCosign(key)));
  return Object.keys(kept).length === 0 ? null : (fromParsedSorted(kept) as JsonObject);
}

function parseEntry(body: string, label: string): unknown {
  try {
    const entry: unknown = JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
    if (valueAt(entry, ['kind']) !== 'hashedrekord') throw new VerificationError(`${label}: not a hashedrekord entry`);
    return entry;
  } catch (error) {
    if (error instanceof VerificationError) throw error;
    throw new VerificationError(`${label}: not a Rekor entry (${(error as Error).message})`);
  }
}

function valueAt(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );
}

function stringAt(value: unknown, keys: string[], label: string): string {
  const found = valueAt(value, keys);
  if (typeof found !== 'string') throw new VerificationError(`${label}: ${keys.join('.')} is missing or not a string`);
  return found;
}

function objectAt(value: unknown, keys: string[], label: string): Record<string, unknown> {
  const found = valueAt(value, keys);
  if (found === null || typeof found !== 'object' || Array.isArray(found))
    throw new VerificationError(`${label}: ${keys.join('.')} is missing or not an object`);
  return found as Record<string, unknown>;
}
