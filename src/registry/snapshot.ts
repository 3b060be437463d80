import { isShownTag } from '../tags/tag-filter.js';
import {
  type AttestationRecord,
  COSIGN_SIMPLESIGNING_MEDIA_TYPE,
  type CosignSignatureRecord,
  type Digest,
  type ImageRecord,
  type ImageState,
  type PlatformRecord,
  type SignatureRecord,
  type SigstoreBundleRecord,
  type TagRecord,
} from '../state/image-state.js';
import { RegistryError } from '../errors.js';
import {
  buildkitAttestations,
  cosignAttestations,
  isAttestationBundle,
  isBuildkitAttestationEntry,
  withinCap,
} from './attestation-records.js';
import type { SharedQuestion } from './content-cache.js';
import { KnownContent } from './known-content.js';
import { type Descriptor, type Manifest, type Platform, parseImageConfig } from './oci-manifest.js';
import type { ReferrersAnswer, RegistryClient } from './registry-client.js';
import { describeQuota } from './registry-quirks.js';

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const SIGNATURE_TAG = /^sha256-([0-9a-f]{64})\.sig$/;
const REFERRERS_FALLBACK_TAG = /^sha256-([0-9a-f]{64})$/;
const ATTESTATION_TAG = /^sha256-([0-9a-f]{64})\.att$/;
/** `cosign attach sbom`'s tag (deprecated in cosign 2, gone in 3): an SBOM blob with no statement or signature, not read. */
const COSIGN_SBOM_TAG = /^sha256-[0-9a-f]{64}\.sbom$/;
/** cosign takes a referrer's one layer as a bundle when its media type starts so (pkg/oci/remote/signatures.go, Bundle). */
const BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
const OCI_IMAGE_ANNOTATION = 'org.opencontainers.image.';
/**
 * Tag look-ups started at a time: as many as --concurrency can ever send, so
 * the HTTP client's own limit is what holds them back. One task per tag all at
 * once kept 10,000 of them waiting, which took peak RSS past 150 MB.
 */
const TAG_LOOKUPS_IN_FLIGHT = 256;

export interface SnapshotProgress {
  tags: { done: number; total: number };
  manifests: { done: number; total: number };
  /** images whose signatures and attestations (`.sig`, `.att`, referrers) are looked up */
  signatures: { done: number; total: number };
  /** attestation manifests read: cosign's `.att` ones, and BuildKit's, counted as each index that lists them is read */
  attestations: { done: number; total: number };
  /** in a run over many images (--all): how many are done */
  images?: { done: number; total: number };
}

export interface SnapshotOptions {
  /** tags the README leaves out: not looked up at all */
  excludeTags: readonly string[];
  /** whether the registry has the referrers API, when a previous run found out */
  referrersApi?: boolean;
  /** told what the referrers probe found, so later runs need not ask */
  onReferrersApi?: (supported: boolean) => void;
  /** the referrers probe of the run's other images on this host: one image asks, the others wait for its answer */
  referrersProbe?: SharedQuestion;
  /** the state the previous run recorded (the committed state file): what it says under a digest is not fetched again */
  previous?: ImageState;
  /** a tag or entry skipped, with why */
  warn: (message: string) => void;
  onProgress?: (progress: SnapshotProgress) => void;
}

/**
 * Everything the README needs from the registry, with the fewest requests:
 * the tag pages; one HEAD per shown tag; one GET per digest not seen before
 * (indexes, their platforms' manifests, a single-arch image's config, BuildKit's
 * attestation manifests and statements the index lists); and for signatures
 * and attestations only what the tag list says exists — cosign's
 * `sha256-<hex>.sig` and `.att` tags and, where the registry has no referrers
 * API, its fallback tags. The referrers API is probed once; a registry
 * without it is not asked again.
 * What the previous state describes under a digest is taken from it, not
 * fetched. When the registry announces a pull quota, the manifest GETs wait
 * until every tag is looked up, and the run stops before them if it needs
 * more than the quota has left.
 */
