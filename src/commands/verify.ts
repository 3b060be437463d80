import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Code, Nodes, Root, TableRow } from 'mdast';
import { DEFAULT_CONFIG_FILE } from '../config/discover-configs.js';
import { findReadmeConfig } from '../config/find-readme-config.js';
import type { ConfigOverrides, ResolvedConfig } from '../config/readme-gen-config.js';
import { InputError, VerificationError } from '../errors.js';
import { KeptResults, resultKey } from '../fs/kept-results.js';
import { keepingDir } from '../registry/content-cache.js';
import { signaturesCosignVerifies } from '../render/view-model.js';
import { parseMarkdown, walk } from '../markdown/parse-markdown.js';
import { rowDigestCell } from '../markdown/table-digest.js';
import { type CosignSignature, readCosignSignature } from '../signatures/cosign-signature.js';
import { type DownloadedSignature, isDownloadOutput, parseDownloadOutput } from '../signatures/cosign-download-output.js';
import { printedClaims } from '../signatures/cosign-verify-output.js';
import { OIDC_ISSUER_OID } from '../signatures/fulcio-certificate.js';
import type { IdentityPolicy } from '../signatures/identity-policy.js';
import { formatJq } from '../signatures/ordered-json.js';
import { COSIGN_SIGNATURE_TYPE } from '../signatures/simple-signing-payload.js';
import {
  type PrintedSignature,
  type PrintedVerifyOutput,
  isPrintedVerifyOutput,
  parsePrintedVerifyOutput,
  signatureFromPrintedClaims,
} from '../signatures/printed-verify-output.js';
import { type Check, SignatureCheckError } from '../signatures/signature-check-error.js';
import type { VerifiedSigner } from '../signatures/verify-bundle.js';
import { VerdictStore, policyInKey, readSigner, verdictKey } from '../signatures/verdict-cache.js';
import type { Trust } from '../signatures/trusted-root.js';
import { verifyCosignSignature } from '../signatures/verify-cosign-signature.js';
import type { CosignSignatureRecord } from '../state/image-state.js';
import { loadState } from '../state/load-state.js';
import { type Claim, type ClaimDifference, firstClaimDifference, printsProvenance, readmeClaims } from '../verify/readme-claims.js';
import { type ReadmeFile, renderReadmeFile } from './readme-file.js';
import { keptChecks, offlineTrust, offlineTrustFor } from './trust.js';

export interface VerifyOptions {
  cwd: string;
  files: string[];
  policy: IdentityPolicy;
  keyPath?: string;
  trustedRootPath?: string;
  /**
   * The config of the READMEs whose proof is their committed state (see
   * verifyReadmes): --all's, or the one --config names. Without it, each such
   * README's own is looked for (findReadmeConfig).
   */
  config?: ResolvedConfig;
  /** For a config that is looked for: the flags that override it (identity, key, trusted root). */
  overrides?: ConfigOverrides;
  /** For a config that is looked for: --allow-outside. */
  allowOutside?: boolean;
  /** unpinned: the root TUF last refreshed from this repository (default public good), cached here, else the shipped one */
  tufMirror?: string;
  cacheDir?: string;
}

/**
 * What vouches for a README: `self-contained` — its printed claims carry their
 * own proof (a Rekor Bundle with its SignedEntryTimestamp, or the printed
 * `cosign download signature` line a key verifies); `committed state` — the
 * claims of a Sigstore bundle carry none, so the README is held to what its
 * committed state, whose signatures are verified, renders.
 */
export type Proof = 'self-contained' | 'committed state';

export interface VerifiedReadme {
  file: string;
  proof: Proof;
  /** what cosign verified, e.g. cgr.dev/chainguard/glibc-dynamic:latest */
  reference: string;
  /** the digest the tags table gives for the reference's tag */
  digest: string;
  signers: VerifiedSigner[];
  logIndexes: number[];
  /** the same entries as the README names them: `Rekor entry 4242` (Rekor v1), or a Rekor v2 entry by its log and index */
  logEntries: string[];
  /** how many of the signatures have no transparency-log entry (keyed, verified from the printed signature) */
  unlogged: number;
  /** with the committed-state proof: the config and the state file, as cwd-relative paths */
  config?: string;
  state?: string;
}

