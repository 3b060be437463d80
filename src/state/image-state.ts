/** Types of the image state document; src/state/image-state.schema.json is the contract they mirror. */

export type Digest = `sha256:${string}`;

export interface ImageState {
  schemaVersion: 1;
  repository: string;
  tags: TagRecord[];
  images: Record<Digest, ImageRecord>;
}

export interface TagRecord {
  name: string;
  digest: Digest;
  mediaType: string;
}

export interface ImageRecord {
  mediaType: string;
  platforms: PlatformRecord[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  signatures: SignatureRecord[];
  /** in-toto attestations about this digest or its platforms (provenance, SBOMs, scans), in registry form; absent when none was found */
  attestations?: AttestationRecord[];
}

export interface PlatformRecord {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  digest?: Digest;
  size?: number;
}

export type SignatureRecord = CosignSignatureRecord | SigstoreBundleRecord;

export interface CosignSignatureRecord {
  format: 'cosign';
  manifestDigest?: Digest;
  mediaType: string;
  digest: Digest;
  /** base64 of the payload bytes */
  payload: string;
  annotations: CosignAnnotations;
}

export interface CosignAnnotations {
  'dev.cosignproject.cosign/signature': string;
  'dev.sigstore.cosign/certificate'?: string;
  'dev.sigstore.cosign/chain'?: string;
  'dev.sigstore.cosign/bundle'?: string;
  [key: string]: string | undefined;
}

export interface SigstoreBundleRecord {
  format: 'sigstore-bundle';
  manifestDigest: Digest;
  artifactType: string;
  annotations?: Record<string, string>;
  bundle: Record<string, unknown>;
}

/**
 * An attestation in one of the three forms a registry holds them in: a layer
 * of cosign's `sha256-<hex>.att` manifest, a Sigstore bundle referrer whose
 * statement is not a cosign signature, or a layer of a BuildKit attestation
 * manifest inside the index (never signed).
 */
export type AttestationRecord = CosignAttestationRecord | SigstoreBundleRecord | BuildkitAttestationRecord;

/** One layer of cosign's `sha256-<hex>.att` manifest: a DSSE envelope holding an in-toto statement. */
export interface CosignAttestationRecord {
  format: 'cosign';
  /** the `.att` manifest holding this layer */
  manifestDigest: Digest;
  /** application/vnd.dsse.envelope.v1+json */
  mediaType: string;
  /** the layer digest: sha256 of the envelope bytes */
  digest: Digest;
  /** base64 of the DSSE envelope bytes */
  payload: string;
  /** the layer's annotations: `predicateType`, `dev.sigstore.cosign/certificate`, `…/chain`, `…/bundle` (the Rekor entry) */
  annotations: Record<string, string>;
}

/** One layer of a BuildKit attestation manifest (an index entry of platform unknown/unknown): an unsigned in-toto statement. */
export interface BuildkitAttestationRecord {
  format: 'buildkit';
  /** the attestation manifest holding this layer */
  manifestDigest: Digest;
  /** the platform manifest it describes (the entry's `vnd.docker.reference.digest`) */
  subject: Digest;
  /** application/vnd.in-toto+json */
  mediaType: string;
  /** the layer digest: sha256 of the statement bytes */
  digest: Digest;
  /** the layer's `in-toto.io/predicate-type` annotation */
  predicateType: string;
  /** base64 of the statement bytes */
  payload: string;
}

export const COSIGN_SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** An in-toto statement: a BuildKit attestation layer's media type, and a DSSE envelope's payloadType. */
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';
/**
 * The predicate type of what `cosign sign` (v3) puts in its bundle's in-toto
 * statement: a bundle referrer whose statement has it is a signature
 * (`signatures`), any other predicate type makes it an attestation.
 */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
/** The manifest types a registry serves: an index (a multi-platform image) in OCI's or Docker's form, or one image's manifest. */
export const MANIFEST_MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([MANIFEST_MEDIA_TYPES.ociIndex, MANIFEST_MEDIA_TYPES.dockerList]);