export async function takeSnapshot(client: RegistryClient, options: SnapshotOptions): Promise<ImageState> {
  const progress: SnapshotProgress = {
    tags: { done: 0, total: 0 },
    manifests: { done: 0, total: 0 },
    signatures: { done: 0, total: 0 },
    attestations: { done: 0, total: 0 },
  };
  const report = () => options.onProgress?.(progress);
  const buildkitTally: AttestationTally = {
    found: (count) => {
      progress.attestations.total += count;
      report();
    },
    read: () => {
      progress.attestations.done++;
      report();
    },
  };
  const listed = await client.listTags();
  const { shown, signatureTags, attestationTags, fallbackTags } = classifyTags(listed, options);
  progress.tags.total = shown.length;
  report();

  // Each image is described as soon as the first tag pointing at it is resolved, so the
  // GETs overlap the remaining HEADs instead of waiting for all of them; the first
  // failure ends the run at once rather than after every other request.
  const referrers = new ReferrersProbe(client, {
    known: options.referrersApi,
    learned: (supported) => options.onReferrersApi?.(supported),
    shared: options.referrersProbe,
    warn: options.warn,
  });
  const known = new KnownContent(options.previous);
  const images = new Map<Digest, Promise<ImageRecord>>();
  /** images not yet described, held while a quota says GETs must be counted before any is sent */
  const held = new Set<Digest>();
  let failFast: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    failFast = reject;
  });
  failure.catch(() => undefined);
  const describe = (digest: Digest): void => {
    const attested = attestationTags.has(digest);
    const signed = signatureTags.has(digest) || attested || fallbackTags.has(digest);
    progress.manifests.total++;
    if (signed) progress.signatures.total++;
    if (attested) progress.attestations.total++;
    const image = describeWithSignatures(
      client,
      digest,
      {
        signatureTag: signatureTags.get(digest),
        attestationTag: attestationTags.get(digest),
        fallbackTag: fallbackTags.get(digest),
        referrers,
        known,
        warn: options.warn,
      },
      options.warn,
      buildkitTally,
      () => {
        progress.manifests.done++;
        if (signed) progress.signatures.done++;
        if (attested) progress.attestations.done++;
        report();
      },
    );
    image.catch(failFast);
    images.set(digest, image);
  };
  const imageOf = (digest: Digest): void => {
    if (images.has(digest) || held.has(digest)) return;
    if (client.quota) held.add(digest);
    else describe(digest);
  };

  const schema1: string[] = [];
  const resolved = mapWithLimit(shown, TAG_LOOKUPS_IN_FLIGHT, async (name): Promise<TagRecord | undefined> => {
    const head = await client.head(name);
    progress.tags.done++;
    report();
    if (!head) {
      options.warn(`tag ${name} was listed but is gone; skipped`);
      return undefined;
    }
    if ('schema1' in head) {
      schema1.push(head.digest ? `${name} (${head.digest})` : name);
      return undefined;
    }
    imageOf(head.digest as Digest);
    return { name, digest: head.digest as Digest, mediaType: head.mediaType };
  });
  const tags = (await Promise.race([resolved, failure])).filter((tag): tag is TagRecord => tag !== undefined);
  if (schema1.length > 0) {
    options.warn(
      `${schema1.length === 1 ? 'tag' : 'tags'} ${schema1.sort().join(', ')}: Docker schema 1 manifest${schema1.length === 1 ? '' : 's'}, which readme-gen does not read; left out of the state and the README (push ${schema1.length === 1 ? 'it' : 'them'} again as schema 2 or OCI to show ${schema1.length === 1 ? 'it' : 'them'})`,
    );
  }
  if (held.size > 0) {
    const needed = [...held].reduce(
      (sum, digest) => sum + pullsAtLeast(client, digest, { signatureTags, attestationTags, fallbackTags, known, options }),
      0,
    );
    const quota = client.quota;
    if (quota && needed > quota.remaining) {
      throw new RegistryError(
        `${client.location.registry}/${client.location.repository}: this run needs at least ${needed} manifest GETs (pulls), and the registry has ${describeQuota(quota)}; stopped before sending any. Try again once the window resets, or give readme-gen credentials for a larger quota (see the README, "Docker Hub's pull quota")`,
      );
    }
    for (const digest of held) describe(digest);
  }
  const described = await Promise.race([
    Promise.all(
      [...images.keys()]
        .sort()
        .map(async (digest): Promise<[Digest, ImageRecord]> => [digest, await (images.get(digest) as Promise<ImageRecord>)]),
    ),
    failure,
  ]);
  return {
    schemaVersion: 1,
    repository: `${client.location.registry}/${client.location.repository}`,
    tags: tags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    images: Object.fromEntries(described),
  };
}

/**
 * The fewest manifest GETs an image not yet described can cost: its manifest
 * unless known, and for an image never seen its signature and attestation
 * tags' manifests (and its referrers fallback tag's, on a registry known to
 * lack the referrers API). An index's children (platforms, BuildKit's
 * attestation manifests) are not known before it is read, so they are not
 * counted: the run may need more, never fewer.
 */
