import type { Bundle } from '@sigstore/bundle';
import { readFulcioIdentity } from '../signatures/fulcio-certificate.js';
import { parseRekorBundle } from '../signatures/rekor-bundle.js';
import { bundleCertificate, bundleLogEntry, isSignatureBundle } from '../signatures/sigstore-bundle.js';
import { parseSigstoreBundle } from '../signatures/verify-bundle.js';
import type { AttestationRecord, Digest, ImageState, PlatformRecord, SignatureRecord } from '../state/image-state.js';
import { canonicalJson } from '../state/serialize-state.js';
import { isProvenance, readProvenanceFacts } from '../attestations/provenance-facts.js';
import { readSbomFacts } from '../attestations/sbom-facts.js';
import { readAttestation } from '../attestations/verify-attestations.js';
import type { InTotoStatement } from '../signatures/in-toto-statement.js';
import { compareTags } from '../tags/tag-order.js';

/**
 * What a reviewer of a bot pull request needs to know about a state change:
 * which tags appeared, disappeared or now point somewhere else, which
 * platforms a moved tag gained or lost, and whether the signer changed.
 * Everything here is pure: two states in, a description out.
 */
export interface StateChanges {
  added: AddedTag[];
  removed: RemovedTag[];
  moved: MovedTag[];
  /** digests that every listed tag still points to, whose signatures changed */
  signatures: SignaturesChange[];
  /** the signing identity of the primary tag, when it changed */
  signer?: SignerChange;
  /** what a reviewer should see of the provenance and SBOMs of tags in both states */
  provenance: ProvenanceChange[];
  /** the state's bytes changed in ways none of the above describes (sizes, labels, annotations…) */
  otherChanges: boolean;
}

export interface SignaturesChange {
  digest: Digest;
  /** the tags pointing at the digest in both states */
  tags: string[];
  /** how many signatures the digest had, and has */
  before: number;
  after: number;
}

/**
 * A change in what a tag's attestations say that the README's Provenance
 * section shows: the source commit moved, the builder changed, provenance or
 * an SBOM disappeared, or one that was signed is now only unsigned.
 */
export interface ProvenanceChange {
  /** the tags (in both states, pointing at the same digests before and after) whose attestations changed so */
  tags: string[];
  what: 'source commit' | 'builder' | 'provenance removed' | 'SBOM removed' | 'provenance unsigned' | 'SBOM unsigned';
  /** for source commit and builder: the value before and after (undefined: the provenance does not say) */
  from?: string;
  to?: string;
}

export interface AddedTag {
  tag: string;
  digest: Digest;
  platforms: string[];
}

export interface RemovedTag {
  tag: string;
  digest: Digest;
}

export interface MovedTag {
  tag: string;
  from: Digest;
  to: Digest;
  /** platforms the new digest has and the old one had not */
  platformsAdded: string[];
  platformsRemoved: string[];
}

export interface SignerChange {
  /** the tag whose signature is compared: the config's primary tag */
  tag: string;
  /** undefined: not signed */
  from: string | undefined;
  to: string | undefined;
}

/** What identifies a keyed signature, which has no certificate and so no SAN. */
export const KEYED_SIGNER = 'a public key (no certificate)';

/**
 * The changes from `before` (the state on the base branch; undefined when
 * there was none) to `after`. `primaryTag` names the tag whose signer is
 * compared, as the README's Signing section shows that tag's signature.
 */
