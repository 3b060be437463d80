import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { packageFile } from '../package-root.js';
import type { SignatureRecord } from '../state/image-state.js';
import type { IdentityPolicy } from './identity-policy.js';
import type { Trust } from './trusted-root.js';
import type { VerifiedSigner } from './verify-bundle.js';

/**
 * Raise when what a verification checks changes: every verdict cached before
 * is then a miss, so a fix to the verifier re-checks what it passed before.
 */
const VERDICT_FORMAT = 1;

let version: string | undefined;

/** readme-gen's version: a verdict is the verifier's, and another version's verifier may judge otherwise. */
function readmeGenVersion(): string {
  return (version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version);
}

/**
 * What a signature's verdict is a function of, as one hash: the signature as
 * the state records it (its bytes: payload, signature, certificate, bundle),
 * the digest it is attached to, the trusted root and key (their bytes), the
 * identity policy, and the verifier (readme-gen's version and VERDICT_FORMAT).
 * Nothing else goes into a verdict: verification reads no clock, checking
 * each certificate at the time its log entry or timestamp gives.
 */
export function verdictKey(digest: string, record: SignatureRecord, trust: Pick<Trust, 'fingerprint'>, policy: IdentityPolicy): string {
  const policyEntries = Object.entries(policy)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([VERDICT_FORMAT, readmeGenVersion(), digest, record, trust.fingerprint, policyEntries]))
    .digest('hex');
}

/** An entry on disk: the key it was stored under, and who signed. */
interface StoredVerdict {
  key: string;
  signer: VerifiedSigner;
}

/**
 * Verified verdicts kept in the cache directory (verdicts/<key>.json), so an
 * unchanged repository re-verifies nothing: the pre-commit hook checks the
 * same signatures on every commit. Only a verified verdict is kept (a failure
 * is checked again, and says why). An entry is used only when the key it
 * holds is the key of the signature, root and policy at hand: a changed root,
 * policy or signature is a miss, and so is an entry copied or renamed under
 * another key, or one that cannot be read.
 */
export class VerdictStore {
  readonly #dir: string | undefined;
  #madeDirectory = false;

  /** `cacheDir` undefined keeps nothing. */
  constructor(cacheDir: string | undefined) {
    this.#dir = cacheDir === undefined ? undefined : path.join(cacheDir, 'verdicts');
  }

  /** The signer kept under `key`, else `verify`'s, kept when it returns (it throws when the signature fails). */
  verified(key: string, verify: () => VerifiedSigner): VerifiedSigner {
    const kept = this.get(key);
    if (kept) return kept;
    const signer = verify();
    this.put(key, signer);
    return signer;
  }

  get(key: string): VerifiedSigner | undefined {
    if (this.#dir === undefined) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.#file(key), 'utf8'));
    } catch {
      return undefined;
    }
    return isStoredVerdict(stored) && stored.key === key ? signerOf(stored.signer) : undefined;
  }

  /** Keeps a verified verdict; a cache that cannot be written is only slower. */
  put(key: string, signer: VerifiedSigner): void {
    if (this.#dir === undefined) return;
    try {
      if (!this.#madeDirectory) {
        mkdirSync(this.#dir, { recursive: true });
        this.#madeDirectory = true;
      }
      const entry: StoredVerdict = { key, signer: signerOf(signer) };
      writeFileAtomic(this.#file(key), `${JSON.stringify(entry)}\n`, this.#file(key), { durable: false });
    } catch {
      // verified again next time
    }
  }

  #file(key: string): string {
    return path.join(this.#dir ?? '', `${key}.json`);
  }
}

function isStoredVerdict(value: unknown): value is StoredVerdict {
  if (value === null || typeof value !== 'object') return false;
  const { key, signer } = value as Partial<Record<keyof StoredVerdict, unknown>>;
  if (typeof key !== 'string' || signer === null || typeof signer !== 'object') return false;
  const { subject, issuer, keyed } = signer as Partial<Record<keyof VerifiedSigner, unknown>>;
  return (
    typeof keyed === 'boolean' &&
    (subject === undefined || typeof subject === 'string') &&
    (issuer === undefined || typeof issuer === 'string')
  );
}

/** The signer's fields alone, in signerWithinPolicy's order: a cached verdict prints (--json) as a verified one. */
function signerOf({ subject, issuer, keyed }: VerifiedSigner): VerifiedSigner {
  return { keyed, ...(subject === undefined ? {} : { subject }), ...(issuer === undefined ? {} : { issuer }) };
}
