import type { AttestationFacts, AttestationVerdict, ProvenanceFacts, SbomFacts } from '../attestations/attestation-facts.js';
import type { ImageRecord } from '../state/image-state.js';
import { type RekorEntryView, rekorEntryView } from './log-entry-view.js';
import { platformName } from './platform-name.js';
import { counted } from '../text/counted.js';
import { shellQuote } from '../text/shell-quote.js';

/** What the README says of the primary tag's attestations: its Provenance section. */
export interface AttestationsView {
  /** The build provenance readme-gen shows: a signed one that verified before an unsigned one, the image's own before a platform's. */
  provenance?: ProvenanceView;
  /** The SBOM readme-gen shows, picked as provenance is. */
  sbom?: SbomView;
  /** Why an attestation of the primary tag's digest did not verify (shown only with --allow-unverified; its facts are left out). */
  failure?: string;
}

/** Who vouches for an attestation: its signer as verified, or nobody (BuildKit's, which are never signed). */
export interface AttestationSignerView {
  /** Signed, and the signature, its certificate or key, its log entry and the statement's subject all verified. */
  signed: boolean;
  /** Signed with a key (`cosign attest --key`), verified with the configured public key: no certificate names a signer. */
  keyed: boolean;
  /** The keyless signer's certificate identity (a workflow's URL, an email); absent for a keyed or unsigned one. */
  identity?: string;
  /** The OIDC issuer that vouched for identity. */
  issuer?: string;
  /** The transparency-log entry of the signature; empty when unsigned or not logged. */
  rekorEntries: RekorEntryView[];
}

/** SLSA provenance facts as its statement says them; each only when the statement says it. */
export interface ProvenanceView {
  /** Who vouches for it. */
  signing: AttestationSignerView;
  /** The in-toto predicate type, e.g. https://slsa.dev/provenance/v1. */
  predicateType: string;
  /** The SLSA version the predicate type names: `v1` or `v0.2`. */
  slsaVersion: string;
  /** The platform the statement is about (`amd64`), when its subject is one platform's manifest rather than the image. */
  platform?: string;
  /** The repository built from: its URL as the statement gives it, its owner/name and a link when it is on github.com. */
  source?: {
    /** The repository as the statement names it, without a clone URL's `.git`. */
    uri: string;
    /** owner/name, when uri is a github.com repository. */
    name?: string;
    /** The repository's page, when uri is a github.com repository. */
    url?: string;
  };
  /** The commit built, and its page when the source is on github.com. */
  commit?: {
    /** The commit's hash, as the statement gives it. */
    sha: string;
    /** The commit's page on github.com. */
    url?: string;
  };
  /** The builder's ID, e.g. https://github.com/actions/runner/github-hosted. */
  builderId?: string;
  /** The workflow file that ran the build, e.g. .github/workflows/release.yml. */
  workflow?: string;
  /** The event that started the build, e.g. push. */
  trigger?: string;
  /** When the build finished (else started): `2026-03-04 05:06 UTC`. */
  builtOn?: string;
}

/** An SBOM's format and size, and how to download it. */
export interface SbomView {
  /** Who vouches for it. */
  signing: AttestationSignerView;
  /** SPDX or CycloneDX. */
  format: string;
  /** The format's own version, e.g. SPDX-2.3 or 1.5. */
  formatVersion?: string;
  /** How many packages (SPDX) or components (CycloneDX) it lists. */
  packageCount: number;
  /** packageCount in words: `1 package`, `42 packages`. */
  packages: string;
  /** The in-toto predicate type, e.g. https://spdx.dev/Document. */
  predicateType: string;
  /** The platform the SBOM is about (`amd64`), when its subject is one platform's manifest rather than the image. */
  platform?: string;
  /** The command that downloads it: `cosign download attestation` for a signed one, `docker buildx imagetools inspect` for BuildKit's. */
  downloadCommand: string;
}

/** Whether a digest has provenance or an SBOM among its verified attestations, and whether it is signed. */
type AttestedAs = 'signed' | 'unsigned';

/** The kinds of attestation a tags-table row marks: a signed one wins over an unsigned one of the same kind. */
export function attestedKinds(verdicts: readonly AttestationVerdict[]): { provenance?: AttestedAs; sbom?: AttestedAs } {
  const kinds: { provenance?: AttestedAs; sbom?: AttestedAs } = {};
  for (const facts of verifiedFacts(verdicts)) {
    if (facts.kind === 'other') continue;
    if (kinds[facts.kind] !== 'signed') kinds[facts.kind] = facts.signing.signed ? 'signed' : 'unsigned';
  }
  return kinds;
}

/**
 * The primary tag's Provenance section, from the verdicts of its digest's
 * attestations; undefined when there is nothing to say. `location` is the
 * image's, for the download command; `image` its record, to name a platform.
 */
