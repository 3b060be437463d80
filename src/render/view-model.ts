import type { RenderSettings } from './render-settings.js';
import { parseLocation } from '../registry/image-location.js';
import { formatDownloadOutput } from '../signatures/cosign-download-output.js';
import type { CosignSignature } from '../signatures/cosign-signature.js';
import { type FulcioIdentity, readFulcioIdentity } from '../signatures/fulcio-certificate.js';
import { bundleCertificate } from '../signatures/sigstore-bundle.js';
import { type CosignOutputGeneration, formatBundleVerifyOutput, formatCosignVerifyOutput } from '../signatures/cosign-verify-output.js';
import type { IdentityPolicy } from '../signatures/identity-policy.js';
import type { ImageSignature, SignatureVerdict } from '../signatures/verify-state.js';
import { type Digest, type ImageState, INDEX_MEDIA_TYPES, type PlatformRecord } from '../state/image-state.js';
import type { AttestationVerdict } from '../attestations/attestation-facts.js';
import { type AttestationsView, attestationsView, attestedKinds } from './attestation-view.js';
import { type BuildToolView, buildToolView } from './build-tools.js';
import { type RekorEntryView, rekorEntryView } from './log-entry-view.js';
import { platformName } from './platform-name.js';
import { shellQuote } from '../text/shell-quote.js';
import { primaryTagOf } from './primary-tag.js';
import { type TagNoteView, tagNotesOf } from './tag-notes.js';
import { isShownTag } from '../tags/tag-filter.js';
import { compareBytes, compareTags } from '../tags/tag-order.js';

/**
 * What templates see. Optional values are left out rather than set to null, so
 * that a template in strict mode fails on `{{repo}}` when no repo is configured
 * instead of printing a blank.
 */
export interface ReadmeView {
  /** The image's name (name), the README's title. */
  name: string;
  /** registry/repository the image is pulled from (location), e.g. cgr.dev/chainguard/glibc-dynamic. */
  location: string;
  /** The registry host of location, e.g. cgr.dev. */
  registry: string;
  /** The source repository's URL (repo). */
  repo?: string;
  /** The workflow file whose CI badge a template shows (ci-workflow). */
  ciWorkflow?: string;
  /** The config author's Markdown under the title (description or description-file): show it with `{{{description}}}`. */
  description?: string;
  /** The config author's Markdown of the Usage section (usage-file): show it with `{{{usage}}}`. */
  usage?: string;
  /** built-with, in its order; empty unless configured. */
  builtWith: BuildToolView[];
  /** A tag of the rows: the one the pull and verify commands name (primary-tag, or the one readme-gen picks; see primaryTagOf). */
  primaryTag: string;
  /** The digest primaryTag points to, for the digest-pinned pull; absent when no tag is shown. */
  primaryDigest?: string;
  /** Every platform the rows offer, as their platformNames spell it, each once, in the order the rows first show it. */
  platformNames: string[];
  /** Phrases the distroless template needs (wording). */
  wording: {
    /** What generated the README, in its comment (wording.generator). */
    generator?: string;
    /** What the images are called in "All … are signed" (wording.signed-images). */
    signedImages?: string;
  };
  /** The tags table: one row per digest, latest first, then versions newest first, then other tags by name. */
  rows: TagRowView[];
  /** tag-notes, in the config's order: what a tag means, whether it moves. Empty unless configured. */
  tagNotes: TagNoteView[];
  /** Some digest the README shows is signed (verified or not): without one, there is nothing to say about signing. */
  anySigned: boolean;
  /** The primary tag's signing: what the Signing section says and the commands it prints. */
  signing: SigningView;
  /** Some row has provenance or an SBOM (signed or not): the tags table gets a column for them. */
  anyAttested: boolean;
  /** The primary tag's provenance and SBOM, for the Provenance section; absent when its digest has neither. */
  attestations?: AttestationsView;
}

