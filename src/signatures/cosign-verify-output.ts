import type { CosignSignature } from './cosign-signature.js';
import { OIDC_ISSUER_OID } from './fulcio-certificate.js';
import { type JsonObject, type JsonValue, formatJq, sortedGoMap } from './ordered-json.js';
import { IGNORE_TLOG_WARNING } from './printed-verify-output.js';
import { payloadToJson } from './simple-signing-payload.js';
import { rekorBundleToJson } from './rekor-bundle.js';
import type { BundleSignature } from './sigstore-bundle.js';

/**
 * Which cosign's `verify` output to reproduce. The corpus holds two 2022
 * generations; `current` is what cosign 2 and later print.
 */
export type CosignOutputGeneration = 'oids-only' | 'with-workflow-names' | 'current';

/**
 * What `cosign verify REF | jq` printed for legacy signatures, stderr header
 * first: the text the original tool pasted into the Signing section. Computed
 * from the signatures rather than stored, so it can never drift from them.
 * With `ignoreTlog` (`--insecure-ignore-tlog=true`, for signatures without a
 * log entry) cosign warns first and checks no log entry, not even present ones.
 */
export function formatCosignVerifyOutput(
  reference: string,
  signatures: CosignSignature[],
  generation: CosignOutputGeneration,
  ignoreTlog = false,
): string {
  const keyless = signatures.some((signature) => signature.certificate !== undefined);
  const logged = !ignoreTlog && signatures.length > 0 && signatures.every((signature) => signature.bundle !== undefined);
  const array = signatures.map((signature) => printedClaims(signature, generation));
  const header = verificationHeader(reference, { keyless, logged, generation });
  return `${ignoreTlog ? `${IGNORE_TLOG_WARNING}\n\n` : ''}${header}\n${formatJq(array)}`;
}

/**
 * What cosign 3 prints for signatures stored as Sigstore bundles
 * (cmd/cosign/cli/verify/verify.go transformOutput): claims rebuilt from the
 * in-toto statement — docker-reference is the reference as given, the image
 * digest is the first subject's, the type is the predicate type, and optional
 * is that subject's annotations (`cosign sign -a`) in Go's key order, `{}`
 * without any. No certificate or log entry is printed. cosign counts every
 * verified bundle as checked against the log (`bundleVerified`), so its
 * header says so even of a keyed bundle verified with --insecure-ignore-tlog,
 * after the warning that flag prints.
 */
export function formatBundleVerifyOutput(reference: string, digest: string, bundles: BundleSignature[], ignoreTlog = false): string {
  const keyless = bundles.some((bundle) => bundle.issuerName !== undefined);
  const array = bundles.map(
    (bundle): JsonObject =>
      new Map<string, JsonValue>([
        [
          'critical',
          new Map<string, JsonValue>([
            ['identity', new Map([['docker-reference', reference]])],
            ['image', new Map([['docker-manifest-digest', bundle.subjectDigest ?? digest]])],
            ['type', bundle.predicateType],
          ]),
        ],
        ['optional', sortedGoMap(bundle.annotations)],
      ]),
  );
  const header = verificationHeader(reference, { keyless, logged: bundles.length > 0, generation: 'current' });
  return `${ignoreTlog ? `${IGNORE_TLOG_WARNING}\n\n` : ''}${header}\n${formatJq(array)}`;
}

/** cosign's stderr lines before the JSON: which checks it performed, in the words of the cosign that printed them. */
function verificationHeader(reference: string, facts: { keyless: boolean; logged: boolean; generation: CosignOutputGeneration }): string {
  const checks = ['The cosign claims were validated'];
  if (facts.logged) checks.push('Existence of the claims in the transparency log was verified offline');
  if (!facts.keyless) checks.push('The signatures were verified against the specified public key');
  else if (facts.generation === 'current')
    checks.push('The code-signing certificate was verified using trusted certificate authority certificates');
  else checks.push('Any certificates were verified against the Fulcio roots.');
  return [
    `Verification for ${reference} --`,
    'The following checks were performed on each of these signatures:',
    ...checks.map((check) => `  - ${check}`),
  ].join('\n');
}

/** One element of cosign's output array: the payload with what cosign adds to optional. */
export function printedClaims(signature: CosignSignature, generation: CosignOutputGeneration): JsonObject {
  const added = new Map<string, JsonValue>();
  const identity = signature.certificate?.identity;
  if (identity) {
    added.set('Subject', identity.subject);
    if (identity.issuer !== undefined) {
      added.set('Issuer', identity.issuer);
      if (generation !== 'oids-only') added.set(OIDC_ISSUER_OID, identity.issuer);
    }
    for (const extension of identity.githubWorkflow) {
      added.set(extension.oid, extension.value);
      if (generation !== 'oids-only') added.set(extension.name, extension.value);
    }
  }
  if (signature.bundle) added.set('Bundle', rekorBundleToJson(signature.bundle));
  // cosign prints its bundle.RFC3161Timestamp struct: a Go []byte, so base64.
  if (signature.rfc3161Timestamp)
    added.set('RFC3161Timestamp', new Map([['SignedRFC3161Timestamp', signature.rfc3161Timestamp.toString('base64')]]));
  const optional =
    added.size === 0 && signature.payload.optional === null
      ? null
      : sortedGoMap(new Map([...(signature.payload.optional ?? []), ...added]));
  return payloadToJson(signature.payload, optional);
}
