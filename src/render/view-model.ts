import type { ResolvedConfig } from '../config/readme-gen-config.js';
import { type CosignSignature, readCosignSignature } from '../signatures/cosign-signature.js';
import { formatCosignVerifyOutput } from '../signatures/cosign-verify-output.js';
import { type Digest, type ImageState, INDEX_MEDIA_TYPES, type PlatformRecord } from '../state/image-state.js';
import { isShownTag } from './tag-filter.js';
import { compareBytes, compareTags } from './tag-order.js';

/**
 * What templates see. Optional values are left out rather than set to null, so
 * that a template in strict mode fails on `{{repo}}` when no repo is configured
 * instead of printing a blank.
 */
export interface ReadmeView {
  name: string;
  location: string;
  /** The registry host of location, e.g. cgr.dev. */
  registry: string;
  repo?: string;
  description?: string;
  usage?: string;
  builtWith: { apko: boolean; melange: boolean };
  primaryTag: string;
  wording: { generator?: string; signedImages?: string };
  rows: TagRowView[];
  signing: SigningView;
}

/** One row of the tags table: a digest and every shown tag pointing at it. */
export interface TagRowView {
  tags: string[];
  digest: string;
  mediaType: string;
  isIndex: boolean;
  platforms: PlatformView[];
  /** architecture+variant of each platform, unique, in byte order: the original tool's Arch column. */
  architectures: string[];
  signed: boolean;
  rekorEntries: RekorEntryView[];
}

export interface PlatformView {
  /** os/architecture[/variant], as docker and crane print a platform. */
  name: string;
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  digest?: string;
  size?: number;
}

export interface RekorEntryView {
  logIndex: number;
  url: string;
}

export interface SigningView {
  /** location:primaryTag, the reference the commands name. */
  reference: string;
  signed: boolean;
  digest?: string;
  cosignVerifyOutput?: string;
  verifyCommand?: string;
  identity?: string;
  issuer?: string;
  rekorEntries: RekorEntryView[];
}

export function rekorSearchUrl(logIndex: number): string {
  return `https://search.sigstore.dev/?logIndex=${logIndex}`;
}

export function buildView(config: ResolvedConfig, state: ImageState): ReadmeView {
  const signatures = readAllSignatures(state);
  const view: ReadmeView = {
    name: config.name,
    location: config.location,
    registry: config.location.split('/')[0] ?? config.location,
    builtWith: { apko: config.builtWith.includes('apko'), melange: config.builtWith.includes('melange') },
    primaryTag: config.primaryTag,
    wording: { ...config.wording },
    rows: buildRows(state, config.excludeTags, signatures),
    signing: buildSigning(config, state, signatures),
  };
  if (config.repo !== undefined) view.repo = config.repo;
  if (config.description !== undefined) view.description = config.description;
  if (config.usage !== undefined) view.usage = config.usage;
  return view;
}

type SignaturesByDigest = Map<string, CosignSignature[]>;

function readAllSignatures(state: ImageState): SignaturesByDigest {
  const byDigest: SignaturesByDigest = new Map();
  for (const [digest, image] of Object.entries(state.images)) {
    const cosign = image.signatures.flatMap((record, index) =>
      record.format === 'cosign' ? [readCosignSignature(record, `signature ${index + 1} of ${digest}`)] : [],
    );
    byDigest.set(digest, cosign);
  }
  return byDigest;
}

function buildRows(state: ImageState, excludeTags: readonly string[], signatures: SignaturesByDigest): TagRowView[] {
  const tagsByDigest = new Map<Digest, string[]>();
  for (const tag of state.tags) {
    if (!isShownTag(tag.name, excludeTags)) continue;
    tagsByDigest.set(tag.digest, [...(tagsByDigest.get(tag.digest) ?? []), tag.name]);
  }
  const rows = [...tagsByDigest].map(([digest, tags]): TagRowView => {
    const image = state.images[digest];
    if (!image) throw new Error(`state has no image for ${digest}`); // loadState guarantees it
    const rowSignatures = signatures.get(digest) ?? [];
    return {
      tags: tags.sort(compareTags),
      digest,
      mediaType: image.mediaType,
      isIndex: INDEX_MEDIA_TYPES.has(image.mediaType),
      platforms: image.platforms.map(platformView),
      architectures: [...new Set(image.platforms.map((p) => p.architecture + (p.variant ?? '')))].sort(compareBytes),
      signed: rowSignatures.length > 0,
      rekorEntries: rekorEntries(rowSignatures),
    };
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

function rekorEntries(signatures: CosignSignature[]): RekorEntryView[] {
  return signatures.flatMap((signature) =>
    signature.bundle ? [{ logIndex: signature.bundle.payload.logIndex, url: rekorSearchUrl(signature.bundle.payload.logIndex) }] : [],
  );
}

function buildSigning(config: ResolvedConfig, state: ImageState, signatures: SignaturesByDigest): SigningView {
  const reference = `${config.location}:${config.primaryTag}`;
  const digest = state.tags.find((tag) => tag.name === config.primaryTag)?.digest;
  const primarySignatures = digest ? (signatures.get(digest) ?? []) : [];
  const signing: SigningView = { reference, signed: primarySignatures.length > 0, rekorEntries: rekorEntries(primarySignatures) };
  if (digest) signing.digest = digest;
  if (primarySignatures.length === 0) return signing;

  signing.cosignVerifyOutput = formatCosignVerifyOutput(reference, primarySignatures, config.cosignOutput);
  const certificate = primarySignatures.find((signature) => signature.certificate)?.certificate?.identity;
  const identity = config.identity.certificateIdentity ?? certificate?.subject;
  const issuer = config.identity.certificateOidcIssuer ?? certificate?.issuer;
  if (identity !== undefined) signing.identity = identity;
  if (issuer !== undefined) signing.issuer = issuer;
  signing.verifyCommand = verifyCommand(reference, identity, issuer);
  return signing;
}

/** The command current cosign needs: keyless verification must name the identity and issuer. */
function verifyCommand(reference: string, identity: string | undefined, issuer: string | undefined): string {
  if (identity === undefined || issuer === undefined) return `cosign verify --key cosign.pub ${shellQuote(reference)}`;
  return [
    'cosign verify \\',
    `  --certificate-identity=${shellQuote(identity)} \\`,
    `  --certificate-oidc-issuer=${shellQuote(issuer)} \\`,
    `  ${shellQuote(reference)}`,
  ].join('\n');
}

/** Single-quotes a word for sh unless it is made only of characters sh leaves alone. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
