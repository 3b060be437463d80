import type { CosignOutputGeneration } from '../signatures/cosign-verify-output.js';
import type { RenderSettings } from '../render/render-settings.js';
import type { UserPartials } from '../render/template-set.js';

/** The configuration as written in readme-gen.yaml; config.schema.json is the contract. */
export interface ConfigFile {
  name: string;
  location: string;
  repo?: string;
  'ci-workflow'?: string;
  description?: string;
  'description-file'?: string;
  template?: string;
  'exclude-tags'?: string[];
  'usage-file'?: string;
  'built-with'?: string[];
  output?: string;
  state?: string;
  'primary-tag'?: string;
  'tag-notes'?: { tag: string; note: string }[];
  'cosign-output'?: CosignOutputGeneration;
  identity?: IdentityKeys;
  /** who must have signed attestations, when not `identity` (e.g. GitHub's attest-build-provenance workflow) */
  'attestation-identity'?: IdentityKeys;
  key?: string;
  'trusted-root'?: string;
  'tuf-mirror'?: string;
  'tuf-root'?: string;
  wording?: { generator?: string; 'signed-images'?: string };
}

/** An identity policy as the config writes it: cosign's flag names. */
export interface IdentityKeys {
  'certificate-identity'?: string;
  'certificate-identity-regexp'?: string;
  'certificate-oidc-issuer'?: string;
  'certificate-oidc-issuer-regexp'?: string;
}

/**
 * The config keys a command-line flag can override. Paths given as flags are
 * relative to the working directory and are the user's own choice, so they are
 * not confined to the repository as a config's paths are.
 */
export type OverridableKey =
  | 'name'
  | 'location'
  | 'repo'
  | 'description'
  | 'exclude-tags'
  | 'template'
  | 'output'
  | 'state'
  | 'key'
  | 'trusted-root'
  | 'tuf-mirror'
  | 'tuf-root'
  | 'identity.certificate-identity'
  | 'identity.certificate-identity-regexp'
  | 'identity.certificate-oidc-issuer'
  | 'identity.certificate-oidc-issuer-regexp';

/** A value given on the command line for a config key, and the flag it was given as, for messages. */
export interface ConfigOverride {
  value: string;
  flag: string;
}

export type ConfigOverrides = Partial<Record<OverridableKey, ConfigOverride>>;

/** The configuration after defaults, flags and files are applied; paths are absolute. */
export interface ResolvedConfig extends RenderSettings {
  template: string;
  /** templates/partials/ beside the config (or the working directory, without one), when it holds any partial. */
  partials?: UserPartials;
  outputPath: string;
  statePath?: string;
  keyPath?: string;
  trustedRootPath?: string;
  /** The TUF repository the trusted root is refreshed from when none is pinned; unset: the public-good one. */
  tufMirror?: string;
  /** The root.json a first refresh from tufMirror starts from. */
  tufRootPath?: string;
}
