import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Code, Nodes, TableRow } from 'mdast';
import { InputError, VerificationError } from '../errors.js';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';
import { rowDigestCell } from '../markdown/table-digest.js';
import { type CosignSignature, readCosignSignature } from '../signatures/cosign-signature.js';
import { type DownloadedSignature, isDownloadOutput, parseDownloadOutput } from '../signatures/cosign-download-output.js';
import { printedClaims } from '../signatures/cosign-verify-output.js';
import { OIDC_ISSUER_OID } from '../signatures/fulcio-certificate.js';
import type { IdentityPolicy } from '../signatures/identity-policy.js';
import { formatJq } from '../signatures/ordered-json.js';
import { type PrintedSignature, isPrintedVerifyOutput, parsePrintedVerifyOutput, signatureFromPrintedClaims } from '../signatures/printed-verify-output.js';
import { type Check, SignatureCheckError } from '../signatures/signature-check-error.js';
import { type TrustOptions, loadTrust } from '../signatures/trusted-root.js';
import { offlineTrustedRoot } from '../signatures/tuf-trusted-root.js';
import { defaultCacheDir } from '../registry/content-cache.js';
import { type VerifiedSigner, verifyCosignSignature } from '../signatures/verify-cosign-signature.js';

export interface VerifyOptions {
  cwd: string;
  files: string[];
  policy: IdentityPolicy;
  keyPath?: string;
  trustedRootPath?: string;
  /** unpinned: the root TUF last refreshed from this repository (default public good), cached here, else the shipped one */
  tufMirror?: string;
  cacheDir?: string;
}

export interface VerifiedReadme {
  file: string;
  /** what cosign verified, e.g. cgr.dev/chainguard/glibc-dynamic:latest */
  reference: string;
  /** the digest the tags table gives for the reference's tag */
  digest: string;
  signers: VerifiedSigner[];
  logIndexes: number[];
  /** how many of the signatures have no transparency-log entry (keyed, verified from the printed signature) */
  unlogged: number;
}

export type ReadmeVerdict =
  | { verified: true; readme: VerifiedReadme }
  /** `check` is the failed check (a–e, policy) when the data could be read; absent when it could not. */
  | { verified: false; file: string; message: string; check?: Check };

/**
 * Checks the signing data printed inside READMEs: the payload is rebuilt from
 * the printed claims and verified like a signature from the registry, and the
 * digest the tags table gives for the verified tag must be the one signed. A
 * hand edit of generated text — a claim, a digest, the table — fails here.
 */
export function verifyReadmes(options: VerifyOptions): ReadmeVerdict[] {
  const label = (file: string) => path.relative(options.cwd, file) || file;
  const trustOptions: TrustOptions = { label };
  trustOptions.trustedRootPath =
    options.trustedRootPath !== undefined
      ? path.resolve(options.cwd, options.trustedRootPath)
      : offlineTrustedRoot({ cacheDir: options.cacheDir ?? defaultCacheDir(), ...(options.tufMirror === undefined ? {} : { mirror: options.tufMirror }) }).file;
  if (options.keyPath !== undefined) trustOptions.keyPath = path.resolve(options.cwd, options.keyPath);
  const trust = loadTrust(trustOptions);
  return options.files.map((file): ReadmeVerdict => {
    const absolute = path.resolve(options.cwd, file);
    try {
      return { verified: true, readme: verifyReadme(readText(absolute, label(absolute)), label(absolute), (signature, digest) => verifyCosignSignature(signature, { digest, trust, policy: options.policy, payloadName: 'printed payload' })) };
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      if (error instanceof SignatureCheckError) return { verified: false, file: label(absolute), message: `${label(absolute)}: ${error.message}`, check: error.check };
      return { verified: false, file: label(absolute), message: error.message };
    }
  });
}

type Verify = (signature: CosignSignature, digest: string) => VerifiedSigner;

