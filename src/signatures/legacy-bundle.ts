import { createHash } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { pem } from '@sigstore/core';
import type { CosignSignature } from './cosign-signature.js';
import type { RekorBundle } from './rekor-bundle.js';

/** A hashedrekord (or other) entry as Rekor logged it: the parts the checks compare. */
export interface RekorEntryBody {
  kind: string;
  apiVersion: string;
  dataHash?: string;
  signature?: string;
  /** base64 of the PEM certificate or public key */
  publicKey?: string;
}

export function decodeEntryBody(bundle: RekorBundle): RekorEntryBody | undefined {
  try {
    const body = JSON.parse(Buffer.from(bundle.payload.body, 'base64').toString('utf8')) as {
      kind?: unknown;
      apiVersion?: unknown;
      spec?: { data?: { hash?: { value?: unknown } }; signature?: { content?: unknown; publicKey?: { content?: unknown } } };
    };
    if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') return undefined;
    const entry: RekorEntryBody = { kind: body.kind, apiVersion: body.apiVersion };
    const { spec } = body;
    if (typeof spec?.data?.hash?.value === 'string') entry.dataHash = spec.data.hash.value;
    if (typeof spec?.signature?.content === 'string') entry.signature = spec.signature.content;
    if (typeof spec?.signature?.publicKey?.content === 'string') entry.publicKey = spec.signature.publicKey.content;
    return entry;
  } catch {
    return undefined;
  }
}

/**
 * The legacy signature as a Sigstore bundle v0.1, the form sigstore-js
 * verifies: sigstore-js reads no OCI annotations, and cosign's legacy layout
 * carries exactly what a v0.1 bundle holds (certificate, message signature,
 * one Rekor entry with its inclusion promise, and cosign's RFC 3161
 * timestamp). Without a log entry (keyed, `--tlog-upload=false`) it has no
 * entry at all.
 */
export function toLegacyBundle(signature: CosignSignature, bundle: RekorBundle | undefined, body: RekorEntryBody | undefined): Bundle {
  return bundleFromJSON({
    mediaType: LEGACY_BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      ...legacyVerificationMaterial(signature.certificate?.pem, bundle, body),
      // cosign stamps the raw signature bytes; sigstore-js checks a bundle's
      // timestamps over the message signature's bytes: the same imprint.
      timestampVerificationData: {
        rfc3161Timestamps: signature.rfc3161Timestamp ? [{ signedTimestamp: signature.rfc3161Timestamp.toString('base64') }] : [],
      },
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(signature.payloadBytes).digest('base64') },
      signature: signature.signature,
    },
  });
}

/**
 * A layer of cosign's `.att` manifest as a Sigstore bundle v0.1: the layer is
 * the DSSE envelope itself (cosign signs the statement's pre-authentication
 * encoding), and its annotations carry the certificate and the Rekor entry
 * (an `intoto` 0.0.2 or `dsse` 0.0.1 body) exactly as a `.sig` layer's do.
 * The envelope is the JSON object the layer holds; a part that is not a
 * bundle's fails when the bundle is read (bundleFromJSON), as a bundle referrer's would.
 */
export function toLegacyDsseBundle(
  envelope: unknown,
  certificatePem: string | undefined,
  bundle: RekorBundle | undefined,
  body: RekorEntryBody | undefined,
): Bundle {
  return bundleFromJSON({
    mediaType: LEGACY_BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      ...legacyVerificationMaterial(certificatePem, bundle, body),
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: envelope,
  });
}

const LEGACY_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.1';

/** The certificate (or a key hint) and the one Rekor entry with its inclusion promise, as cosign's annotations carry them. */
function legacyVerificationMaterial(certificatePem: string | undefined, bundle: RekorBundle | undefined, body: RekorEntryBody | undefined) {
  const certificate = certificatePem ? pem.toDER(certificatePem) : undefined;
  return {
    ...(certificate
      ? { x509CertificateChain: { certificates: [{ rawBytes: certificate.toString('base64') }] } }
      : { publicKey: { hint: '' } }),
    tlogEntries:
      !bundle || !body
        ? []
        : [
            {
              logIndex: String(bundle.payload.logIndex),
              logId: { keyId: Buffer.from(bundle.payload.logID, 'hex').toString('base64') },
              kindVersion: { kind: body.kind, version: body.apiVersion },
              integratedTime: String(bundle.payload.integratedTime),
              inclusionPromise: { signedEntryTimestamp: bundle.signedEntryTimestamp },
              canonicalizedBody: bundle.payload.body,
            },
          ],
  };
}