/** One row of the tags table: a digest and every shown tag pointing at it. */
export interface TagRowView {
  /** The shown tags of this digest, in table order. */
  tags: string[];
  /** The digest the tags point at: an image index's for a multi-platform image. */
  digest: string;
  /** The media type of what digest names, e.g. application/vnd.oci.image.index.v1+json. */
  mediaType: string;
  /** digest names an index (multi-platform), not a single image's manifest. */
  isIndex: boolean;
  /** The images of the digest, one per platform, in the index's order. */
  platforms: PlatformView[];
  /** architecture+variant of each platform, unique, in byte order: the original tool's Arch column. */
  architectures: string[];
  /** The digest's first 12 hex digits, as `docker images` shows it: what the tags table shows, the full digest being below it. */
  shortDigest: string;
  /** Each platform as people name it: `amd64`, `arm/v7`; the OS only when it is not linux (`windows/amd64`). */
  platformNames: string[];
  /** When the image was last updated, and where that time comes from; absent when neither source says. */
  updated?: UpdatedView;
  /** The digest has signatures (verified or not). */
  signed: boolean;
  /** Signed, and every signature passed every check. */
  verified: boolean;
  /** Why a signature did not verify (shown only with --allow-unverified). */
  failure?: string;
  /** The transparency-log entries of the verified signatures. */
  rekorEntries: RekorEntryView[];
  /** Signed and verified, but no signature has a transparency-log entry: there is nothing to link. */
  unlogged: boolean;
  /** Logged, but only in Rekor v2 logs, which no search page shows: nothing may link to one. */
  unsearchable: boolean;
  /** The digest (or one of its platforms) has build provenance that verified: `signed`, or `unsigned` (BuildKit's). */
  provenance?: 'signed' | 'unsigned';
  /** The digest (or one of its platforms) has an SBOM that verified: `signed`, or `unsigned` (BuildKit's). */
  sbom?: 'signed' | 'unsigned';
}

export interface UpdatedView {
  /** YYYY-MM-DD, in UTC. */
  date: string;
  /** `created`: the image's org.opencontainers.image.created; `signed`: its first verified signature's log time. */
  source: 'created' | 'signed';
}

export interface PlatformView {
  /** os/architecture[/variant], as docker and crane print a platform. */
  name: string;
  /** e.g. linux. */
  os: string;
  /** e.g. amd64, arm64, arm. */
  architecture: string;
  /** e.g. v7 for arm/v7. */
  variant?: string;
  /** The Windows version an image needs (os.version). */
  osVersion?: string;
  /** The platform's own manifest digest, in an index. */
  digest?: string;
  /** Bytes of the platform's manifest plus its layers, compressed (what a pull downloads); absent where the state did not record it. */
  size?: number;
}

export interface SigningView {
  /** location:primaryTag, the reference the commands name. */
  reference: string;
  /** The primary tag's digest has signatures. */
  signed: boolean;
  /** Signed, and every signature passed every check. */
  verified: boolean;
  /** Verified, and every signature verifyCommand checks has a transparency-log entry. */
  logged: boolean;
  /** Every signed digest in the tags table links to a Rekor entry. */
  everySignedRowLinked: boolean;
  /** Every signed digest in the tags table names a transparency-log entry, linked or not. */
  everySignedRowLogged: boolean;
  /** Why a signature did not verify (shown only with --allow-unverified). */
  failure?: string;
  /** The digest the primary tag points at. */
  digest?: string;
  /** What `cosign verify` prints for the primary tag, rebuilt from its verified signatures. */
  cosignVerifyOutput?: string;
  /** What `cosign download signature` prints, when a signature has no log entry: the only place its bytes are shown. */
  downloadOutput?: string;
  /** The `cosign verify` command that succeeds for the primary tag, for a sh block. */
  verifyCommand?: string;
  /** The keyless signer's certificate identity (a workflow's URL, an email). */
  identity?: string;
  /** The OIDC issuer that vouched for identity. */
  issuer?: string;
  /** The transparency-log entries of the signatures verifyCommand checks. */
  rekorEntries: RekorEntryView[];
  /** What the signing certificate of a keyless signature says about who signed, from what, and when. */
  facts?: SigningFactsView;
}

