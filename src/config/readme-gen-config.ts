import type { IdentityPolicy } from '../signatures/identity-policy.js';

/** The configuration as written in readme-gen.yaml; config.schema.json is the contract. */
export interface ConfigFile {
  name: string;
  location: string;
  repo?: string;
  description?: string;
  'description-file'?: string;
  template?: string;
  'exclude-tags'?: string[];
  'usage-file'?: string;
  'built-with'?: BuildTool[];
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
  wording?: { generator?: string; 'signed-images'?: string };
}

export type BuildTool = 'apko' | 'melange';

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
  description?: string;
  template: string;
  excludeTags: string[];
  usage?: string;
  builtWith: BuildTool[];
  outputPath: string;
  statePath?: string;
  primaryTag: string;
  cosignOutput: CosignOutputGeneration;
  identity: IdentityPolicy;
  keyPath?: string;
  trustedRootPath?: string;
  wording: { generator?: string; signedImages?: string };
}