function pullsAtLeast(
  client: RegistryClient,
  digest: Digest,
  context: {
    signatureTags: Map<string, string>;
    attestationTags: Map<string, string>;
    fallbackTags: Map<string, string>;
    known: KnownContent;
    options: SnapshotOptions;
  },
): number {
  const seenBefore = context.known.has(digest) || client.isCached(digest);
  if (seenBefore) return 0;
  const fallback = context.fallbackTags.has(digest) && context.options.referrersApi === false;
  return 1 + (context.signatureTags.has(digest) ? 1 : 0) + (context.attestationTags.has(digest) ? 1 : 0) + (fallback ? 1 : 0);
}

/**
 * An image, its signatures and its attestations, fetched side by side: the
 * look-ups need not wait for the index. The attestations are BuildKit's (from
 * the index), then cosign's `.att` layers, then bundle referrers, each in the
 * order the registry gives them; the record has none when there are none, so
 * a state without attestations is unchanged.
 */
async function describeWithSignatures(
  client: RegistryClient,
  digest: Digest,
  sources: Omit<SignatureSources, 'imageSeenBefore'>,
  warn: (message: string) => void,
  buildkitTally: AttestationTally,
  done: () => void,
): Promise<ImageRecord> {
  // Asked before describeImage caches the image: whether an earlier run saw it.
  const imageSeenBefore = sources.known.has(digest) || client.isCached(digest);
  const [image, attached] = await Promise.all([
    sources.known.image(digest) ?? describeImage(client, digest, warn, buildkitTally),
    attachedTo(client, digest, { ...sources, imageSeenBefore }),
  ]);
  image.signatures = attached.signatures;
  const attestations = [...(image.attestations ?? []), ...attached.attestations];
  if (attestations.length > 0) image.attestations = attestations;
  done();
  return image;
}

function classifyTags(listed: readonly string[], options: SnapshotOptions) {
  const shown: string[] = [];
  const signatureTags = new Map<string, string>();
  const attestationTags = new Map<string, string>();
  const fallbackTags = new Map<string, string>();
  for (const tag of listed) {
    if (!TAG_PATTERN.test(tag)) {
      options.warn(`tag ${JSON.stringify(tag.length > 80 ? `${tag.slice(0, 80)}…` : tag)} is not a valid OCI tag name; skipped`);
      continue;
    }
    const signed = SIGNATURE_TAG.exec(tag)?.[1];
    const attested = ATTESTATION_TAG.exec(tag)?.[1];
    const fallback = REFERRERS_FALLBACK_TAG.exec(tag)?.[1];
    if (signed) signatureTags.set(`sha256:${signed}`, tag);
    else if (attested) attestationTags.set(`sha256:${attested}`, tag);
    else if (fallback) fallbackTags.set(`sha256:${fallback}`, tag);
    else if (!COSIGN_SBOM_TAG.test(tag) && isShownTag(tag, options.excludeTags)) shown.push(tag);
  }
  return { shown, signatureTags, attestationTags, fallbackTags };
}

/** Progress told of BuildKit attestation manifests: how many an index lists, and each one read. */
interface AttestationTally {
  found: (count: number) => void;
  read: () => void;
}

async function describeImage(
  client: RegistryClient,
  digest: Digest,
  warn: (message: string) => void,
  buildkitTally: AttestationTally,
): Promise<ImageRecord> {
  const { bytes, manifest } = await client.manifest(digest);
  const image: ImageRecord = { mediaType: manifest.mediaType, platforms: [], signatures: [] };
  const annotations = ociAnnotations(manifest.annotations);
  if (annotations) image.annotations = annotations;
  if (manifest.kind === 'index') {
    const children = manifest.manifests.filter((child) => child.platform && !isAttestation(child));
    const attestationEntries = manifest.manifests.filter(isBuildkitAttestationEntry);
    if (attestationEntries.length > 0) buildkitTally.found(attestationEntries.length);
    const [platforms, attestations] = await Promise.all([
      Promise.all(children.map((child) => platformOfChild(client, digest, child, warn))),
      Promise.all(
        attestationEntries.map(async (entry) => {
          const records = await buildkitAttestations(client, digest, entry, warn);
          buildkitTally.read();
          return records;
        }),
      ),
    ]);
    image.platforms = platforms.filter((platform): platform is PlatformRecord => platform !== undefined);
    if (attestations.flat().length > 0) image.attestations = attestations.flat();
    return image;
  }
  const config = parseImageConfig(await client.blob(manifest.config.digest), manifest.config.digest);
  const labels = ociAnnotations(config.labels);
  if (labels) image.labels = labels;
  if (config.platform) image.platforms = [platformRecord(config.platform, digest, compressedSize(bytes.length, manifest))];
  return image;
}

