import type { CosignSignatureRecord } from '../state/image-state.js';
import { type FulcioIdentity, readFulcioIdentity } from './fulcio-certificate.js';
import { type RekorBundle, parseRekorBundle } from './rekor-bundle.js';
import { SignatureCheckError } from './signature-check-error.js';
import { type SimpleSigningPayload, parseSimpleSigningPayload } from './simple-signing-payload.js';

/** cosign's annotation for an RFC 3161 timestamp over the signature (`cosign sign --timestamp-server-url`). */
export const RFC3161_TIMESTAMP_ANNOTATION = 'dev.sigstore.cosign/rfc3161timestamp';

/** A legacy cosign signature (one layer of a .sig manifest), read into what the README shows of it. */
export interface CosignSignature {
  payload: SimpleSigningPayload;
  payloadBytes: Buffer;
  signature: string;
  /** Present for keyless signatures. */
  certificate?: { pem: string; identity: FulcioIdentity };
  /** Present when the signature was logged in Rekor. */
  bundle?: RekorBundle;
  /** The DER TimeStampResp of a TSA over the signature bytes, when cosign was given a timestamp server. */
  rfc3161Timestamp?: Buffer;
}

/** Reads a signature layer; a part that cannot be read fails the check it belongs to, naming `digest`. */
export function readCosignSignature(record: CosignSignatureRecord, digest: string): CosignSignature {
  const payloadBytes = Buffer.from(record.payload, 'base64');
  const annotations = record.annotations;
  const signature: CosignSignature = {
    payload: parseSimpleSigningPayload(payloadBytes, digest),
    payloadBytes,
    signature: annotations['dev.cosignproject.cosign/signature'],
  };
  const pem = annotations['dev.sigstore.cosign/certificate'];
  if (pem !== undefined && pem !== '') signature.certificate = { pem, identity: readFulcioIdentity(pem, digest) };
  const bundle = annotations['dev.sigstore.cosign/bundle'];
  if (bundle !== undefined && bundle !== '') signature.bundle = parseRekorBundle(bundle, digest);
  const timestamp = annotations[RFC3161_TIMESTAMP_ANNOTATION];
  if (timestamp !== undefined && timestamp !== '') signature.rfc3161Timestamp = parseRfc3161TimestampAnnotation(timestamp, digest);
  return signature;
}

/**
 * cosign's `{"SignedRFC3161Timestamp":"<base64 DER>"}` (pkg/cosign/bundle
 * RFC3161Timestamp, a Go []byte, so standard padded base64). cosign fails a
 * signature whose annotation it cannot read, and so does this: check (f).
 */
export function parseRfc3161TimestampAnnotation(annotation: string, digest: string): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    throw new SignatureCheckError(digest, 'f', `the ${RFC3161_TIMESTAMP_ANNOTATION} annotation is not JSON`);
  }
  const encoded = (parsed as { SignedRFC3161Timestamp?: unknown } | null)?.SignedRFC3161Timestamp;
  const der = typeof encoded === 'string' ? Buffer.from(encoded, 'base64') : undefined;
  if (!der || der.length === 0 || der.toString('base64') !== encoded) {
    throw new SignatureCheckError(
      digest,
      'f',
      `the ${RFC3161_TIMESTAMP_ANNOTATION} annotation lacks SignedRFC3161Timestamp, the base64 of a DER timestamp response`,
    );
  }
  return der;
}