/** The signing facts a person reads; each field only when the certificate or log entry says it. */
export interface SigningFactsView {
  /** The workflow file that signed, e.g. `.github/workflows/release.yaml`, when the signer is a GitHub workflow. */
  workflow?: string;
  /** The ref the workflow ran at, e.g. `refs/heads/main`. */
  workflowRef?: string;
  /** The repository the workflow or source is in: its URL and its owner/name. */
  repository?: {
    /** The repository's page, e.g. https://github.com/acme/app. */
    url: string;
    /** Its owner/name, e.g. acme/app. */
    name: string;
  };
  /** The event that started the workflow, e.g. `push`, `schedule`. */
  trigger?: string;
  /** The commit built, and its page when the repository is known. */
  commit?: {
    /** The commit's full hash. */
    sha: string;
    /** The commit's page in the repository. */
    url?: string;
  };
  /** When the log entry was made: `2022-09-19 02:51 UTC`. */
  signedOn?: string;
}

/**
 * The view fields a config key sets, by the last part of their path (all a
 * strict-mode error names), so that an error can name the key to set.
 */
export const CONFIG_KEY_OF_FIELD: ReadonlyMap<string, string> = new Map([
  ['repo', 'repo'],
  ['ciWorkflow', 'ci-workflow'],
  ['description', 'description (or description-file)'],
  ['usage', 'usage-file'],
  ['generator', 'wording.generator'],
  ['signedImages', 'wording.signed-images'],
]);

/** The digests whose signatures a README shows: each shown tag's (the primary tag is one of them). */
export function shownDigests(config: RenderSettings, state: ImageState): Set<string> {
  return new Set(state.tags.filter((tag) => isShownTag(tag.name, config.excludeTags)).map((tag) => tag.digest as string));
}

/**
 * `verdicts` holds the verification of every signature of the digests
 * shownDigests names, `attestations` of every attestation of them.
 */
export function buildView(
  config: RenderSettings,
  state: ImageState,
  verdicts: ReadonlyMap<string, SignatureVerdict[]>,
  attestations: ReadonlyMap<string, AttestationVerdict[]> = new Map(),
): ReadmeView {
  const primaryTag = primaryTagOf(config, state);
  const rows = buildRows(state, config.excludeTags, verdicts, attestations);
  const signing = buildSigning(config, state, verdicts, rows, primaryTag);
  const view: ReadmeView = {
    name: config.name,
    location: config.location,
    registry: parseLocation(config.location).registry,
    builtWith: config.builtWith.map(buildToolView),
    primaryTag,
    platformNames: [...new Set(rows.flatMap((row) => row.platformNames))],
    wording: { ...config.wording },
    rows,
    tagNotes: tagNotesOf(config, state, new Set(rows.flatMap((row) => row.tags))),
    anySigned: signing.signed || rows.some((row) => row.signed),
    signing,
    anyAttested: rows.some((row) => row.provenance !== undefined || row.sbom !== undefined),
  };
  if (signing.digest !== undefined) {
    view.primaryDigest = signing.digest;
    const image = state.images[signing.digest as Digest];
    const shown = image && attestationsView(config.location, signing.digest, image, attestations.get(signing.digest) ?? []);
    if (shown) view.attestations = shown;
  }
  if (config.repo !== undefined) view.repo = config.repo;
  if (config.ciWorkflow !== undefined) view.ciWorkflow = config.ciWorkflow;
  if (config.description !== undefined) view.description = config.description;
  if (config.usage !== undefined) view.usage = config.usage;
  return view;
}

type Verdicts = ReadonlyMap<string, SignatureVerdict[]>;