/**
 * A platform of an index: its own manifest is fetched once (then cached) for
 * the compressed size. A child the registry does not have — a sparse index, as
 * mirrors and Quay keep when only some platforms were copied — is left out
 * with a warning: the platforms it has are still worth showing.
 */
async function platformOfChild(
  client: RegistryClient,
  index: Digest,
  child: Descriptor,
  warn: (message: string) => void,
): Promise<PlatformRecord | undefined> {
  const found = await client.manifestIfPresent(child.digest);
  const platform = child.platform as Platform;
  if (!found) {
    const name = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
    warn(`index ${index}: the registry does not have its ${name} manifest ${child.digest} (404); that platform is left out`);
    return undefined;
  }
  return platformRecord(platform, child.digest as Digest, compressedSize(found.bytes.length, found.manifest));
}

/** What the state calls a platform's size: its manifest and its compressed layers. */
function compressedSize(manifestBytes: number, manifest: Manifest): number {
  return manifest.kind === 'image' ? manifestBytes + manifest.layers.reduce((sum, layer) => sum + layer.size, 0) : manifestBytes;
}

function platformRecord(platform: Platform, digest: Digest, size: number): PlatformRecord {
  const record: PlatformRecord = { os: platform.os, architecture: platform.architecture, digest, size };
  if (platform.variant) record.variant = platform.variant;
  if (platform['os.version']) record['os.version'] = platform['os.version'];
  return record;
}

/** BuildKit's attestation manifests sit in the index as unknown/unknown platforms. */
function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown')
  );
}

