import { RegistryError } from '../errors.js';
import { MANIFEST_MEDIA_TYPES } from '../state/image-state.js';

/** Every manifest type, indexes first: without the index types a registry may answer with one platform's manifest. */
export const MANIFEST_ACCEPT = [
  MANIFEST_MEDIA_TYPES.ociIndex,
  MANIFEST_MEDIA_TYPES.dockerList,
  MANIFEST_MEDIA_TYPES.ociManifest,
  MANIFEST_MEDIA_TYPES.dockerManifest,
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export type Manifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[]; annotations?: Record<string, string> }
  | {
      kind: 'image';
      mediaType: string;
      config: Descriptor;
      layers: Descriptor[];
      annotations?: Record<string, string>;
      artifactType?: string;
      subject?: Descriptor;
    };

export interface ImageConfig {
  platform?: Platform;
  labels?: Record<string, string>;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Reads manifest bytes the registry sent for `digest`. The type comes from the
 * manifest's own mediaType, else its shape (OCI allows leaving it out); a
 * mediaType that contradicts the Content-Type is rejected, as the spec asks.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, digest: string): Manifest {
  const json = parseJson(bytes, `manifest ${digest}`);
  const declared = optionalString(json.mediaType, `manifest ${digest}: mediaType`);
  const served = contentType?.split(';')[0]?.trim();
  if (declared && served && served !== declared && served !== 'application/json' && served !== 'application/octet-stream') {
    throw new RegistryError(`manifest ${digest}: the registry served it as ${served}, but it says it is ${declared}`);
  }
  const annotations = stringMap(json.annotations, `manifest ${digest}: annotations`);
  if (Array.isArray(json.manifests)) {
    const manifest: Manifest = {
      kind: 'index',
      mediaType: declared ?? served ?? MANIFEST_MEDIA_TYPES.ociIndex,
      manifests: json.manifests.map((entry, i) => descriptor(entry, `manifest ${digest}: manifests[${i}]`)),
    };
    if (annotations) manifest.annotations = annotations;
    return manifest;
  }
  if (json.config !== undefined) {
    const layers = Array.isArray(json.layers) ? json.layers : [];
    const manifest: Manifest = {
      kind: 'image',
      mediaType: declared ?? served ?? MANIFEST_MEDIA_TYPES.ociManifest,
      config: descriptor(json.config, `manifest ${digest}: config`),
      layers: layers.map((layer, i) => descriptor(layer, `manifest ${digest}: layers[${i}]`)),
    };
    if (annotations) manifest.annotations = annotations;
    const artifactType = optionalString(json.artifactType, `manifest ${digest}: artifactType`);
    if (artifactType) manifest.artifactType = artifactType;
    if (json.subject !== undefined) manifest.subject = descriptor(json.subject, `manifest ${digest}: subject`);
    return manifest;
  }
  throw new RegistryError(
    `manifest ${digest}: neither an index (manifests) nor an image manifest (config); the registry sent something else`,
  );
}

/** The platform and labels of an image config blob; both optional, as configs in the wild omit them. */
export function parseImageConfig(bytes: Buffer, digest: string): ImageConfig {
  const json = parseJson(bytes, `config ${digest}`);
  const config: ImageConfig = {};
  if (typeof json.os === 'string' && typeof json.architecture === 'string') config.platform = platformOf(json, `config ${digest}`);
  const inner = json.config;
  const labels =
    inner !== null && typeof inner === 'object'
      ? stringMap((inner as Record<string, unknown>).Labels, `config ${digest}: config.Labels`)
      : undefined;
  if (labels) config.labels = labels;
  return config;
}

function descriptor(value: unknown, label: string): Descriptor {
  if (value === null || typeof value !== 'object') throw new RegistryError(`${label}: not a descriptor`);
  const object = value as Record<string, unknown>;
  const digest = object.digest;
  if (typeof digest !== 'string' || !DIGEST.test(digest))
    throw new RegistryError(`${label}: digest ${JSON.stringify(digest)} is not a sha256 digest`);
  if (typeof object.mediaType !== 'string') throw new RegistryError(`${label}: no mediaType`);
  if (typeof object.size !== 'number' || !Number.isSafeInteger(object.size) || object.size < 0)
    throw new RegistryError(`${label}: size is not a byte count`);
  const result: Descriptor = { mediaType: object.mediaType, digest, size: object.size };
  if (object.platform !== undefined) result.platform = platformOf(object.platform, `${label}: platform`);
  const annotations = stringMap(object.annotations, `${label}: annotations`);
  if (annotations) result.annotations = annotations;
  const artifactType = optionalString(object.artifactType, `${label}: artifactType`);
  if (artifactType) result.artifactType = artifactType;
  return result;
}

function platformOf(value: unknown, label: string): Platform {
  const object = (value ?? {}) as Record<string, unknown>;
  if (typeof object.os !== 'string' || typeof object.architecture !== 'string')
    throw new RegistryError(`${label}: os and architecture must be strings`);
  const platform: Platform = { os: object.os, architecture: object.architecture };
  const variant = optionalString(object.variant, `${label}: variant`);
  if (variant) platform.variant = variant;
  const osVersion = optionalString(object['os.version'], `${label}: os.version`);
  if (osVersion) platform['os.version'] = osVersion;
  return platform;
}

function parseJson(bytes: Buffer, label: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`${label}: not JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new RegistryError(`${label}: not a JSON object`);
  return json as Record<string, unknown>;
}

function optionalString(value: unknown, label: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new RegistryError(`${label}: not a string`);
  return value;
}

function stringMap(value: unknown, label: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new RegistryError(`${label}: not a map of strings`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, entry]) => typeof entry !== 'string')) throw new RegistryError(`${label}: not a map of strings`);
  return entries.length > 0 ? Object.fromEntries(entries as [string, string][]) : undefined;
}
