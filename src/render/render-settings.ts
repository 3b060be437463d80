import type { CosignOutputGeneration } from '../signatures/cosign-verify-output.js';
import type { IdentityPolicy } from '../signatures/identity-policy.js';

/**
 * What rendering needs from the configuration. Declared here, not taken from
 * config/, so the pure core knows nothing of files, flags or defaults; the
 * resolved configuration extends it.
 */
export interface RenderSettings {
  /** Where the settings came from, for error messages: the config file, or "command line". */
  source: string;
  name: string;
  location: string;
  repo?: string;
  /** The GitHub Actions workflow file whose status badge a template shows, e.g. release.yaml. */
  ciWorkflow?: string;
  description?: string;
  excludeTags: string[];
  /** How errors name the setting exclude-tags came from: `file:line:col: exclude-tags` or `--exclude-tags`; unset when nothing set it. */
  excludeTagsSetting?: string;
  usage?: string;
  /** What the image is built with, as the user names it; empty unless configured. */
  builtWith: string[];
  /** primary-tag when it is set, with how errors name it; unset, the render picks one (src/render/primary-tag.ts). */
  primaryTag?: { name: string; setting: string };
  /** tag-notes, in the config's order, each with how errors name it; empty unless configured. */
  tagNotes: { tag: string; note: string; setting: string }[];
  cosignOutput: CosignOutputGeneration;
  identity: IdentityPolicy;
  /** Who must have signed attestations: the config's attestation-identity, else `identity` (flags that override identity included). */
  attestationIdentity: IdentityPolicy;
  wording: { generator?: string; signedImages?: string };
}