export type ReadmeVerdict =
  | { verified: true; readme: VerifiedReadme }
  /**
   * `check` is the failed check (a–f, policy) when the data could be read;
   * `claim` the claim that differs from what the committed state renders;
   * `proof` what was to vouch for the README, once that is known.
   */
  | { verified: false; file: string; message: string; check?: Check; claim?: string; proof?: Proof };

/**
 * Checks the signing data printed inside READMEs. A README whose printed
 * claims carry their own proof (see Proof) is verified from them alone: the
 * payload is rebuilt from the printed claims and verified like a signature from
 * the registry, and the digest the tags table gives for the verified tag must
 * be the one signed. Any other README is checked against its committed state
 * (verifyAgainstState). Either way a hand edit of a claim — a digest, the
 * table, a printed claim, the signer — fails here.
 */
export function verifyReadmes(options: VerifyOptions): ReadmeVerdict[] {
  const label = (file: string) => path.relative(options.cwd, file) || file;
  const cache = options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir };
  const trust = offlineTrust(
    options.cwd,
    {
      ...(options.trustedRootPath === undefined ? {} : { trustedRootPath: path.resolve(options.cwd, options.trustedRootPath) }),
      ...(options.keyPath === undefined ? {} : { keyPath: path.resolve(options.cwd, options.keyPath) }),
      ...(options.tufMirror === undefined ? {} : { tufMirror: options.tufMirror }),
    },
    cache,
  );
  const verdicts = new VerdictStore(keepingDir(cache));
  const authentic = new AuthenticReadmes(keepingDir(cache));
  return options.files.map((file): ReadmeVerdict => {
    const absolute = path.resolve(options.cwd, file);
    const name = label(absolute);
    const markdown = readText(absolute, name);
    const keptKey = authenticReadmeKey(markdown, trust, options.policy);
    const kept = authentic.get(keptKey);
    if (kept) return { verified: true, readme: { file: name, ...kept } };
    let proof: Proof | undefined;
    try {
      // Provenance facts come from statements the README cannot carry: only the committed state can vouch for them.
      const tree = parseMarkdown(markdown);
      const claims = readmeClaims(tree, name);
      const provenance = printsProvenance(claims);
      if (provenance && !hasPrintedOutput(tree)) {
        proof = 'committed state';
        return { verified: true, readme: verifyAgainstState(markdown, claims, absolute, name, options, PROVENANCE_REASON) };
      }
      const printed = printedOutput(tree, name);
      proof = printed.selfContained ? 'self-contained' : 'committed state';
      if (printed.selfContained) {
        const verify: Verify = (signature, digest, record) =>
          verdicts.kept(verdictKey(digest, record, trust, options.policy), () =>
            verifyCosignSignature(signature, { digest, trust, policy: options.policy, payloadName: 'printed payload' }),
          );
        const readme = verifyReadme(printed, name, verify);
        if (provenance) {
          // Its signature proves itself; its provenance facts are held to the state (so this verdict is not kept: it depends on more files).
          verifyAgainstState(markdown, claims, absolute, name, options, PROVENANCE_REASON);
          return { verified: true, readme };
        }
        const { file: _file, ...verdict } = readme;
        authentic.put(keptKey, verdict);
        return { verified: true, readme };
      }
      return { verified: true, readme: verifyAgainstState(markdown, claims, absolute, name, options, BUNDLE_REASON) };
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      const failed = { verified: false as const, file: name, ...(proof ? { proof } : {}) };
      if (error instanceof SignatureCheckError) return { ...failed, message: `${name}: ${error.message}`, check: error.check };
      if (error instanceof ClaimMismatch) return { ...failed, message: error.message, claim: error.claim };
      return { ...failed, message: error.message };
    }
  });
}