function buildRows(
  state: ImageState,
  excludeTags: readonly string[],
  verdicts: Verdicts,
  attestations: ReadonlyMap<string, AttestationVerdict[]>,
): TagRowView[] {
  const tagsByDigest = new Map<Digest, string[]>();
  for (const tag of state.tags) {
    if (!isShownTag(tag.name, excludeTags)) continue;
    tagsByDigest.set(tag.digest, [...(tagsByDigest.get(tag.digest) ?? []), tag.name]);
  }
  const rows = [...tagsByDigest].map(([digest, tags]): TagRowView => {
    const image = state.images[digest];
    if (!image) throw new Error(`state has no image for ${digest}`); // loadState guarantees it
    const rowVerdicts = verdicts.get(digest) ?? [];
    const verified = rowVerdicts.length > 0 && rowVerdicts.every((verdict) => verdict.verified);
    const entries = rekorEntries(rowVerdicts.filter((verdict): verdict is Verified => verdict.verified));
    const row: TagRowView = {
      tags: tags.sort(compareTags),
      digest,
      mediaType: image.mediaType,
      isIndex: INDEX_MEDIA_TYPES.has(image.mediaType),
      platforms: image.platforms.map(platformView),
      architectures: [...new Set(image.platforms.map((p) => p.architecture + (p.variant ?? '')))].sort(compareBytes),
      shortDigest: digest.slice('sha256:'.length, 'sha256:'.length + 12),
      platformNames: image.platforms.map(platformName),
      signed: rowVerdicts.length > 0,
      verified,
      rekorEntries: entries,
      unlogged: verified && entries.length === 0,
      unsearchable: verified && entries.length > 0 && entries.every((entry) => entry.url === undefined),
    };
    const failure = firstFailure(rowVerdicts);
    if (failure !== undefined) row.failure = failure;
    Object.assign(row, attestedKinds(attestations.get(digest) ?? []));
    const updated = updatedOf(image.annotations, image.labels, rowVerdicts);
    if (updated) row.updated = updated;
    return row;
  });
  return rows.sort((a, b) => compareTags(a.tags[0] ?? '', b.tags[0] ?? ''));
}

function platformView(platform: PlatformRecord): PlatformView {
  const view: PlatformView = {
    name: [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined).join('/'),
    os: platform.os,
    architecture: platform.architecture,
  };
  if (platform.variant !== undefined) view.variant = platform.variant;
  if (platform['os.version'] !== undefined) view.osVersion = platform['os.version'];
  if (platform.digest !== undefined) view.digest = platform.digest;
  if (platform.size !== undefined) view.size = platform.size;
  return view;
}

const CREATED = 'org.opencontainers.image.created';

/**
 * The image's own creation time (index or manifest annotation, else config
 * label) when it is a date; else when it was first signed, by its verified
 * log entries: a time the log vouches for, never a guess.
 */
function updatedOf(
  annotations: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
  verdicts: readonly SignatureVerdict[],
): UpdatedView | undefined {
  for (const value of [annotations?.[CREATED], labels?.[CREATED]]) {
    const time = value === undefined ? NaN : Date.parse(value);
    if (!Number.isNaN(time)) return { date: new Date(time).toISOString().slice(0, 10), source: 'created' };
  }
  const times = verdicts.flatMap((verdict) => (verdict.verified ? (logTime(verdict.signature) ?? []) : []));
  return times.length === 0 ? undefined : { date: new Date(Math.min(...times) * 1000).toISOString().slice(0, 10), source: 'signed' };
}

/** The log's integrated time of a signature, in seconds; a Rekor v2 entry has none. */
function logTime(signature: ImageSignature): number | undefined {
  return signature.format === 'cosign' ? signature.cosign.bundle?.payload.integratedTime : signature.bundle.logEntry?.integratedTime;
}

function firstFailure(verdicts: readonly SignatureVerdict[]): string | undefined {
  for (const verdict of verdicts) if (!verdict.verified) return verdict.failure.message;
  return undefined;
}

function rekorEntries(verdicts: readonly Verified[]): RekorEntryView[] {
  return verdicts.flatMap(({ logEntry }) => (logEntry ? [rekorEntryView(logEntry)] : []));
}

type Verified = Extract<SignatureVerdict, { verified: true }>;

/**
 * The signatures the printed `cosign verify` command checks, and so prints:
 * like cosign 3, bundles when there are any, else the legacy layout; and of
 * those the keyless ones when there are any, since a command naming an
 * identity verifies no keyed signature (and one naming a key no keyless one).
 */
export function signaturesCosignVerifies(verdicts: readonly SignatureVerdict[]): Verified[] {
  const verified = verdicts.filter((verdict): verdict is Verified => verdict.verified);
  const bundles = verified.filter((verdict) => verdict.signature.format === 'sigstore-bundle');
  const layout = bundles.length > 0 ? bundles : verified;
  const keyless = layout.filter((verdict) => !verdict.signer.keyed);
  return keyless.length > 0 ? keyless : layout;
}

