import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';

/**
 * A config as loadConfig would resolve it, for tests that render in process:
 * the default template, nothing excluded, the README written nowhere. Tests
 * override what they are about.
 */
export function resolvedConfig(location: string, overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    source: 'test',
    name: 'app',
    location,
    template: 'default',
    excludeTags: [],
    builtWith: ['apko'],
    outputPath: '/dev/null',
    tagNotes: [],
    cosignOutput: 'current',
    identity: {},
    // as loadConfig resolves it without an attestation-identity: the identity
    attestationIdentity: overrides.identity ?? {},
    wording: {},
    ...overrides,
  };
}
