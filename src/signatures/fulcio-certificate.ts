import { X509Certificate } from '@sigstore/core';
import { SignatureCheckError } from './signature-check-error.js';

/**
 * The deprecated GitHub-workflow extensions Fulcio put in 2022 certificates
 * (raw strings, not DER), with the names cosign 1.13 and later print for them.
 */
export const GITHUB_WORKFLOW_EXTENSIONS = [
  { oid: '1.3.6.1.4.1.57264.1.2', name: 'githubWorkflowTrigger' },
  { oid: '1.3.6.1.4.1.57264.1.3', name: 'githubWorkflowSha' },
  { oid: '1.3.6.1.4.1.57264.1.4', name: 'githubWorkflowName' },
  { oid: '1.3.6.1.4.1.57264.1.5', name: 'githubWorkflowRepository' },
  { oid: '1.3.6.1.4.1.57264.1.6', name: 'githubWorkflowRef' },
] as const;

export const OIDC_ISSUER_OID = '1.3.6.1.4.1.57264.1.1';

/**
 * Fulcio's current build extensions (DER UTF8Strings, issued since 2023 beside
 * or instead of the raw 1.2–1.6 ones): the repository, commit and trigger a
 * README's signing facts name.
 */
const BUILD_EXTENSIONS = {
  sourceRepository: '1.3.6.1.4.1.57264.1.12',
  sourceCommit: '1.3.6.1.4.1.57264.1.13',
  trigger: '1.3.6.1.4.1.57264.1.20',
} as const;

/** What the Signing section shows of a Fulcio leaf certificate. */
export interface FulcioIdentity {
  /** First email SAN, else first URI SAN — cosign's CertSubject. */
  subject: string;
  /** OIDC issuer from extension 1.1, when present. */
  issuer?: string;
  /** Extensions 1.2–1.6 that are present, in OID order. */
  githubWorkflow: { oid: string; name: string; value: string }[];
  /** The issuer's distinguished name, DER: which CA can have issued it. */
  issuerName: Buffer;
  /** What Fulcio's DER build extensions say (1.12 source repository URI, 1.13 its commit, 1.20 the trigger), when present. */
  build?: { sourceRepository?: string; sourceCommit?: string; trigger?: string };
}

/** Reads a certificate, PEM (a cosign annotation) or DER (a bundle's); one that cannot be parsed fails check (c), naming `digest`. */
export function readFulcioIdentity(encoded: string | Buffer<ArrayBuffer>, digest: string): FulcioIdentity {
  let certificate: X509Certificate;
  try {
    certificate = X509Certificate.parse(encoded);
  } catch (error) {
    throw new SignatureCheckError(digest, 'c', `the signing certificate cannot be parsed (${(error as Error).message})`, { cause: error });
  }
  const san = certificate.extSubjectAltName;
  const subject = san?.rfc822Name ?? san?.uri ?? '';
  const identity: FulcioIdentity = { subject, githubWorkflow: [], issuerName: certificate.issuer };
  const issuer = rawExtension(certificate, OIDC_ISSUER_OID);
  if (issuer !== undefined) identity.issuer = issuer;
  for (const { oid, name } of GITHUB_WORKFLOW_EXTENSIONS) {
    const value = rawExtension(certificate, oid);
    if (value !== undefined) identity.githubWorkflow.push({ oid, name, value });
  }
  const build: NonNullable<FulcioIdentity['build']> = {};
  for (const [name, oid] of Object.entries(BUILD_EXTENSIONS) as [keyof typeof build, string][]) {
    const value = derUtf8Extension(certificate, oid);
    if (value !== undefined) build[name] = value;
  }
  if (Object.keys(build).length > 0) identity.build = build;
  return identity;
}

/** A DER UTF8String extension value; one that is not (a malformed certificate) is left out, as it only feeds the README's prose. */
function derUtf8Extension(certificate: X509Certificate, oid: string): string | undefined {
  const der = certificate.extension(oid)?.value;
  if (der === undefined || der[0] !== 0x0c || der.length < 2) return undefined;
  const first = der[1] as number;
  const lengthBytes = first < 0x80 ? 0 : first & 0x7f;
  if (lengthBytes > 2) return undefined;
  const length = lengthBytes === 0 ? first : der.subarray(2, 2 + lengthBytes).reduce((total, byte) => total * 256 + byte, 0);
  const start = 2 + lengthBytes;
  return start + length === der.length ? der.subarray(start).toString('utf8') : undefined;
}

function rawExtension(certificate: X509Certificate, oid: string): string | undefined {
  return certificate.extension(oid)?.value.toString('utf8');
}
