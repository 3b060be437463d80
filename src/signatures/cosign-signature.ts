import type { CosignSignatureRecord } from '../state/image-state.js';
import { type FulcioIdentity, readFulcioIdentity } from './fulcio-certificate.js';
import { type RekorBundle, parseRekorBundle } from './rekor-bundle.js';
import { type SimpleSigningPayload, parseSimpleSigningPayload } from './simple-signing-payload.js';

/** A legacy cosign signature (one layer of a .sig manifest), read into what the README shows of it. */
export interface CosignSignature {
  payload: SimpleSigningPayload;
  payloadBytes: Buffer;
  signature: string;
  /** Present for keyless signatures. */
  certificate?: { pem: string; identity: FulcioIdentity };
  /** Present when the signature was logged in Rekor. */
  bundle?: RekorBundle;
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
  return signature;
}