function verifyReadme(markdown: string, file: string, verify: Verify): VerifiedReadme {
  const tree = parseMarkdown(markdown);
  const block = [...walk(tree)].find((node): node is Code => node.type === 'code' && isPrintedVerifyOutput(node.value));
  if (!block) throw new VerificationError(`${file}: no \`cosign verify\` output in the README, so nothing vouches for it; render it with readme-gen`);
  const where = `${file}:${(block.position?.start.line ?? 0) + 1}`;
  const printed = parsePrintedVerifyOutput(block.value, where);
  const tag = printed.reference.slice(printed.reference.lastIndexOf(':') + 1);
  const digest = tableDigest(tree, tag);
  if (!digest) throw new VerificationError(`${file}: the tags table has no row for \`${tag}\`, so it cannot be tied to the signature`);
  const downloaded = downloadedSignatures(tree, file);
  const readme: VerifiedReadme = { file, reference: printed.reference, digest, signers: [], logIndexes: [], unlogged: 0 };
  printed.claims.forEach((claims, index) => {
    const { candidates, signedDigest } = signatureFromPrintedClaims(claims, `${where}: signature ${index + 1}`, downloaded);
    if (signedDigest !== digest) {
      throw new SignatureCheckError(digest, 'a', `the tags table gives ${digest} for ${tag}, but the printed claims sign ${signedDigest}`);
    }
    const { signature, signer } = firstVerified(candidates, digest, verify);
    readme.signers.push(signer);
    checkUnsignedClaims(claims, signature, digest);
    if (signature.bundle) readme.logIndexes.push(signature.bundle.payload.logIndex);
    else readme.unlogged++;
  });
  return readme;
}

/** Every signature the README prints as `cosign download signature` output, in order. */
function downloadedSignatures(tree: Nodes, file: string): DownloadedSignature[] {
  return [...walk(tree)]
    .filter((node): node is Code => node.type === 'code' && isDownloadOutput(node.value))
    .flatMap((block) => parseDownloadOutput(block.value, `${file}:${(block.position?.start.line ?? 0) + 1}`));
}

/**
 * The first candidate that verifies. Several print the same payload when an
 * image was signed again, or with another key than the one given; the first
 * one's failure is reported when none verifies.
 */
function firstVerified(candidates: PrintedSignature['candidates'], digest: string, verify: Verify): { signature: CosignSignature; signer: VerifiedSigner } {
  let failure: unknown;
  for (const record of candidates) {
    try {
      const signature = readCosignSignature(record, digest);
      return { signature, signer: verify(signature, digest) };
    } catch (error) {
      if (!(error instanceof SignatureCheckError)) throw error;
      failure ??= error;
    }
  }
  throw failure;
}

/**
 * What `cosign verify` adds to the printed claims — Subject, Issuer, the Fulcio
 * extensions, the Bundle — is not covered by the signature: it comes from the
 * certificate and the log entry. So once those are verified, the printed
 * additions must be exactly what they give, or a hand edit of the printed
 * Subject (the field readers are told to check) would pass as authentic.
 */
function checkUnsignedClaims(printed: unknown, signature: CosignSignature, digest: string): void {
  const optional = optionalOf(printed);
  // 1.13 and later print the issuer OID (and the workflow names beside the OIDs); earlier cosign printed neither.
  const expected = optionalOf(JSON.parse(formatJq(printedClaims(signature, OIDC_ISSUER_OID in optional ? 'current' : 'oids-only'))));
  for (const key of new Set([...Object.keys(expected), ...Object.keys(optional)])) {
    if (isDeepStrictEqual(optional[key], expected[key])) continue;
    const what = key in expected ? `the verified certificate and log entry give ${shortJson(expected[key])}` : 'the verified certificate and log entry give no such field';
    throw new SignatureCheckError(digest, 'e', `the printed claims misstate the verified signature: optional.${key} is ${key in optional ? shortJson(optional[key]) : 'missing'} in the README, but ${what}`);
  }
}

function optionalOf(claims: unknown): Record<string, unknown> {
  const optional = (claims as { optional?: unknown } | null)?.optional;
  return optional !== null && typeof optional === 'object' && !Array.isArray(optional) ? (optional as Record<string, unknown>) : {};
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= 120 ? text : `${text.slice(0, 100)}…`;
}

/**
 * The digest the tags table gives for `tag`: the own digest (rowDigestCell,
 * the rule `render` checks its tables by) of the first row that shows `tag`
 * as code. Other digests in the row, such as its platforms', are not the tag's.
 */
function tableDigest(tree: Nodes, tag: string): string | undefined {
  const row = [...walk(tree)].find(
    (node): node is TableRow => node.type === 'tableRow' && [...walk(node)].some((child) => child.type === 'inlineCode' && child.value === tag),
  );
  const cell = row && rowDigestCell(row);
  if (!cell) return undefined;
  const [digest, ...others] = cell.digests;
  if (digest !== undefined && others.length > 0) {
    throw new SignatureCheckError(digest, 'a', `the tags table row for \`${tag}\` shows ${cell.digests.join(', ')} in its digest cell, so it gives the tag no one digest to tie to the signature`);
  }
  return digest;
}

function readText(file: string, label: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${label}: cannot read the README (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}