/** What `cosign verify` prints for these signatures, all of one layout (see signaturesCosignVerifies). */
function printedVerification(
  reference: string,
  digest: string,
  signatures: ImageSignature[],
  generation: CosignOutputGeneration,
  ignoreTlog: boolean,
): string {
  const bundles = signatures.flatMap((signature) => (signature.format === 'sigstore-bundle' ? [signature.bundle] : []));
  if (bundles.length > 0) return formatBundleVerifyOutput(reference, digest, bundles, ignoreTlog);
  return formatCosignVerifyOutput(reference, legacySignatures(signatures), generation, ignoreTlog);
}

function legacySignatures(signatures: ImageSignature[]): CosignSignature[] {
  return signatures.flatMap((signature) => (signature.format === 'cosign' ? [signature.cosign] : []));
}

function buildSigning(
  config: RenderSettings,
  state: ImageState,
  allVerdicts: Verdicts,
  rows: readonly TagRowView[],
  primaryTag: string,
): SigningView {
  const reference = `${config.location}:${primaryTag}`;
  const digest = state.tags.find((tag) => tag.name === primaryTag)?.digest;
  const verdicts = digest ? (allVerdicts.get(digest) ?? []) : [];
  const verified = verdicts.length > 0 && verdicts.every((verdict) => verdict.verified);
  const everySignedRowLinked = rows.every((row) => !row.signed || row.rekorEntries.some((entry) => entry.url !== undefined));
  const everySignedRowLogged = rows.every((row) => !row.signed || row.rekorEntries.length > 0);
  const signing: SigningView = {
    reference,
    signed: verdicts.length > 0,
    verified,
    logged: false,
    everySignedRowLinked,
    everySignedRowLogged,
    rekorEntries: [],
  };
  if (digest) signing.digest = digest;
  const failure = firstFailure(verdicts);
  if (failure !== undefined) signing.failure = failure;
  if (!verified) return signing;

  const shown = signaturesCosignVerifies(verdicts);
  const primarySignatures = shown.map((verdict) => verdict.signature);
  // Only keyed signatures verify without a log entry, so an unlogged one means every shown signature is keyed.
  signing.logged = shown.every((verdict) => verdict.logEntry !== undefined);
  signing.rekorEntries = rekorEntries(shown);
  signing.cosignVerifyOutput = printedVerification(reference, digest as string, primarySignatures, config.cosignOutput, !signing.logged);
  // Legacy signatures only: a bundle's printed form is not `cosign download signature` output.
  const downloadOutput = signing.logged ? '' : formatDownloadOutput(legacySignatures(primarySignatures));
  if (downloadOutput !== '') signing.downloadOutput = downloadOutput;
  const signer = shown.find((verdict) => !verdict.signer.keyed)?.signer;
  if (signer?.subject !== undefined) signing.identity = signer.subject;
  if (signer?.issuer !== undefined) signing.issuer = signer.issuer;
  signing.verifyCommand = signer
    ? keylessVerifyCommand(reference, config.identity, signer.subject, signer.issuer)
    : keyedVerifyCommand(reference, signing.logged);
  const first = shown[0];
  if (first) {
    const facts = signingFacts(first.signature);
    if (Object.keys(facts).length > 0) signing.facts = facts;
  }
  return signing;
}

/** A repository's owner/name as GitHub allows them: what may stand in a link's text and URL unescaped. */
const REPOSITORY_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const GITHUB_WORKFLOW_SUBJECT = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/(\.github\/workflows\/[^@]+)@(.+)$/;
const SOURCE_REPOSITORY_URL = /^https:\/\/[A-Za-z0-9.-]+\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)$/;

/**
 * Who signed, from what and when, as the signature's certificate and log entry
 * say it: a GitHub workflow's file, repository and ref from the certificate's
 * subject, the trigger and commit from Fulcio's extensions (the current DER
 * ones, else the 2022 raw ones), the time from the log entry. Nothing is
 * inferred: a field the certificate does not carry is left out.
 */