/** Raise when what verifying a self-contained README checks changes (readme-gen's version is in every key too). */
const SELF_CONTAINED_FORMAT = 1;

/** A self-contained README's verdict is a function of its bytes, the trusted root and key, and the policy. */
function authenticReadmeKey(markdown: string, trust: Pick<Trust, 'fingerprint'>, policy: IdentityPolicy): string {
  return resultKey(['self-contained README', SELF_CONTAINED_FORMAT, markdown, trust.fingerprint, policyInKey(policy)]);
}

type KeptReadme = Omit<VerifiedReadme, 'file'>;

/**
 * Self-contained READMEs found authentic, kept in the cache directory
 * (readmes/<key>.json; see KeptResults), so that verify over an unchanged
 * repository parses and verifies none of them again. A README checked against
 * its committed state is not kept: its verdict depends on more files.
 */
class AuthenticReadmes extends KeptResults<KeptReadme> {
  constructor(cacheDir: string | undefined) {
    super(cacheDir, 'readmes', readKeptReadme);
  }
}

function readKeptReadme(value: unknown): KeptReadme | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { proof, reference, digest, signers, logIndexes, logEntries, unlogged } = value as Partial<Record<keyof KeptReadme, unknown>>;
  const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (proof !== 'self-contained' || typeof reference !== 'string' || typeof digest !== 'string' || typeof unlogged !== 'number')
    return undefined;
  if (!strings(logEntries) || !Array.isArray(logIndexes) || !logIndexes.every((index) => typeof index === 'number')) return undefined;
  if (!Array.isArray(signers)) return undefined;
  const read = signers.map(readSigner);
  if (read.some((signer) => signer === undefined)) return undefined;
  return { proof, reference, digest, signers: read as VerifiedSigner[], logIndexes, logEntries, unlogged };
}

/** The parts of a README its printed claims are read from, and whether they prove themselves. */
interface PrintedOutput {
  tree: Root;
  where: string;
  printed: PrintedVerifyOutput;
  downloaded: DownloadedSignature[];
  /**
   * The claims are a legacy signature's (simple signing, or with a Bundle):
   * each carries its log proof, or the README prints the signature to check
   * it against, or it is refused. A Sigstore bundle's claims (cosign 3 prints
   * the statement's predicate type, and no log proof) are not.
   */
  selfContained: boolean;
}

function printedBlock(tree: Root): Code | undefined {
  return [...walk(tree)].find((node): node is Code => node.type === 'code' && isPrintedVerifyOutput(node.value));
}

function hasPrintedOutput(tree: Root): boolean {
  return printedBlock(tree) !== undefined;
}

function printedOutput(tree: Root, file: string): PrintedOutput {
  const block = printedBlock(tree);
  if (!block)
    throw new VerificationError(
      `${file}: no \`cosign verify\` output in the README, so nothing vouches for it: its image is unsigned, or it was not rendered from a signed state (\`readme-gen render --check\` compares it with its committed state)`,
    );
  const where = `${file}:${(block.position?.start.line ?? 0) + 1}`;
  const printed = parsePrintedVerifyOutput(block.value, where);
  const downloaded = downloadedSignatures(tree, file);
  const selfContained = printed.claims.some(
    (claims) => optionalOf(claims).Bundle !== undefined || typeOf(claims) === COSIGN_SIGNATURE_TYPE,
  );
  return { tree, where, printed, downloaded, selfContained };
}

/**
 * A README whose printed claims cannot prove themselves — cosign 3's output for
 * a Sigstore bundle carries no log proof — held to its committed state: the
 * config whose output it is names the state; the state's signatures are
 * verified (render's full checks, with the config's identity policy, key and
 * trusted root, which flags override); the README is rendered from it
 * offline as `render` renders it; and every claim the committed README makes
 * must be the one the rendered README makes (readmeClaims reads both;
 * `claims` are the committed README's, read once by the caller).
 */