export function attestationsView(
  location: string,
  digest: string,
  image: Pick<ImageRecord, 'platforms'>,
  verdicts: readonly AttestationVerdict[],
): AttestationsView | undefined {
  const view: AttestationsView = {};
  const failed = verdicts.find((verdict) => !verdict.verified);
  if (failed && !failed.verified) view.failure = failed.failure.message;
  const facts = verifiedFacts(verdicts);
  const pick = <K extends 'provenance' | 'sbom'>(kind: K) =>
    best(
      facts.filter((fact): fact is Extract<AttestationFacts, { kind: K }> => fact.kind === kind),
      digest,
    );
  const platformOf = (subject: string) => subjectPlatform(image, digest, subject);
  const provenance = pick('provenance');
  if (provenance) view.provenance = provenanceView(provenance, platformOf(provenance.subject));
  const sbom = pick('sbom');
  if (sbom) view.sbom = sbomView(sbom, platformOf(sbom.subject), location, digest);
  return Object.keys(view).length === 0 ? undefined : view;
}

function verifiedFacts(verdicts: readonly AttestationVerdict[]): AttestationFacts[] {
  return verdicts.flatMap((verdict) => (verdict.verified ? [verdict.facts] : []));
}

/** Signed before unsigned, then the image's own before a platform's; else the state's order. */
function best<T extends AttestationFacts>(facts: readonly T[], digest: string): T | undefined {
  const rank = (fact: T) => (fact.signing.signed ? 0 : 2) + (fact.subject === digest ? 0 : 1);
  return [...facts].sort((a, b) => rank(a) - rank(b))[0];
}

function subjectPlatform(image: Pick<ImageRecord, 'platforms'>, digest: string, subject: string): string | undefined {
  if (subject === digest) return undefined;
  const platform = image.platforms.find((candidate) => candidate.digest === subject);
  return platform && platformName(platform);
}

function signerView(facts: AttestationFacts): AttestationSignerView {
  const { signing } = facts;
  if (!signing.signed) return { signed: false, keyed: false, rekorEntries: [] };
  const view: AttestationSignerView = {
    signed: true,
    keyed: signing.signer.keyed,
    rekorEntries: signing.logEntry ? [rekorEntryView(signing.logEntry)] : [],
  };
  if (!signing.signer.keyed) {
    if (signing.signer.subject !== undefined) view.identity = signing.signer.subject;
    if (signing.signer.issuer !== undefined) view.issuer = signing.signer.issuer;
  }
  return view;
}

/** A repository on github.com, owner/name as GitHub allows them: what may stand in a link unescaped. */
const GITHUB_REPOSITORY = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)$/;

function provenanceView(facts: ProvenanceFacts, platform: string | undefined): ProvenanceView {
  const view: ProvenanceView = {
    signing: signerView(facts),
    predicateType: facts.predicateType,
    slsaVersion: facts.predicateType === 'https://slsa.dev/provenance/v1' ? 'v1' : 'v0.2',
  };
  if (platform !== undefined) view.platform = platform;
  if (facts.sourceRepository !== undefined) {
    // The facts reader drops git+ and the ref; a clone URL's .git is no part of the repository's page.
    const uri = facts.sourceRepository.replace(/\.git$/, '');
    const github = GITHUB_REPOSITORY.exec(uri);
    view.source = github ? { uri, name: github[1] as string, url: uri } : { uri };
  }
  if (facts.sourceCommit !== undefined) {
    const sha = facts.sourceCommit;
    const url = view.source?.url !== undefined && /^[0-9a-f]{40}$/.test(sha) ? `${view.source.url}/commit/${sha}` : undefined;
    view.commit = url === undefined ? { sha } : { sha, url };
  }
  if (facts.builderId !== undefined) view.builderId = facts.builderId;
  if (facts.buildWorkflow !== undefined) view.workflow = facts.buildWorkflow;
  if (facts.trigger !== undefined) view.trigger = facts.trigger;
  const builtOn = minuteOf(facts.buildFinishedOn) ?? minuteOf(facts.buildStartedOn);
  if (builtOn !== undefined) view.builtOn = builtOn;
  return view;
}

/** An RFC 3339 time to the minute, in UTC; a value that is no date is left out rather than shown. */
function minuteOf(time: string | undefined): string | undefined {
  const parsed = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(parsed) ? undefined : `${new Date(parsed).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function sbomView(facts: SbomFacts, platform: string | undefined, location: string, digest: string): SbomView {
  // BuildKit's SBOMs are layers of the index's attestation manifests: imagetools reads them per platform from the image.
  const downloadCommand = facts.signing.signed
    ? `cosign download attestation --predicate-type ${shellQuote(facts.predicateType)} ${shellQuote(`${location}@${facts.subject}`)}`
    : `docker buildx imagetools inspect ${shellQuote(`${location}@${digest}`)} --format '{{ json .SBOM }}'`;
  const view: SbomView = {
    signing: signerView(facts),
    format: facts.format,
    packageCount: facts.packageCount,
    packages: counted(facts.packageCount, 'package'),
    predicateType: facts.predicateType,
    downloadCommand,
  };
  if (facts.formatVersion !== undefined) view.formatVersion = facts.formatVersion;
  if (platform !== undefined) view.platform = platform;
  return view;
}
