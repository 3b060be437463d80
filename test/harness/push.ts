/**
 * Puts test content into a real registry the way build tools do, through the
 * registry API only: blobs by monolithic upload (POST …/blobs/uploads/, then
 * PUT <Location>&digest=…; a HEAD first skips blobs already there), manifests
 * by PUT with their media type as Content-Type. Every helper returns exactly
 * what it pushed (digests, sizes, media types, platforms, the manifest bytes)
 * so a test can compare a snapshot readme-gen took with the truth.
 *
 * Layouts follow the tools that make them: BuildKit for indexes with
 * attestations, cosign 2 for `sha256-<hex>.sig` signatures and `.att`
 * attestations, cosign 3 for
 * Sigstore bundle referrers (with the `sha256-<hex>` fallback index, since
 * distribution 2.8 has no referrers API).
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  COSIGN_SIMPLESIGNING_MEDIA_TYPE,
  type CosignAttestationRecord,
  type CosignSignatureRecord,
  type Digest,
  type SigstoreBundleRecord,
} from '../../src/state/image-state.js';
import { Agent, type Response, fetch } from 'undici';
import type { TokenServer } from './token-server.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  inToto: 'application/vnd.in-toto+json',
  dsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
} as const;

/**
 * Every manifest type, indexes first. distribution answers 404 for an OCI
 * index the Accept does not name, and rewrites a Docker list it does not name
 * into its linux/amd64 child, so a client must send all four.
 */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest,
].join(', ');