function ociAnnotations(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  const kept = Object.entries(map).filter(([key]) => key.startsWith(OCI_IMAGE_ANNOTATION));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

interface SignatureSources {
  signatureTag: string | undefined;
  attestationTag: string | undefined;
  fallbackTag: string | undefined;
  referrers: ReferrersProbe;
  known: KnownContent;
  warn: (message: string) => void;
  /** the signed image was in the cache: its signature tags may well be unchanged too */
  imageSeenBefore: boolean;
}

/**
 * What a signature tag (`.sig`, `.att`, or the referrers fallback) points to: its
 * digest, and its manifest when asked for. For an image seen before, a HEAD
 * first: the manifest is probably cached or its records known, and a warm run
 * GETs nothing. For an image never seen, nothing about it can be cached or
 * known, so one GET by tag instead of a HEAD and a GET: a round trip less.
 */
async function signatureTagTarget(
  client: RegistryClient,
  tag: string,
  imageSeenBefore: boolean,
): Promise<{ digest: string; manifest: () => Promise<Manifest> } | undefined> {
  if (!imageSeenBefore) {
    const fetched = await client.manifestByTag(tag);
    return fetched && { digest: fetched.digest, manifest: () => Promise.resolve(fetched.manifest) };
  }
  const head = await client.head(tag);
  // cosign never writes schema 1: such a tag holds no signatures readme-gen can read.
  if (!head || 'schema1' in head) return undefined;
  return { digest: head.digest, manifest: async () => (await client.manifest(head.digest)).manifest };
}

/**
 * The signatures and attestations attached to an image: `.sig` and `.att`
 * tags, and bundle referrers, each a signature or an attestation by its
 * statement's predicate type (a bundle the previous state recorded is sorted
 * again, as states written before attestations were read have every bundle
 * among the signatures).
 */
async function attachedTo(
  client: RegistryClient,
  digest: Digest,
  sources: SignatureSources,
): Promise<{ signatures: SignatureRecord[]; attestations: AttestationRecord[] }> {
  const signatures: SignatureRecord[] = [];
  const attestations: AttestationRecord[] = [];
  const { signatureTag, attestationTag, known, warn } = sources;
  const [legacy, attested, referrers] = await Promise.all([
    signatureTag
      ? cosignTagRecords(
          client,
          signatureTag,
          sources.imageSeenBefore,
          (manifestDigest) => known.cosignSignatures(digest, manifestDigest),
          (manifestDigest, manifest) => legacySignatures(client, digest, signatureTag, manifestDigest, manifest, warn),
        )
      : [],
    attestationTag
      ? cosignTagRecords(
          client,
          attestationTag,
          sources.imageSeenBefore,
          (manifestDigest) => known.cosignAttestations(digest, manifestDigest),
          (manifestDigest, manifest) => cosignAttestations(client, attestationTag, manifestDigest, manifest, warn),
        )
      : [],
    sources.referrers.of(digest, sources.fallbackTag, sources.imageSeenBefore),
  ]);
  signatures.push(...legacy);
  attestations.push(...attested);
  for (const referrer of referrers) {
    const bundle = sources.known.bundle(digest, referrer.digest) ?? (await bundleReferrer(client, digest, referrer, sources.warn));
    if (bundle && isAttestationBundle(bundle)) attestations.push(bundle);
    else if (bundle) signatures.push(bundle);
  }
  return { signatures, attestations };
}

/**
 * The records of a cosign tag (`.sig`, `.att`): those the previous state has
 * for the manifest the tag points to, else read from that manifest (a new
 * signature or attestation makes a new manifest under the same tag).
 */
async function cosignTagRecords<R>(
  client: RegistryClient,
  tag: string,
  imageSeenBefore: boolean,
  recorded: (manifestDigest: string) => R[] | undefined,
  read: (manifestDigest: Digest, manifest: Manifest) => Promise<R[]>,
): Promise<R[]> {
  const found = await signatureTagTarget(client, tag, imageSeenBefore);
  if (!found) return [];
  return recorded(found.digest) ?? read(found.digest as Digest, await found.manifest());
}

/** cosign's `sha256-<hex>.sig` manifest: one simple-signing layer per signature, the payload as the layer blob. */
async function legacySignatures(
  client: RegistryClient,
  digest: Digest,
  tag: string,
  manifestDigest: Digest,
  manifest: Manifest,
  warn: (message: string) => void,
): Promise<CosignSignatureRecord[]> {
  if (manifest.kind !== 'image') {
    warn(`${tag} is not a signature manifest; its signatures of ${digest} are skipped`);
    return [];
  }
  const records: CosignSignatureRecord[] = [];
  for (const layer of manifest.layers) {
    const signature = layer.annotations?.['dev.cosignproject.cosign/signature'];
    if (layer.mediaType !== COSIGN_SIMPLESIGNING_MEDIA_TYPE || signature === undefined) continue;
    const payload = await client.blob(layer.digest);
    records.push({
      format: 'cosign',
      manifestDigest,
      mediaType: layer.mediaType,
      digest: layer.digest as Digest,
      payload: payload.toString('base64'),
      annotations: { ...layer.annotations, 'dev.cosignproject.cosign/signature': signature },
    });
  }
  return records;
}

/**
 * A referrer that is a Sigstore bundle, recognised as cosign 3 recognises one
 * (GetBundles, then pkg/oci/remote Bundle): whatever the index says of it —
 * the fallback index cosign writes on registries without the referrers API
 * may give `artifactType: application/vnd.oci.empty.v1+json` and no
 * annotations — its manifest is read, and it is a bundle when that manifest
 * has exactly one layer whose media type starts with
 * application/vnd.dev.sigstore.bundle, holding a bundle of version 0.3 or
 * later, and not over the cap on statements (STATEMENT_CAP_BYTES). Its
 * artifact type is what the manifest says, at the top or inside `config`,
 * else the layer's type.
 */
async function bundleReferrer(
  client: RegistryClient,
  digest: Digest,
  referrer: Descriptor,
  warn: (message: string) => void,
): Promise<SigstoreBundleRecord | undefined> {
  const { manifest } = await client.manifest(referrer.digest);
  if (manifest.kind !== 'image' || manifest.subject?.digest !== digest) return undefined;
  const [layer, ...more] = manifest.layers;
  if (!layer || more.length > 0 || !layer.mediaType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX)) return undefined;
  // A bundle's size is its statement's: a signature's is a few kB, an SBOM attestation's may be megabytes.
  if (!withinCap(layer, `referrer ${referrer.digest} of ${digest}: bundle`, warn)) return undefined;
  let bundle: unknown;
  try {
    bundle = JSON.parse((await client.blob(layer.digest)).toString('utf8'));
  } catch {
    return undefined;
  }
  if (
    bundle === null ||
    typeof bundle !== 'object' ||
    Array.isArray(bundle) ||
    !isBundleV03OrLater((bundle as { mediaType?: unknown }).mediaType)
  )
    return undefined;
  const configType = manifest.config.mediaType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX) ? manifest.config.mediaType : undefined;
  const record: SigstoreBundleRecord = {
    format: 'sigstore-bundle',
    manifestDigest: referrer.digest as Digest,
    artifactType: manifest.artifactType ?? manifest.config.artifactType ?? configType ?? layer.mediaType,
    bundle: bundle as Record<string, unknown>,
  };
  if (manifest.annotations) record.annotations = manifest.annotations;
  return record;
}

