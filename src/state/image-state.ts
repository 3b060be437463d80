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

export const COSIGN_SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** The manifest types a registry serves: an index (a multi-platform image) in OCI's or Docker's form, or one image's manifest. */
export const MANIFEST_MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([MANIFEST_MEDIA_TYPES.ociIndex, MANIFEST_MEDIA_TYPES.dockerList]);