export function summarizeStateChanges(before: ImageState | undefined, after: ImageState, primaryTag: string): StateChanges {
  const old = new Map((before?.tags ?? []).map((tag) => [tag.name, tag.digest]));
  const now = new Map(after.tags.map((tag) => [tag.name, tag.digest]));
  const byTag = (a: { tag: string }, b: { tag: string }) => compareTags(a.tag, b.tag);

  const added = [...now]
    .filter(([tag]) => !old.has(tag))
    .map(([tag, digest]) => ({ tag, digest, platforms: platformNames(after, digest) }))
    .sort(byTag);
  const removed = [...old]
    .filter(([tag]) => !now.has(tag))
    .map(([tag, digest]) => ({ tag, digest }))
    .sort(byTag);
  const moved = [...now]
    .flatMap(([tag, to]) => {
      const from = old.get(tag);
      if (from === undefined || from === to) return [];
      const was = new Set(platformNames(before, from));
      const is = new Set(platformNames(after, to));
      return [{ tag, from, to, platformsAdded: [...is].filter((p) => !was.has(p)), platformsRemoved: [...was].filter((p) => !is.has(p)) }];
    })
    .sort(byTag);

  const signatures = [...new Set(after.tags.filter((tag) => old.get(tag.name) === tag.digest).map((tag) => tag.digest))]
    .flatMap((digest): SignaturesChange[] => {
      const was = before?.images[digest]?.signatures ?? [];
      const is = after.images[digest]?.signatures ?? [];
      if (canonicalJson(was) === canonicalJson(is)) return [];
      const tags = after.tags
        .filter((tag) => tag.digest === digest && old.get(tag.name) === digest)
        .map((tag) => tag.name)
        .sort(compareTags);
      return [{ digest, tags, before: was.length, after: is.length }];
    })
    .sort((a, b) => compareTags(a.tags[0] ?? '', b.tags[0] ?? ''));

  const changes: StateChanges = { added, removed, moved, signatures, provenance: provenanceChanges(before, after), otherChanges: false };
  const signerBefore = before ? signerOf(before, primaryTag) : undefined;
  const signerAfter = signerOf(after, primaryTag);
  if (signerBefore !== signerAfter) changes.signer = { tag: primaryTag, from: signerBefore, to: signerAfter };
  changes.otherChanges = !hasNamedChanges(changes) && !sameContent(before, after);
  return changes;
}

function hasNamedChanges(changes: StateChanges): boolean {
  return (
    changes.added.length + changes.removed.length + changes.moved.length + changes.signatures.length + changes.provenance.length > 0 ||
    changes.signer !== undefined
  );
}

/** True when nothing at all changed between the two states. */
export function isEmpty(changes: StateChanges): boolean {
  return !hasNamedChanges(changes) && !changes.otherChanges;
}

/**
 * The changes in plain text, one a line, for a commit message or a terminal:
 * `tag 1.2 added: sha256:0123456789ab (linux/amd64)`.
 */
export function describeChanges(changes: StateChanges): string[] {
  const lines = [
    ...changes.added.map(
      (t) => `tag ${t.tag} added: ${shortDigest(t.digest)}${t.platforms.length > 0 ? ` (${t.platforms.join(', ')})` : ''}`,
    ),
    ...changes.removed.map((t) => `tag ${t.tag} removed (was ${shortDigest(t.digest)})`),
    ...changes.moved.map((t) => `tag ${t.tag} moved: ${shortDigest(t.from)} -> ${shortDigest(t.to)}${platformDelta(t)}`),
    ...changes.signatures.map((s) => `signatures of ${s.tags.join(', ')} (${shortDigest(s.digest)}) changed: ${s.before} -> ${s.after}`),
  ];
  if (changes.signer)
    lines.push(`signer of ${changes.signer.tag}: ${changes.signer.from ?? '(unsigned)'} -> ${changes.signer.to ?? '(unsigned)'}`);
  lines.push(...changes.provenance.map((change) => describeProvenanceChange(change)));
  if (changes.otherChanges) lines.push('sizes, labels or annotations changed; tags point where they did');
  return lines;
}

function platformDelta(moved: MovedTag): string {
  const parts = [
    ...(moved.platformsAdded.length > 0 ? [`added ${moved.platformsAdded.join(', ')}`] : []),
    ...(moved.platformsRemoved.length > 0 ? [`removed ${moved.platformsRemoved.join(', ')}`] : []),
  ];
  return parts.length > 0 ? `; platforms ${parts.join('; ')}` : '';
}

/** `sha256:` and the first 12 hex digits: enough to tell digests apart in a review. */
export function shortDigest(digest: string): string {
  const match = /^(sha256:)([0-9a-f]{12})[0-9a-f]*$/.exec(digest);
  return match ? `${match[1]}${match[2]}` : digest;
}

