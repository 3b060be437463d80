import { VerificationError } from '../errors.js';

/** The checks a signature must pass, named as the README and the errors name them. */
export const CHECKS = {
  a: 'payload digest',
  b: 'signature',
  c: 'certificate',
  d: 'transparency log',
  e: 'log entry',
  f: 'timestamp',
  policy: 'identity policy',
} as const;
export type Check = keyof typeof CHECKS;

/** A signature that failed one check; the message names the digest, the check and why. */
export class SignatureCheckError extends VerificationError {
  constructor(
    readonly digest: string,
    readonly check: Check,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${digest}: check ${check === 'policy' ? '' : `(${check}) `}${CHECKS[check]} failed: ${reason}`, options);
    this.name = 'SignatureCheckError';
  }
}