function verifyAgainstState(
  markdown: string,
  claims: readonly Claim[],
  absolute: string,
  file: string,
  options: VerifyOptions,
  reason: string,
): VerifiedReadme {
  const config = options.config ?? configOf(absolute, file, options, reason);
  const configLabel = config.source;
  if (config.statePath === undefined) {
    throw new InputError(
      `${file}: ${reason}, so verify checks them against the committed state, but ${configLabel} names no state: file; set state: in it, or pass --config FILE naming the config that renders ${file} from a committed state`,
    );
  }
  const stateLabel = path.relative(options.cwd, config.statePath) || config.statePath;
  if (!existsSync(config.statePath)) {
    throw new InputError(
      `${file}: the committed state ${stateLabel} that ${configLabel} names does not exist; commit it beside the README, or pass --config FILE naming the config ${file} was rendered from`,
    );
  }
  const state = loadState(config.statePath, options.cwd);
  const cache = options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir };
  let rendered: ReadmeFile;
  try {
    rendered = renderReadmeFile(config, state, offlineTrustFor(config, options.cwd, state, cache), markdown, {
      label: file,
      kept: keptChecks(cache),
    });
  } catch (error) {
    if (!(error instanceof SignatureCheckError)) throw error;
    // The state's own signatures fail: the message names the state, the digest and the check.
    throw new SignatureCheckError(error.digest, error.check, `${reasonOf(error)} (in the committed state ${stateLabel})`, { cause: error });
  }
  const difference = firstClaimDifference(claims, readmeClaims(rendered.content, file));
  if (difference) throw new ClaimMismatch(file, difference);

  const { signing } = rendered.view;
  // What the README's Signing section shows: the signatures `cosign verify` checks, and their log entries.
  const shown = signing.digest === undefined ? [] : signaturesCosignVerifies(rendered.verdicts.get(signing.digest) ?? []);
  const entries = signing.rekorEntries;
  return {
    file,
    proof: 'committed state',
    reference: signing.reference,
    digest: signing.digest ?? '',
    signers: shown.map((verdict) => verdict.signer),
    logIndexes: entries.map((entry) => entry.logIndex),
    logEntries: entries.map((entry) => entry.name),
    unlogged: shown.length - entries.length,
    config: configLabel,
    state: stateLabel,
  };
}

/** The config `file` is rendered from, looked for; none is an input error that says what to pass. */
function configOf(absolute: string, file: string, options: VerifyOptions, reason: string): ResolvedConfig {
  const search = findReadmeConfig(absolute, {
    cwd: options.cwd,
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.allowOutside ? { allowOutside: true } : {}),
  });
  if (search.config) return search.config;
  const top = search.searched.at(-1) ?? path.dirname(absolute);
  const range =
    search.searched.length === 1
      ? path.relative(options.cwd, top) || '.'
      : `${path.relative(options.cwd, path.dirname(absolute)) || '.'} up to ${path.relative(options.cwd, top) || '.'}`;
  throw new InputError(
    `${file}: ${reason}, so verify checks them against the committed state, but no ${DEFAULT_CONFIG_FILE} in ${range} renders ${file}; pass --config FILE naming the config it was rendered from`,
  );
}

/** Why a README is held to its committed state, as messages say it. */
const BUNDLE_REASON = "its printed claims (a Sigstore bundle's) carry no log proof";
const PROVENANCE_REASON = 'its provenance facts come from attestations it cannot print the proof of';

/** A claim of the README that is not what its committed state renders. */
class ClaimMismatch extends VerificationError {
  readonly claim: string;
  constructor(file: string, difference: ClaimDifference) {
    const { name, printed, expected } = difference;
    // A missing claim has no line in the README; the rendered one's line may be another.
    const where = printed?.line ? `${file}:${printed.line}` : file;
    const said = printed === undefined ? 'is missing' : `is ${shortValue(printed.value)}`;
    const says = expected === undefined ? 'renders no such claim' : `says ${shortValue(expected.value)}`;
    super(`${where}: ${name} ${said}; the committed state ${says}`);
    this.name = 'ClaimMismatch';
    this.claim = name;
  }
}