/** os/architecture[/variant] of each platform of the image `digest` names, in the state's order. */
function platformNames(state: ImageState | undefined, digest: Digest): string[] {
  const platforms: PlatformRecord[] = state?.images[digest]?.platforms ?? [];
  return [
    ...new Set(platforms.map((p) => [p.os, p.architecture, p.variant].filter((part) => part !== undefined && part !== '').join('/'))),
  ];
}

/**
 * Who signed the image `tag` points to: the certificate SAN (email, else URI,
 * as cosign prints it) of its latest signature — the one with the latest
 * transparency-log time; unlogged ones count as oldest, and among equals the
 * last listed wins. Attestations are not signatures. Undefined when unsigned.
 */
export function signerOf(state: ImageState, tag: string): string | undefined {
  const digest = state.tags.find((record) => record.name === tag)?.digest;
  if (digest === undefined) return undefined;
  const signatures = state.images[digest]?.signatures ?? [];
  let latest: { time: number; signer: string } | undefined;
  for (const record of signatures) {
    const read = readSigner(record, digest);
    if (read === undefined) continue;
    if (latest === undefined || read.time >= latest.time) latest = read;
  }
  return latest?.signer;
}

function readSigner(record: SignatureRecord, digest: Digest): { time: number; signer: string } | undefined {
  if (record.format === 'cosign') {
    const pem = record.annotations['dev.sigstore.cosign/certificate'];
    return {
      time: cosignIntegratedTime(record.annotations['dev.sigstore.cosign/bundle'], digest),
      signer: pem ? subjectOf(pem, digest, 'an unreadable certificate') : KEYED_SIGNER,
    };
  }
  if (!isSignatureBundle(record)) return undefined;
  const unreadable = 'an unreadable Sigstore bundle';
  let bundle: Bundle;
  try {
    bundle = parseSigstoreBundle(record.bundle, digest);
  } catch {
    return { time: 0, signer: unreadable };
  }
  const der = bundleCertificate(bundle);
  return { time: finiteOrZero(bundleLogEntry(bundle)?.integratedTime), signer: der ? subjectOf(der, digest, unreadable) : KEYED_SIGNER };
}

function cosignIntegratedTime(annotation: string | undefined, digest: Digest): number {
  if (annotation === undefined || annotation === '') return 0;
  try {
    return parseRekorBundle(annotation, digest).payload.integratedTime;
  } catch {
    return 0;
  }
}

function finiteOrZero(time: number | undefined): number {
  return time !== undefined && Number.isFinite(time) ? time : 0;
}

/** The certificate SAN as cosign prints it (email, else URI); `unreadable` when it cannot be parsed. */
function subjectOf(certificate: string | Buffer<ArrayBuffer>, digest: Digest, unreadable: string): string {
  try {
    return readFulcioIdentity(certificate, digest).subject || 'a certificate without an email or URI SAN';
  } catch {
    return unreadable;
  }
}

function sameContent(before: ImageState | undefined, after: ImageState): boolean {
  return before !== undefined && canonicalJson(before) === canonicalJson(after);
}

/**
 * A provenance change as one sentence: plain for a commit message, or with
 * `show` making tags and values code and an arrow of its own for the pull
 * request's Markdown.
 */
export function describeProvenanceChange(change: ProvenanceChange, show = (text: string) => text, arrow = '->'): string {
  const tags = change.tags.map(show).join(', ');
  const value = (text: string | undefined) => (text === undefined ? '(not said)' : show(text));
  switch (change.what) {
    case 'source commit':
      return `provenance of ${tags}: source commit ${value(change.from)} ${arrow} ${value(change.to)}`;
    case 'builder':
      return `provenance of ${tags}: builder ${value(change.from)} ${arrow} ${value(change.to)}`;
    case 'provenance removed':
      return `provenance of ${tags} disappeared`;
    case 'SBOM removed':
      return `SBOM of ${tags} disappeared`;
    case 'provenance unsigned':
      return `provenance of ${tags} is no longer signed`;
    case 'SBOM unsigned':
      return `SBOM of ${tags} is no longer signed`;
  }
}

