import type {
  AttestationRecord,
  CosignAttestationRecord,
  CosignSignatureRecord,
  Digest,
  ImageRecord,
  ImageState,
  SignatureRecord,
  SigstoreBundleRecord,
} from '../state/image-state.js';

/**
 * What the previous state (the committed state file) already says about
 * content under a digest. Content under a digest never changes, so what was
 * read from it once holds for ever, and a run with an empty cache (the
 * action's first run, a fresh clone) need not fetch it again:
 * - an image's description — platforms, sizes, annotations, labels — comes
 *   from its manifest, its children's manifests and its config, all named by
 *   the image's digest;
 * - a cosign signature manifest's records come from that manifest and its
 *   layers, named by the manifest digest the state recorded for them; it is
 *   reused only when the `.sig` tag still points to that digest (a new
 *   signature makes a new manifest under the same tag);
 * - BuildKit's attestations come from the index's attestation manifests,
 *   named by the index, so they are part of the image's description;
 * - a cosign attestation manifest's (`.att`) records, as a signature
 *   manifest's, are reused while the tag points to the manifest recorded;
 * - a Sigstore bundle referrer's record comes from the referrer's manifest
 *   and its one layer, named by the referrer's digest; it is found among the
 *   signatures or the attestations, as a state written before attestations
 *   were read has every bundle among the signatures.
 * Tags are not reused: a tag may move, so every tag is still looked up.
 */
export class KnownContent {
  readonly #images: Readonly<Record<Digest, ImageRecord>>;

  constructor(previous: ImageState | undefined) {
    this.#images = previous?.images ?? {};
  }

  has(digest: Digest): boolean {
    return Object.hasOwn(this.#images, digest);
  }

  /** The image's description without its signatures and the attestations attached to it, which are looked up afresh. */
  image(digest: Digest): ImageRecord | undefined {
    if (!this.has(digest)) return undefined;
    const { attestations, ...image } = this.#images[digest] as ImageRecord;
    const ofIndex = (attestations ?? []).filter((record) => record.format === 'buildkit');
    return { ...image, signatures: [], ...(ofIndex.length > 0 ? { attestations: ofIndex } : {}) };
  }

  /** The signatures of `digest` that the cosign signature manifest `manifestDigest` held; undefined when none were recorded. */
  cosignSignatures(digest: Digest, manifestDigest: string): CosignSignatureRecord[] | undefined {
    const records = (this.#images[digest]?.signatures ?? []).filter(
      (record): record is CosignSignatureRecord => record.format === 'cosign' && record.manifestDigest === manifestDigest,
    );
    return records.length > 0 ? records : undefined;
  }

  /** The attestations of `digest` that the cosign attestation manifest `manifestDigest` held; undefined when none were recorded. */
  cosignAttestations(digest: Digest, manifestDigest: string): CosignAttestationRecord[] | undefined {
    const records = (this.#images[digest]?.attestations ?? []).filter(
      (record): record is CosignAttestationRecord => record.format === 'cosign' && record.manifestDigest === manifestDigest,
    );
    return records.length > 0 ? records : undefined;
  }

  /** The bundle the referrer `referrerDigest` of `digest` held, when it was recorded, as a signature or as an attestation. */
  bundle(digest: Digest, referrerDigest: string): SigstoreBundleRecord | undefined {
    const image = this.#images[digest];
    const records: (SignatureRecord | AttestationRecord)[] = [...(image?.signatures ?? []), ...(image?.attestations ?? [])];
    return records.find(
      (record): record is SigstoreBundleRecord => record.format === 'sigstore-bundle' && record.manifestDigest === referrerDigest,
    );
  }
}