function shortValue(value: string): string {
  return value.length <= 120 ? value : `${value.slice(0, 100)}…`;
}

/** A SignatureCheckError's reason, without the digest and check its message starts with. */
function reasonOf(error: SignatureCheckError): string {
  const marker = ' failed: ';
  const at = error.message.indexOf(marker);
  return at === -1 ? error.message : error.message.slice(at + marker.length);
}

/** Verifies a signature read from `record` (kept verdicts are used: see VerdictStore). */
type Verify = (signature: CosignSignature, digest: string, record: CosignSignatureRecord) => VerifiedSigner;

function verifyReadme({ tree, where, printed, downloaded }: PrintedOutput, file: string, verify: Verify): VerifiedReadme {
  const tag = printed.reference.slice(printed.reference.lastIndexOf(':') + 1);
  const digest = tableDigest(tree, tag);
  if (!digest) throw new VerificationError(`${file}: the tags table has no row for \`${tag}\`, so it cannot be tied to the signature`);
  const readme: VerifiedReadme = {
    file,
    proof: 'self-contained',
    reference: printed.reference,
    digest,
    signers: [],
    logIndexes: [],
    logEntries: [],
    unlogged: 0,
  };
  printed.claims.forEach((claims, index) => {
    const { candidates, signedDigest } = signatureFromPrintedClaims(claims, `${where}: signature ${index + 1}`, downloaded);
    if (signedDigest !== digest) {
      throw new SignatureCheckError(digest, 'a', `the tags table gives ${digest} for ${tag}, but the printed claims sign ${signedDigest}`);
    }
    const { signature, signer } = firstVerified(candidates, digest, verify);
    readme.signers.push(signer);
    checkUnsignedClaims(claims, signature, digest);
    if (signature.bundle) {
      readme.logIndexes.push(signature.bundle.payload.logIndex);
      readme.logEntries.push(`Rekor entry ${signature.bundle.payload.logIndex}`);
    } else {
      readme.unlogged++;
    }
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
function firstVerified(
  candidates: PrintedSignature['candidates'],
  digest: string,
  verify: Verify,
): { signature: CosignSignature; signer: VerifiedSigner } {
  let failure: unknown;
  for (const record of candidates) {
    try {
      const signature = readCosignSignature(record, digest);
      return { signature, signer: verify(signature, digest, record) };
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
    const what =
      key in expected
        ? `the verified certificate and log entry give ${shortJson(expected[key])}`
        : 'the verified certificate and log entry give no such field';
    throw new SignatureCheckError(
      digest,
      'e',
      `the printed claims misstate the verified signature: optional.${key} is ${key in optional ? shortJson(optional[key]) : 'missing'} in the README, but ${what}`,
    );
  }
}

function typeOf(claims: unknown): unknown {
  return (claims as { critical?: { type?: unknown } } | null)?.critical?.type;
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
 * as code and a digest (the default template's first table shows tags with
 * short digests only; its full digests are in the table below). Other digests
 * in the row, such as its platforms', are not the tag's.
 */
function tableDigest(tree: Nodes, tag: string): string | undefined {
  const row = [...walk(tree)].find(
    (node): node is TableRow =>
      node.type === 'tableRow' &&
      [...walk(node)].some((child) => child.type === 'inlineCode' && child.value === tag) &&
      rowDigestCell(node) !== undefined,
  );
  const cell = row && rowDigestCell(row);
  if (!cell) return undefined;
  const [digest, ...others] = cell.digests;
  if (digest !== undefined && others.length > 0) {
    throw new SignatureCheckError(
      digest,
      'a',
      `the tags table row for \`${tag}\` shows ${cell.digests.join(', ')} in its digest cell, so it gives the tag no one digest to tie to the signature`,
    );
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
