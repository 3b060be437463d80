import { SignatureCheckError } from './signature-check-error.js';
import { type JsonObject, type JsonValue, formatGoCompact, fromParsedSorted } from './ordered-json.js';

/** The "simple signing" payload cosign signs for a container image (sigstore/sigstore payload.SimpleContainerImage). */
export interface SimpleSigningPayload {
  critical: {
    identity: { dockerReference: string };
    image: { dockerManifestDigest: string };
    type: string;
  };
  /** Annotations given at signing time, in Go's map order; null when there were none. */
  optional: JsonObject | null;
}

export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Reads payload bytes as cosign does: the three critical claims are required, optional may be null. */
export function parseSimpleSigningPayload(bytes: Uint8Array, digest: string): SimpleSigningPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new SignatureCheckError(digest, 'a', 'the signed payload is not JSON');
  }
  const critical = field(parsed, 'critical');
  const dockerReference = field(field(critical, 'identity'), 'docker-reference');
  const dockerManifestDigest = field(field(critical, 'image'), 'docker-manifest-digest');
  const type = field(critical, 'type');
  if (typeof dockerReference !== 'string' || typeof dockerManifestDigest !== 'string' || typeof type !== 'string') {
    throw new SignatureCheckError(
      digest,
      'a',
      'the signed payload lacks critical.identity.docker-reference, critical.image.docker-manifest-digest or critical.type',
    );
  }
  const optional = field(parsed, 'optional');
  if (optional !== undefined && optional !== null && (typeof optional !== 'object' || Array.isArray(optional))) {
    throw new SignatureCheckError(digest, 'a', "the signed payload's optional is not an object");
  }
  return {
    critical: { identity: { dockerReference }, image: { dockerManifestDigest }, type },
    optional: optional ? (fromParsedSorted(optional) as JsonObject) : null,
  };
}

/** The payload bytes cosign would have signed for these claims: Go's compact JSON, struct field order. */
export function encodeSimpleSigningPayload(payload: SimpleSigningPayload): Buffer {
  return Buffer.from(formatGoCompact(payloadToJson(payload)), 'utf8');
}

/** The payload as ordered JSON: critical in struct order, then optional. */
export function payloadToJson(payload: SimpleSigningPayload, optional: JsonObject | null = payload.optional): JsonObject {
  const { critical } = payload;
  return new Map<string, JsonValue>([
    [
      'critical',
      new Map<string, JsonValue>([
        ['identity', new Map([['docker-reference', critical.identity.dockerReference]])],
        ['image', new Map([['docker-manifest-digest', critical.image.dockerManifestDigest]])],
        ['type', critical.type],
      ]),
    ],
    ['optional', optional],
  ]);
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}
