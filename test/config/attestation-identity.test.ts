/**
 * `attestation-identity`: who must have signed attestations, read as
 * `identity` is (same keys, same checks), defaulting to the identity as the
 * flags leave it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { InputError } from '../../src/errors.js';
import { temporaryDirectory } from '../helpers/run-cli.js';

const RELEASE = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

function configIn(t: Parameters<typeof temporaryDirectory>[0], lines: string[]): string {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), ['name: app', 'location: registry.example.com/acme/app', ...lines, ''].join('\n'));
  return dir;
}

describe('attestation-identity', () => {
  test('set: the policy attestations are held to, apart from the identity signatures are held to', (t) => {
    const cwd = configIn(t, [
      'identity:',
      `  certificate-identity: ${RELEASE}`,
      'attestation-identity:',
      '  certificate-identity-regexp: ^https://github\\.com/actions/attest-build-provenance/',
      `  certificate-oidc-issuer: ${ISSUER}`,
    ]);
    const config = loadConfig({ cwd });
    assert.deepEqual(config.identity, { certificateIdentity: RELEASE });
    assert.deepEqual(config.attestationIdentity, {
      certificateIdentityRegexp: '^https://github\\.com/actions/attest-build-provenance/',
      certificateOidcIssuer: ISSUER,
    });
  });

  test('unset: the identity, as a --certificate-identity flag leaves it', (t) => {
    const cwd = configIn(t, ['identity:', `  certificate-oidc-issuer: ${ISSUER}`]);
    const config = loadConfig({ cwd, overrides: { 'identity.certificate-identity': { value: RELEASE, flag: '--certificate-identity' } } });
    assert.deepEqual(config.attestationIdentity, { certificateIdentity: RELEASE, certificateOidcIssuer: ISSUER });
    assert.deepEqual(config.attestationIdentity, config.identity);
  });

  test('checked as identity is: an exact value and its -regexp both set, a bad expression, an unknown key', (t) => {
    const both = configIn(t, ['attestation-identity:', `  certificate-identity: ${RELEASE}`, '  certificate-identity-regexp: acme']);
    assert.throws(
      () => loadConfig({ cwd: both }),
      (error: unknown) =>
        error instanceof InputError &&
        /readme-gen\.yaml:\d+:\d+: attestation-identity: certificate-identity and certificate-identity-regexp are both set/.test(
          error.message,
        ),
    );
    const bad = configIn(t, ['attestation-identity:', '  certificate-oidc-issuer-regexp: "("']);
    assert.throws(
      () => loadConfig({ cwd: bad }),
      (error: unknown) =>
        error instanceof InputError &&
        /attestation-identity: certificate-oidc-issuer-regexp: not a valid regular expression/.test(error.message),
    );
    const unknown = configIn(t, ['attestation-identity:', '  certificate-identiy: x']);
    assert.throws(
      () => loadConfig({ cwd: unknown }),
      (error: unknown) =>
        error instanceof InputError &&
        /attestation-identity\.certificate-identiy: unknown key "certificate-identiy"; did you mean "certificate-identity"\?/.test(
          error.message,
        ),
    );
  });
});
