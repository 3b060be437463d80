import { InputError } from '../errors.js';

/**
 * Who must have signed, in cosign's terms: an exact identity (the certificate's
 * SAN) or a regular expression for it, and likewise for the OIDC issuer. An
 * unset part accepts any value. Expressions are JavaScript's, unanchored, as
 * cosign's RE2 expressions are.
 */
export interface IdentityPolicy {
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
}

/** Compiles the policy's expressions once, so a bad one is bad input, not a failed signature. */
export function checkPolicyExpressions(policy: IdentityPolicy, source: string): void {
  for (const [key, pattern] of [
    ['certificate-identity-regexp', policy.certificateIdentityRegexp],
    ['certificate-oidc-issuer-regexp', policy.certificateOidcIssuerRegexp],
  ] as const) {
    if (pattern === undefined) continue;
    try {
      new RegExp(pattern, 'u');
    } catch (error) {
      throw new InputError(`${source}: ${key}: not a valid regular expression (${(error as Error).message})`);
    }
  }
}

/** Why the signer is outside the policy, or undefined when it is inside. */
export function identityMismatch(policy: IdentityPolicy, subject: string | undefined, issuer: string | undefined): string | undefined {
  const identity = subject ?? '(none)';
  const oidcIssuer = issuer ?? '(none)';
  if (policy.certificateIdentity !== undefined && subject !== policy.certificateIdentity) {
    return `signed by ${identity}, expected ${policy.certificateIdentity}`;
  }
  if (policy.certificateIdentityRegexp !== undefined && !new RegExp(policy.certificateIdentityRegexp, 'u').test(subject ?? '')) {
    return `signed by ${identity}, which does not match ${policy.certificateIdentityRegexp}`;
  }
  if (policy.certificateOidcIssuer !== undefined && issuer !== policy.certificateOidcIssuer) {
    return `issuer ${oidcIssuer}, expected ${policy.certificateOidcIssuer}`;
  }
  if (policy.certificateOidcIssuerRegexp !== undefined && !new RegExp(policy.certificateOidcIssuerRegexp, 'u').test(issuer ?? '')) {
    return `issuer ${oidcIssuer}, which does not match ${policy.certificateOidcIssuerRegexp}`;
  }
  return undefined;
}
