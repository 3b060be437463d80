import type { IdentityPolicy } from '../signatures/identity-policy.js';

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
  'cosign-output'?: CosignOutputGeneration;
  identity?: {
    'certificate-identity'?: string;
    'certificate-identity-regexp'?: string;
    'certificate-oidc-issuer'?: string;
    'certificate-oidc-issuer-regexp'?: string;
  };
  key?: string;
  'trusted-root'?: string;
  'tuf-mirror'?: string;
  'tuf-root'?: string;
  wording?: { generator?: string; 'signed-images'?: string };
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

/**
 * Which cosign's `verify` output to reproduce. The corpus holds two 2022
 * generations; `current` is what cosign 2 and later print.
 */
export type CosignOutputGeneration = 'oids-only' | 'with-workflow-names' | 'current';

/** The configuration after defaults, flags and files are applied; paths are absolute. */
export interface ResolvedConfig {
  /** Where the settings came from, for error messages: the config file, or "command line". */
  source: string;
  name: string;
  location: string;
  repo?: string;
  /** The GitHub Actions workflow file whose status badge a template shows, e.g. release.yaml. */
  ciWorkflow?: string;
  description?: string;
  template: string;
  excludeTags: string[];
  /** How errors name the setting exclude-tags came from: `file:line:col: exclude-tags` or `--exclude-tags`; unset when nothing set it. */
  excludeTagsSetting?: string;
  usage?: string;
  /** What the image is built with, as the user names it; empty unless configured. */
  builtWith: string[];
  outputPath: string;
  statePath?: string;
  /** primary-tag when it is set, with how errors name it; unset, the render picks one (src/render/primary-tag.ts). */
  primaryTag?: { name: string; setting: string };
  cosignOutput: CosignOutputGeneration;
  identity: IdentityPolicy;
  keyPath?: string;
  trustedRootPath?: string;
  /** The TUF repository the trusted root is refreshed from when none is pinned; unset: the public-good one. */
  tufMirror?: string;
  /** The root.json a first refresh from tufMirror starts from. */
  tufRootPath?: string;
  wording: { generator?: string; signedImages?: string };
}
