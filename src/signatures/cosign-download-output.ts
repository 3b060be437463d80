import { VerificationError } from '../errors.js';
import type { CosignSignature } from './cosign-signature.js';
import { type JsonValue, formatGoCompact } from './ordered-json.js';
import { rekorBundleToJson } from './rekor-bundle.js';

/**
 * What `cosign download signature REF` prints for the legacy layout: one
 * json.Marshal'd cosign.SignedPayload per line (Base64Signature, Payload as
 * base64, Cert, Chain, Bundle, RFC3161Timestamp, in struct order). A README
 * shows it for signatures without a log entry: `cosign verify` prints only
 * their claims, so this is the one place the signature bytes can be read back
 * from and checked.
 */

const FIRST_KEY = '{"Base64Signature":';

/**
 * The lines for keyed signatures: they carry no certificate or chain, and
 * readme-gen reads no RFC 3161 timestamp, so those fields print as null.
 */
export function formatDownloadOutput(signatures: readonly CosignSignature[]): string {
  return signatures
    .map((signature) =>
      formatGoCompact(
        new Map<string, JsonValue>([
          ['Base64Signature', signature.signature],
          ['Payload', signature.payloadBytes.toString('base64')],
          ['Cert', null],
          ['Chain', null],
          ['Bundle', signature.bundle ? rekorBundleToJson(signature.bundle) : null],
          ['RFC3161Timestamp', null],
        ]),
      ),
    )
    .join('\n');
}

/** One printed signature: the payload bytes it is over, and the signature as cosign stores it. */
export interface DownloadedSignature {
  payload: Buffer;
  base64Signature: string;
}

/** Whether a code block holds `cosign download signature` output. */
export function isDownloadOutput(text: string): boolean {
  return text.startsWith(FIRST_KEY);
}

export function parseDownloadOutput(text: string, label: string): DownloadedSignature[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const where = `${label}: line ${index + 1} of the \`cosign download signature\` output`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        throw new VerificationError(`${where} is not JSON (${(error as Error).message.split('\n')[0]})`);
      }
      const { Base64Signature: signature, Payload: payload } = (parsed ?? {}) as { Base64Signature?: unknown; Payload?: unknown };
      if (typeof signature !== 'string' || typeof payload !== 'string' || !BASE64.test(payload)) {
        throw new VerificationError(`${where} lacks Base64Signature, or a base64 Payload`);
      }
      return { payload: Buffer.from(payload, 'base64'), base64Signature: signature };
    });
}

/** Standard base64, as Go encodes a []byte: Buffer.from would silently skip anything else. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