function signingFacts(signature: ImageSignature): SigningFactsView {
  const facts: SigningFactsView = {};
  const time = logTime(signature);
  if (time !== undefined) facts.signedOn = `${new Date(time * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const identity = certificateIdentity(signature);
  if (!identity) return facts;
  const legacy = (name: string) => identity.githubWorkflow.find((extension) => extension.name === name)?.value;
  const workflow = GITHUB_WORKFLOW_SUBJECT.exec(identity.subject);
  // A name or URL that is not a plain repository's is left out: it would be link text and a link, not code.
  const legacyName = legacy('githubWorkflowRepository');
  const repositoryName = workflow?.[1] ?? (legacyName !== undefined && REPOSITORY_NAME.test(legacyName) ? legacyName : undefined);
  const source = SOURCE_REPOSITORY_URL.exec(identity.build?.sourceRepository ?? '');
  if (workflow) {
    facts.workflow = workflow[2] as string;
    facts.workflowRef = workflow[3] as string;
  }
  if (repositoryName !== undefined) facts.repository = { url: `https://github.com/${repositoryName}`, name: repositoryName };
  else if (source) facts.repository = { url: source[0], name: source[1] as string };
  const trigger = identity.build?.trigger ?? legacy('githubWorkflowTrigger');
  if (trigger !== undefined) facts.trigger = trigger;
  const sha = identity.build?.sourceCommit ?? legacy('githubWorkflowSha');
  if (sha !== undefined) {
    const onGitHub = facts.repository?.url.startsWith('https://github.com/') === true && /^[0-9a-f]{40}$/.test(sha);
    facts.commit = onGitHub ? { sha, url: `${facts.repository?.url}/commit/${sha}` } : { sha };
  }
  return facts;
}

function certificateIdentity(signature: ImageSignature): FulcioIdentity | undefined {
  if (signature.format === 'cosign') return signature.cosign.certificate?.identity;
  const der = bundleCertificate(signature.bundle.bundle);
  if (!der) return undefined;
  try {
    return readFulcioIdentity(der, '');
  } catch {
    return undefined; // verification read this certificate already; a bundle that got here has a readable one
  }
}

/**
 * The command current cosign needs. Keyless verification must name who signed
 * and their issuer: the configured policy when there is one, else the signer
 * readme-gen verified.
 */
function keylessVerifyCommand(reference: string, policy: IdentityPolicy, identity: string | undefined, issuer: string | undefined): string {
  const identityFlag = flag('certificate-identity', policy.certificateIdentity, policy.certificateIdentityRegexp, identity);
  const issuerFlag = flag('certificate-oidc-issuer', policy.certificateOidcIssuer, policy.certificateOidcIssuerRegexp, issuer);
  if (identityFlag === undefined || issuerFlag === undefined) return keyedVerifyCommand(reference, true);
  return ['cosign verify \\', `  ${identityFlag} \\`, `  ${issuerFlag} \\`, `  ${shellQuote(reference)}`].join('\n');
}

/** cosign looks a keyed signature up in the transparency log unless told not to, and fails when it is not there. */
function keyedVerifyCommand(reference: string, logged: boolean): string {
  return `cosign verify --key cosign.pub${logged ? '' : ' --insecure-ignore-tlog=true'} ${shellQuote(reference)}`;
}

function flag(name: string, exact: string | undefined, pattern: string | undefined, observed: string | undefined): string | undefined {
  if (pattern !== undefined && exact === undefined) return `--${name}-regexp=${shellQuote(pattern)}`;
  const value = exact ?? observed;
  if (value === undefined) return undefined;
  // A control character cannot stand in the README's sh block: Markdown turns \r into a line end, and an
  // ESC would reach the terminal of whoever prints the README. RE2 can spell it, so cosign gets an exact pattern.
  if (CONTROL_CHARACTER.test(value)) return `--${name}-regexp=${shellQuote(exactPattern(value))}`;
  return `--${name}=${shellQuote(value)}`;
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** An RE2 pattern that matches `value` and nothing else: metacharacters quoted as Go's regexp.QuoteMeta does, controls as \x{hh}. */
function exactPattern(value: string): string {
  const quoted = value
    .replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x{${char.charCodeAt(0).toString(16)}}`);
  return `^${quoted}$`;
}