/** The OCI empty descriptor: the blob `{}`. */
export const EMPTY_DESCRIPTOR = {
  mediaType: MEDIA_TYPES.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const satisfies Descriptor;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export type PushAuth =
  | { basic: { username: string; password: string } }
  /** a push token is fetched from the token server with these credentials */
  | { bearer: { tokenServer: Pick<TokenServer, 'realm' | 'service'>; username: string; password: string } };

export interface PusherOptions {
  /** http://127.0.0.1:PORT of the registry, or of a proxy in front of it */
  registryUrl: string;
  /** the repository name, e.g. acme/app */
  repository: string;
  auth?: PushAuth;
  /** the CA to trust for an https registryUrl (PEM), and the client certificate it asks for, if it does */
  tls?: { caPem: string; client?: { certificatePem: string; keyPem: string } };
}

/** A manifest as pushed: its exact bytes, their digest and size. */
export interface PushedManifest {
  digest: Digest;
  size: number;
  mediaType: string;
  bytes: Buffer;
}

export interface ImageSpec {
  platform: Platform;
  /** Docker v2 schema 2 types instead of OCI */
  docker?: boolean;
  /** how many random layers; default 1 */
  layers?: number;
  /** manifest annotations */
  annotations?: Record<string, string>;
  /** config Labels */
  labels?: Record<string, string>;
  /** the tag to push under; without one the manifest is pushed by digest */
  tag?: string;
}

export interface PushedImage extends PushedManifest {
  platform: Platform;
  config: Descriptor;
  layers: Descriptor[];
  /** manifest bytes plus compressed layer sizes; the config blob is not counted, as in the state's platform size */
  totalSize: number;
}

export interface IndexSpec {
  images: ImageSpec[];
  /** a Docker manifest list (and Docker child manifests) instead of an OCI index */
  docker?: boolean;
  /** a BuildKit attestation manifest per image: its SLSA v0.2 provenance, and with 'with-sbom' an SPDX SBOM layer too (`--sbom=true`) */
  attestations?: boolean | 'with-sbom';
  annotations?: Record<string, string>;
  tag?: string;
}

export interface PushedAttestation extends PushedManifest {
  /** the image manifest it attests */
  subject: Digest;
  /** its in-toto layers, in order: each statement's bytes and the predicate type its annotation names */
  statements: { digest: Digest; predicateType: string; bytes: Buffer }[];
}

export interface PushedIndex extends PushedManifest {
  images: PushedImage[];
  attestations: PushedAttestation[];
}

export interface PushedReferrer extends PushedManifest {
  /** how a referrers API lists it: artifactType and annotations from the manifest */
  descriptor: Descriptor;
  /** the `sha256-<hex>` fallback index, as it stands after this push; absent with `listing: 'none'` */
  fallback?: PushedManifest & { tag: string };
}

export interface ReferrerOptions {
  /**
   * Where the referrer is listed: 'fallback' (default), in the fallback index
   * with its artifactType and annotations (ggcr ≥ 0.22.1); 'fallback-bare',
   * there as `artifactType: application/vnd.oci.empty.v1+json` with no
   * annotations, as cosign 3.0 writes it and GHCR shows it; 'none', nowhere
   * (a registry with the referrers API lists it itself: see `descriptor`).
   */
  listing?: 'fallback' | 'fallback-bare' | 'none';
  /**
   * Where the manifest names its artifact type: 'cosign' (default), at the top
   * and in config.artifactType; 'config-media-type', only as the config's
   * media type (no artifactType at all), as other bundle writers do.
   */
  artifactTypeIn?: 'cosign' | 'config-media-type';
  /** the bundle layer's media type; default the record's artifactType */
  layerMediaType?: string;
}

interface JsonManifest {
  mediaType: string;
  [key: string]: unknown;
}

export class Pusher {
  readonly #base: URL;
  readonly #repository: string;
  readonly #auth: PushAuth | undefined;
  /** the registry's own TLS trust, for an https registry a test's CA signed */
  readonly #dispatcher: Agent | undefined;
  #authorization: Promise<string> | undefined;

  constructor(options: PusherOptions) {
    this.#base = new URL(options.registryUrl);
    this.#repository = options.repository;
    this.#auth = options.auth;
    const { tls } = options;
    this.#dispatcher =
      tls && new Agent({ connect: { ca: tls.caPem, ...(tls.client && { cert: tls.client.certificatePem, key: tls.client.keyPem }) } });
  }

  /** Uploads `bytes` unless the registry has them already. */
  async pushBlob(bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const descriptor: Descriptor = { mediaType, digest: sha256(bytes), size: bytes.length };
    const head = await this.#send('HEAD', this.#url(`blobs/${descriptor.digest}`), {}, [200, 404]);
    if (head.status === 200) return descriptor;
    const started = await this.#send('POST', this.#url('blobs/uploads/'), {}, [202]);
    const location = new URL(requiredHeader(started, 'location'), this.#base);
    location.searchParams.set('digest', descriptor.digest);
    await this.#send('PUT', location, { body: bytes, headers: { 'content-type': 'application/octet-stream' } }, [201]);
    return descriptor;
  }

  /** PUTs `manifest` under `reference` (a tag or its digest), serialised once so the digest is of the bytes sent. */
  async pushManifest(manifest: JsonManifest, reference?: string): Promise<PushedManifest> {
    const bytes = Buffer.from(JSON.stringify(manifest));
    return this.#putManifestBytes(bytes, manifest.mediaType, reference);
  }

  async pushImage(spec: ImageSpec): Promise<PushedImage> {
    const types = spec.docker
      ? { manifest: MEDIA_TYPES.dockerManifest, config: MEDIA_TYPES.dockerConfig, layer: MEDIA_TYPES.dockerLayer }
      : { manifest: MEDIA_TYPES.ociManifest, config: MEDIA_TYPES.ociConfig, layer: MEDIA_TYPES.ociLayer };
    const contents = Array.from({ length: spec.layers ?? 1 }, () => randomBytes(256));
    const layers = await Promise.all(contents.map((content) => this.pushBlob(gzipSync(content), types.layer)));
    const config = await this.pushBlob(imageConfig(spec, contents.map(sha256)), types.config);
    const manifest = await this.pushManifest(
      { schemaVersion: 2, mediaType: types.manifest, config, layers, ...(spec.annotations ? { annotations: spec.annotations } : {}) },
      spec.tag,
    );
    const totalSize = manifest.size + layers.reduce((sum, layer) => sum + layer.size, 0);
    return { ...manifest, platform: spec.platform, config, layers, totalSize };
  }

  /** Pushes each image (and its attestation), then the index over them, as `docker buildx build --push` does. */
  async pushIndex(spec: IndexSpec): Promise<PushedIndex> {
    if (spec.docker && spec.attestations) throw new Error('BuildKit stores attestations only in OCI indexes');
    const images: PushedImage[] = [];
    const attestations: PushedAttestation[] = [];
    for (const image of spec.images) {
      const pushed = await this.pushImage({ ...image, docker: spec.docker ?? false });
      images.push(pushed);
      if (spec.attestations) attestations.push(await this.#pushAttestation(pushed, spec.attestations === 'with-sbom'));
    }
    const manifests: Descriptor[] = [
      ...images.map((image) => ({ ...descriptorOf(image), platform: image.platform })),
      ...attestations.map((attestation) => ({
        ...descriptorOf(attestation),
        annotations: { 'vnd.docker.reference.digest': attestation.subject, 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { architecture: 'unknown', os: 'unknown' },
      })),
    ];
    const mediaType = spec.docker ? MEDIA_TYPES.dockerManifestList : MEDIA_TYPES.ociIndex;
    const index = await this.pushManifest(
      { schemaVersion: 2, mediaType, manifests, ...(spec.annotations ? { annotations: spec.annotations } : {}) },
      spec.tag,
    );
    return { ...index, images, attestations };
  }

  /** Puts the manifest `digest` names under `tag` too: the same bytes, so the same digest. */
  async tag(tag: string, digest: Digest): Promise<void> {
    const manifest = await this.getManifest(digest);
    await this.#putManifestBytes(manifest.bytes, manifest.mediaType, tag);
  }

  /** Deletes the manifest `digest` names, and with it every tag pointing at it (distribution cannot delete a tag alone). */
  async deleteManifest(digest: Digest): Promise<void> {
    await this.#send('DELETE', this.#url(`manifests/${digest}`), {}, [202]);
  }

  /** Tags `digest` `count` times as prefix000, prefix001, … (zero-padded so they sort in push order); returns the tags. */
  async pushManyTags(prefix: string, count: number, digest: Digest): Promise<string[]> {
    const manifest = await this.getManifest(digest);
    const width = String(count - 1).length;
    const tags = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, '0')}`);
    // A few PUTs at a time: sequential is slow, all at once floods the registry.
    for (let start = 0; start < tags.length; start += 8) {
      await Promise.all(tags.slice(start, start + 8).map((tag) => this.#putManifestBytes(manifest.bytes, manifest.mediaType, tag)));
    }
    return tags;
  }

  /**
   * cosign's legacy layout: tag `sha256-<hex>.sig` holds an OCI manifest with
   * one layer per signature, each layer blob the simple-signing payload and
   * the signature, certificate and Rekor bundle in its annotations. A second
   * call replaces the tag (cosign would append).
   */
  async pushCosignSignature(subjectDigest: Digest, records: CosignSignatureRecord[]): Promise<PushedManifest> {
    const layers: Descriptor[] = [];
    for (const record of records) {
      const pushed = await this.pushBlob(Buffer.from(record.payload, 'base64'), COSIGN_SIMPLESIGNING_MEDIA_TYPE);
      if (pushed.digest !== record.digest)
        throw new Error(`record digest ${record.digest} is not the sha256 of its payload (${pushed.digest})`);
      layers.push({ ...pushed, annotations: definedValues(record.annotations) });
    }
    const config = await this.pushBlob(cosignConfig(layers), MEDIA_TYPES.ociConfig);
    return this.pushManifest(
      { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers },
      `${tagForDigest(subjectDigest)}.sig`,
    );
  }

  /**
   * cosign's legacy attestation layout (specs/ATTESTATION_SPEC.md): tag
   * `sha256-<hex>.att` holds an OCI manifest with one layer per attestation,
   * each layer blob a DSSE envelope and the predicate type and signing
   * material in its annotations. A second call replaces the tag.
   */
  async pushCosignAttestation(subjectDigest: Digest, records: Omit<CosignAttestationRecord, 'manifestDigest'>[]): Promise<PushedManifest> {
    const layers: Descriptor[] = [];
    for (const record of records) {
      const pushed = await this.pushBlob(Buffer.from(record.payload, 'base64'), record.mediaType);
      if (pushed.digest !== record.digest)
        throw new Error(`record digest ${record.digest} is not the sha256 of its envelope (${pushed.digest})`);
      layers.push({ ...pushed, annotations: record.annotations });
    }
    const config = await this.pushBlob(cosignConfig(layers), MEDIA_TYPES.ociConfig);
    return this.pushManifest(
      { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers },
      `${tagForDigest(subjectDigest)}.att`,
    );
  }

  /**
   * cosign 3's layout (pkg/oci/remote/write.go WriteReferrer): a manifest
   * whose subject is the image, whose config is the OCI empty blob naming the
   * artifact type, and whose one layer is the bundle JSON, pushed by digest;
   * then listed in the `sha256-<hex>` fallback index (OCI 1.1 referrers tag
   * schema), which is where clients look on a registry without the referrers
   * API. Not safe to run concurrently for one subject (read-modify-write of
   * that tag). `options` make the variants met in the wild.
   */
  async pushSigstoreBundleReferrer(
    subjectDigest: Digest,
    record: SigstoreBundleRecord,
    options: ReferrerOptions = {},
  ): Promise<PushedReferrer> {
    const subject = await this.#headManifest(subjectDigest);
    await this.pushBlob(Buffer.from('{}'), EMPTY_DESCRIPTOR.mediaType);
    const layer = await this.pushBlob(Buffer.from(JSON.stringify(record.bundle)), options.layerMediaType ?? record.artifactType);
    const annotations = { 'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...record.annotations };
    const config =
      options.artifactTypeIn === 'config-media-type'
        ? { ...EMPTY_DESCRIPTOR, mediaType: record.artifactType }
        : {
            mediaType: EMPTY_DESCRIPTOR.mediaType,
            artifactType: record.artifactType,
            digest: EMPTY_DESCRIPTOR.digest,
            size: EMPTY_DESCRIPTOR.size,
          };
    const referrer = await this.pushManifest({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      ...(options.artifactTypeIn === 'config-media-type' ? {} : { artifactType: record.artifactType }),
      config,
      layers: [layer],
      subject,
      annotations,
    });
    const descriptor: Descriptor = { ...descriptorOf(referrer), artifactType: record.artifactType, annotations };
    const listing = options.listing ?? 'fallback';
    if (listing === 'none') return { ...referrer, descriptor };
    // ggcr before v0.22.1 (cosign 3.0.x) and GHCR list a referrer by its config's media type, without its annotations.
    const listed: Descriptor = listing === 'fallback-bare' ? { ...descriptorOf(referrer), artifactType: MEDIA_TYPES.ociEmpty } : descriptor;
    const fallback = await this.#addToReferrersIndex(subjectDigest, listed);
    return { ...referrer, descriptor, fallback };
  }

  /** GETs a manifest by tag or digest with the full Accept list. */
  async getManifest(reference: string): Promise<PushedManifest> {
    const response = await this.#send('GET', this.#url(`manifests/${reference}`), { headers: { accept: MANIFEST_ACCEPT } }, [200]);
    const bytes = Buffer.from(await response.arrayBuffer());
    return { digest: sha256(bytes), size: bytes.length, mediaType: requiredHeader(response, 'content-type'), bytes };
  }

  async #pushAttestation(image: PushedImage, withSbom: boolean): Promise<PushedAttestation> {
    const subject = [{ name: `pkg:docker/${this.#repository}`, digest: { sha256: image.digest.slice('sha256:'.length) } }];
    const statements = [
      {
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: 'https://slsa.dev/provenance/v0.2',
        subject,
        predicate: { buildType: 'https://mobyproject.org/buildkit@v1' },
      },
      ...(withSbom
        ? [
            {
              _type: 'https://in-toto.io/Statement/v0.1',
              predicateType: 'https://spdx.dev/Document',
              subject,
              predicate: { spdxVersion: 'SPDX-2.3', packages: [{ name: 'busybox', versionInfo: '1.36.1' }] },
            },
          ]
        : []),
    ];
    const pushed = [];
    for (const statement of statements) {
      const bytes = Buffer.from(JSON.stringify(statement));
      const layer = await this.pushBlob(bytes, MEDIA_TYPES.inToto);
      pushed.push({ layer, predicateType: statement.predicateType, bytes });
    }
    const configBytes = Buffer.from(
      JSON.stringify({
        architecture: 'unknown',
        os: 'unknown',
        config: {},
        rootfs: { type: 'layers', diff_ids: pushed.map(({ layer }) => layer.digest) },
      }),
    );
    const config = await this.pushBlob(configBytes, MEDIA_TYPES.ociConfig);
    const manifest = await this.pushManifest({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config,
      layers: pushed.map(({ layer, predicateType }) => ({ ...layer, annotations: { 'in-toto.io/predicate-type': predicateType } })),
    });
    return {
      ...manifest,
      subject: image.digest,
      statements: pushed.map(({ layer, predicateType, bytes }) => ({ digest: layer.digest, predicateType, bytes })),
    };
  }

  async #addToReferrersIndex(subjectDigest: Digest, entry: Descriptor): Promise<PushedManifest & { tag: string }> {
    const tag = tagForDigest(subjectDigest);
    const existing = await this.#send('GET', this.#url(`manifests/${tag}`), { headers: { accept: MEDIA_TYPES.ociIndex } }, [200, 404]);
    const manifests: Descriptor[] = existing.status === 200 ? ((await existing.json()) as { manifests: Descriptor[] }).manifests : [];
    if (existing.status === 404) await existing.body?.cancel();
    const index = await this.pushManifest(
      { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...manifests.filter((m) => m.digest !== entry.digest), entry] },
      tag,
    );
    return { ...index, tag };
  }

  /** The descriptor of a manifest already in the repository, from a HEAD. */
  async #headManifest(digest: Digest): Promise<Descriptor> {
    const response = await this.#send('HEAD', this.#url(`manifests/${digest}`), { headers: { accept: MANIFEST_ACCEPT } }, [200]);
    return { mediaType: requiredHeader(response, 'content-type'), digest, size: Number(requiredHeader(response, 'content-length')) };
  }

  async #putManifestBytes(bytes: Buffer, mediaType: string, reference?: string): Promise<PushedManifest> {
    const digest = sha256(bytes);
    const response = await this.#send(
      'PUT',
      this.#url(`manifests/${reference ?? digest}`),
      { body: bytes, headers: { 'content-type': mediaType } },
      [201],
    );
    const stored = response.headers.get('docker-content-digest');
    if (stored !== digest) throw new Error(`registry stored ${reference ?? digest} as ${stored}, not ${digest}`);
    return { digest, size: bytes.length, mediaType, bytes };
  }

  #url(path: string): URL {
    return new URL(`/v2/${this.#repository}/${path}`, this.#base);
  }

  /** Sends one request with this pusher's credentials; any status outside `expected` throws with the registry's answer. */
  async #send(method: string, url: URL, init: { body?: Buffer; headers?: Record<string, string> }, expected: number[]): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    // Credentials go to the registry's own origin only.
    if (this.#auth && url.origin === this.#base.origin) headers.authorization = await this.#authorizationHeader();
    const response = await fetch(url, {
      method,
      headers,
      ...(init.body ? { body: init.body } : {}),
      ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
    });
    if (!expected.includes(response.status)) {
      throw new Error(`${method} ${url.pathname} answered ${response.status}: ${await response.text()}`);
    }
    // The caller reads the body only of what it asked for; drain the rest so the connection is reused.
    if (method !== 'GET') await response.body?.cancel();
    return response;
  }

  #authorizationHeader(): Promise<string> {
    this.#authorization ??= authorizationFor(this.#auth, this.#repository);
    return this.#authorization;
  }
}