/**
 * Whether a bundle's media type is of version 0.3 or later, as sigstore-go
 * reads it (MinVersion("v0.3")): `application/vnd.dev.sigstore.bundle+json;version=0.3`,
 * or `application/vnd.dev.sigstore.bundle.vX.Y+json` with X.Y at least 0.3.
 */
function isBundleV03OrLater(mediaType: unknown): boolean {
  if (mediaType === `${BUNDLE_MEDIA_TYPE_PREFIX}+json;version=0.3`) return true;
  const version =
    typeof mediaType === 'string' ? /^application\/vnd\.dev\.sigstore\.bundle\.v(\d+)\.(\d+)(?:\.(\d+))?\+json$/.exec(mediaType) : null;
  if (!version) return false;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  return major > 0 || minor >= 3;
}

/**
 * The referrers of a digest: from the referrers API where the registry has one
 * — the first call tells, and a registry without it is not asked again — else
 * from the `sha256-<hex>` fallback tag the tag list showed, if any. An answer
 * that cannot be used (not an OCI index, an unexpected status) falls back to
 * the tag too, with one warning per run; it is not remembered as "no API", so
 * a registry that was only misbehaving is asked again next run.
 */
class ReferrersProbe {
  #supported: Promise<boolean> | undefined;
  #warned = false;

  constructor(
    readonly client: RegistryClient,
    readonly context: {
      known: boolean | undefined;
      learned: (supported: boolean) => void;
      shared: SharedQuestion | undefined;
      warn: (message: string) => void;
    },
  ) {
    if (context.known !== undefined) this.#supported = Promise.resolve(context.known);
  }

  async of(digest: Digest, fallbackTag: string | undefined, imageSeenBefore: boolean): Promise<Descriptor[]> {
    const answer = await this.#answerFor(digest);
    if (answer.kind === 'index') return answer.manifests;
    if (answer.kind === 'unusable') this.#unusable(answer.why);
    if (!fallbackTag) return [];
    const found = await signatureTagTarget(this.client, fallbackTag, imageSeenBefore);
    // GitLab answers the fallback tag with the subject itself; only an index that is not the subject lists referrers.
    if (!found || found.digest === digest) return [];
    const manifest = await found.manifest();
    return manifest.kind === 'index' ? manifest.manifests : [];
  }

  /** The referrers API's answer for `digest`: the first call asks it and so learns whether there is one; later calls ask only if there is. */
  #answerFor(digest: Digest): Promise<ReferrersAnswer> {
    if (this.#supported !== undefined) return this.#supported.then((supported) => (supported ? this.client.referrers(digest) : NO_API));
    const elsewhere = this.context.shared?.pending();
    let first: Promise<ReferrersAnswer>;
    if (elsewhere === undefined) {
      first = this.client.referrers(digest);
      this.#supported = first.then((answer) => {
        if (answer.kind !== 'unusable') this.context.learned(answer.kind === 'index');
        return answer.kind === 'index';
      });
      // An unusable answer is taken as no API by the other images too (one warning per run); a failure tells them nothing.
      this.context.shared?.asking(this.#supported.catch(() => undefined));
    } else {
      // Another image of this run is asking the same host: its answer serves this one; when it got none, this one asks.
      first = elsewhere.then((supported) => (supported === false ? NO_API : this.client.referrers(digest)));
      this.#supported = first.then((answer) => answer.kind === 'index');
    }
    // If the probe fails, the caller of this first call throws it; other digests may never
    // ask, and an unhandled rejection would kill the process with exit 1.
    this.#supported.catch(() => undefined);
    return first;
  }

  #unusable(why: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.context.warn(
      `${this.client.location.registry}: the referrers API answered ${why}; reading signatures from the sha256-<hex> fallback tags instead`,
    );
  }
}

const NO_API: ReferrersAnswer = { kind: 'no-api' };

/** `map` with at most `limit` calls of `fn` pending at once; results in the order of `items`. */
async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
