import { SignatureCheckError } from './signature-check-error.js';
import type { JsonObject, JsonValue } from './ordered-json.js';

/** cosign's RekorBundle: the transparency-log entry a legacy signature carries in its bundle annotation. */
export interface RekorBundle {
  signedEntryTimestamp: string;
  payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

export function parseRekorBundle(annotation: string, digest: string): RekorBundle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    throw new SignatureCheckError(digest, 'd', 'the dev.sigstore.cosign/bundle annotation is not JSON');
  }
  const object = parsed as { SignedEntryTimestamp?: unknown; Payload?: Record<string, unknown> } | null;
  const payload = object?.Payload;
  const valid =
    typeof object?.SignedEntryTimestamp === 'string' &&
    typeof payload === 'object' &&
    payload !== null &&
    typeof payload.body === 'string' &&
    Number.isSafeInteger(payload.integratedTime) &&
    Number.isSafeInteger(payload.logIndex) &&
    typeof payload.logID === 'string' &&
    /^[0-9a-f]{64}$/.test(payload.logID);
  if (!valid) {
    throw new SignatureCheckError(
      digest,
      'd',
      'the dev.sigstore.cosign/bundle annotation lacks SignedEntryTimestamp or Payload.{body,integratedTime,logIndex,logID}',
    );
  }
  return {
    signedEntryTimestamp: object.SignedEntryTimestamp as string,
    payload: {
      body: payload.body as string,
      integratedTime: payload.integratedTime as number,
      logIndex: payload.logIndex as number,
      logID: payload.logID as string,
    },
  };
}

/** The bundle as cosign prints it: Go struct field order. */
export function rekorBundleToJson(bundle: RekorBundle): JsonObject {
  return new Map<string, JsonValue>([
    ['SignedEntryTimestamp', bundle.signedEntryTimestamp],
    [
      'Payload',
      new Map<string, JsonValue>([
        ['body', bundle.payload.body],
        ['integratedTime', bundle.payload.integratedTime],
        ['logIndex', bundle.payload.logIndex],
        ['logID', bundle.payload.logID],
      ]),
    ],
  ]);
}