async function authorizationFor(auth: PushAuth | undefined, repository: string): Promise<string> {
  if (!auth) throw new Error('no credentials');
  if ('basic' in auth) return `Basic ${basic(auth.basic.username, auth.basic.password)}`;
  const { tokenServer, username, password } = auth.bearer;
  const realm = new URL(tokenServer.realm);
  realm.searchParams.set('service', tokenServer.service);
  realm.searchParams.set('scope', `repository:${repository}:pull,push`);
  const response = await fetch(realm, { headers: { authorization: `Basic ${basic(username, password)}` } });
  if (response.status !== 200) throw new Error(`token server answered ${response.status}: ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return `Bearer ${token}`;
}

function basic(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

/** The image config: platform, Labels, and the diff_ids (sha256 of each uncompressed layer). */
function imageConfig(spec: ImageSpec, diffIds: Digest[]): Buffer {
  const { os, architecture, variant } = spec.platform;
  return Buffer.from(
    JSON.stringify({
      architecture,
      os,
      ...(variant ? { variant } : {}),
      config: { Labels: spec.labels ?? {} },
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
}

/** What go-containerregistry writes for cosign's config: an empty image whose layers are the payloads. */
function cosignConfig(layers: Descriptor[]): Buffer {
  const epoch = '0001-01-01T00:00:00Z';
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: epoch,
      history: [{ created: epoch }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
      config: {},
    }),
  );
}

/** `sha256:<hex>` → `sha256-<hex>`, the tag cosign and the referrers fallback derive from a digest. */
/**
 * The content the auth and redirect suites read: a two-platform index
 * (`latest`), a single-arch Docker image (`single`) and three more tags on it
 * (`rc-0`…`rc-2`).
 */
export async function pushSampleContent(pusher: Pusher): Promise<void> {
  await pusher.pushIndex({
    tag: 'latest',
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: { os: 'linux', architecture: 'arm64' } }],
  });
  const single = await pusher.pushImage({ tag: 'single', docker: true, platform: { os: 'linux', architecture: 'amd64' } });
  await pusher.pushManyTags('rc-', 3, single.digest);
}

export function tagForDigest(digest: Digest): string {
  return digest.replace(':', '-');
}

function descriptorOf(manifest: PushedManifest): Descriptor {
  return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
}

function definedValues(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function requiredHeader(response: Response, name: string): string {
  const value = response.headers.get(name);
  if (value === null) throw new Error(`${response.url} answered without ${name}`);
  return value;
}

export function sha256(bytes: Buffer): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