/** What a digest's attestations say, as the Provenance section shows it: a signed one over an unsigned one. */
interface AttestedSummary {
  provenance?: { signed: boolean; sourceCommit?: string; builderId?: string };
  sbom?: { signed: boolean };
}

/**
 * The provenance changes of the tags in both states, grouped by the digest
 * pair they point at (a tag that stayed put compares its digest with itself:
 * its attestations may still change). Statements are read, not verified, as
 * signerOf reads certificates: the description says what changed, render
 * verifies what is shown. A record that cannot be read counts as absent.
 */
function provenanceChanges(before: ImageState | undefined, after: ImageState): ProvenanceChange[] {
  if (!before) return [];
  const old = new Map(before.tags.map((tag) => [tag.name, tag.digest]));
  const pairs = new Map<string, { from: Digest; to: Digest; tags: string[] }>();
  for (const tag of after.tags) {
    const from = old.get(tag.name);
    if (from === undefined) continue;
    const key = `${from} ${tag.digest}`;
    const pair = pairs.get(key) ?? { from, to: tag.digest, tags: [] };
    pair.tags.push(tag.name);
    pairs.set(key, pair);
  }
  const changes: ProvenanceChange[] = [];
  for (const { from, to, tags } of pairs.values()) {
    // The same records say the same: most tags of a bot run stay put, and an SBOM can be megabytes to parse.
    if (sameRecords(before.images[from]?.attestations, after.images[to]?.attestations)) continue;
    const was = attestedSummary(before, from);
    const is = attestedSummary(after, to);
    const sorted = tags.sort(compareTags);
    const add = (what: ProvenanceChange['what'], values?: { from: string | undefined; to: string | undefined }) =>
      changes.push({
        tags: sorted,
        what,
        ...(values?.from === undefined ? {} : { from: values.from }),
        ...(values?.to === undefined ? {} : { to: values.to }),
      });
    if (was.provenance && !is.provenance) add('provenance removed');
    if (was.provenance && is.provenance) {
      if (was.provenance.sourceCommit !== is.provenance.sourceCommit)
        add('source commit', { from: was.provenance.sourceCommit, to: is.provenance.sourceCommit });
      if (was.provenance.builderId !== is.provenance.builderId)
        add('builder', { from: was.provenance.builderId, to: is.provenance.builderId });
      if (was.provenance.signed && !is.provenance.signed) add('provenance unsigned');
    }
    if (was.sbom && !is.sbom) add('SBOM removed');
    if (was.sbom?.signed && is.sbom && !is.sbom.signed) add('SBOM unsigned');
  }
  return changes.sort((a, b) => compareTags(a.tags[0] ?? '', b.tags[0] ?? ''));
}

function sameRecords(a: readonly AttestationRecord[] = [], b: readonly AttestationRecord[] = []): boolean {
  const names = (records: readonly AttestationRecord[]) =>
    records.map((record) => `${record.manifestDigest} ${'digest' in record ? record.digest : ''}`).join('\n');
  return names(a) === names(b);
}

function attestedSummary(state: ImageState, digest: Digest): AttestedSummary {
  const summary: AttestedSummary = {};
  for (const record of state.images[digest]?.attestations ?? []) {
    let statement: InTotoStatement;
    try {
      statement = readAttestation(record, digest).statement;
    } catch {
      continue;
    }
    const signed = record.format !== 'buildkit';
    if (isProvenance(statement.predicateType)) {
      if (summary.provenance?.signed === true || (summary.provenance && !signed)) continue;
      const facts = readProvenanceFacts(statement.predicateType, statement.predicate);
      summary.provenance = { signed };
      if (facts.sourceCommit !== undefined) summary.provenance.sourceCommit = facts.sourceCommit;
      if (facts.builderId !== undefined) summary.provenance.builderId = facts.builderId;
    } else if (readSbomFacts(statement.predicateType, statement.predicate)) {
      if (summary.sbom?.signed !== true) summary.sbom = { signed };
    }
  }
  return summary;
}
