import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { X509Certificate, crypto as sigstoreCrypto } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';

type CertAuthority = TrustMaterial['certificateAuthorities'][number];
import { InputError, VerificationError } from '../errors.js';
import { noteFile } from '../fs/input-log.js';
import { packageFile } from '../package-root.js';

/** The Sigstore public-good trusted root, copied from @sigstore/tuf's seed by `npm run update-trusted-root`. */
export const PUBLIC_GOOD_TRUSTED_ROOT = packageFile('src', 'signatures', 'sigstore-public-good.trusted-root.json');

/** What signatures are checked against: CAs, transparency logs, CT logs, and a key for keyed signing. */
export interface Trust {
  material: TrustMaterial;
  /** The material for a certificate issued by `issuerName`: see issuerAnchoredMaterial. */
  forIssuer(issuerName: Buffer): TrustMaterial;
  /** The root lists CT logs, so a Fulcio certificate must carry an SCT from one of them. */
  requiresSct: boolean;
  /** A public key given with --key or key:, for keyed (non-keyless) signatures. */
  publicKey?: sigstoreCrypto.KeyObject;
  /** The hash of the root's and the key's bytes: what a cached verdict was reached with (verdict-cache.ts). */
  fingerprint: string;
}

export interface TrustOptions {
  /** --trusted-root; default: the shipped public-good root */
  trustedRootPath?: string;
  /** --key: a PEM public key */
  keyPath?: string;
  /** how paths are named in messages */
  label?: (file: string) => string;
}

/** Trust by the text of its root and key: every image of an --all run shares them, and parsing them cost a millisecond or more per image. */
const loaded = new Map<string, Trust>();

/**
 * The trust in a trusted root (and key): read each time, parsed once per
 * process for the same bytes, so a file changed meanwhile is read anew.
 */
export function loadTrust(options: TrustOptions = {}): Trust {
  const label = options.label ?? ((file: string) => file);
  const rootFile = options.trustedRootPath ?? PUBLIC_GOOD_TRUSTED_ROOT;
  const rootText = readText(rootFile, label(rootFile), 'trusted root');
  const keyText = options.keyPath === undefined ? undefined : readText(options.keyPath, label(options.keyPath), 'key');
  const key = `${rootText}\u0000${keyText ?? ''}`;
  let trust = loaded.get(key);
  if (!trust) {
    const fingerprint = createHash('sha256').update(key).digest('hex');
    trust = parseTrust(rootText, label(rootFile), keyText, options.keyPath === undefined ? '' : label(options.keyPath), fingerprint);
    loaded.set(key, trust);
  }
  return trust;
}

function parseTrust(rootText: string, rootLabel: string, keyText: string | undefined, keyLabel: string, fingerprint: string): Trust {
  const root = parseTrustedRoot(rootText, rootLabel);
  assertLogKeysHaveStart(root, rootLabel);
  const publicKey = keyText === undefined ? undefined : parsePublicKey(keyText, keyLabel);
  const material = toTrustMaterial(root, () => {
    if (!publicKey) throw new InputError('a signature names a public key, but no key was given; pass --key FILE or set key: in the config');
    return { publicKey, validFor: () => true };
  });
  // Fulcio CAs and timestamp authorities alike: their certificates are checked for every signature.
  const anchored: TrustMaterial = {
    ...material,
    certificateAuthorities: material.certificateAuthorities.map(withTrustedCertificates),
    timestampAuthorities: material.timestampAuthorities.map(withTrustedCertificates),
  };
  const byIssuer = new Map<string, TrustMaterial>();
  const trust: Trust = {
    material: anchored,
    requiresSct: root.ctlogs.length > 0,
    fingerprint,
    forIssuer(issuerName) {
      const key = issuerName.toString('hex');
      let narrowed = byIssuer.get(key);
      if (!narrowed) byIssuer.set(key, (narrowed = issuersOf(anchored, issuerName)));
      return narrowed;
    },
  };
  if (publicKey) trust.publicKey = publicKey;
  return trust;
}

/**
 * A log key is trusted only from its validFor.start: sigstore-js would read a
 * missing start as "since the beginning of time", which would let an old or
 * forged entry pass as logged by a key that did not exist yet. The Sigstore
 * trusted-root format requires the start, so a root without one is refused,
 * as the conformance case trust-root-tlog-missing-validity-start expects.
 */
export function assertLogKeysHaveStart(root: TrustedRoot, label: string): void {
  for (const [logs, what] of [
    [root.tlogs, 'transparency log'],
    [root.ctlogs, 'certificate transparency log'],
  ] as const) {
    for (const log of logs) {
      if (log.publicKey?.validFor?.start === undefined) {
        throw new VerificationError(
          `${label}: ${what} ${log.baseUrl || '(no baseUrl)'} has no validFor.start; a Sigstore trusted root must say from when each log key is valid`,
        );
      }
    }
  }
}

/**
 * Only the CAs with a certificate named as the leaf's issuer can vouch for it
 * (sigstore-js requires that name to match along the path too); trying the
 * others only costs time.
 */
function issuersOf(material: TrustMaterial, issuerName: Buffer): TrustMaterial {
  const certificateAuthorities = material.certificateAuthorities.filter((authority) =>
    authority.certChain.some((certificate) => certificate.subject.equals(issuerName)),
  );
  return { ...material, certificateAuthorities };
}

function withTrustedCertificates(authority: CertAuthority): CertAuthority {
  return { ...authority, certChain: authority.certChain.map((certificate) => new TrustedCertificate(certificate.root)) };
}

/**
 * A trust anchor's certificate never changes, but sigstore-js re-encodes it to
 * DER, re-extracts its key and re-checks its self-signature for every signature
 * it verifies — most of the time verifying the corpus took. This computes each
 * once; what is computed is unchanged.
 */
class TrustedCertificate extends X509Certificate {
  #der: Buffer | undefined;
  #publicKey: Buffer | undefined;
  #selfSigned: boolean | undefined;

  get der(): Buffer {
    return (this.#der ??= this.root.toDER());
  }

  override get publicKey(): Buffer {
    return (this.#publicKey ??= super.publicKey);
  }

  override equals(other: X509Certificate): boolean {
    return this.der.equals(other instanceof TrustedCertificate ? other.der : other.root.toDER());
  }

  override verify(issuerCertificate?: X509Certificate): boolean {
    if (issuerCertificate !== undefined) return super.verify(issuerCertificate);
    return (this.#selfSigned ??= super.verify());
  }
}
function parseTrustedRoot(text: string, label: string): TrustedRoot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${label}: the trusted root is not JSON (${(error as Error).message})`);
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new InputError(
      `${label}: not a Sigstore trusted root (mediaType ${JSON.stringify(mediaType)}); give the trusted_root.json of your Sigstore deployment`,
    );
  }
  try {
    return TrustedRoot.fromJSON(json);
  } catch (error) {
    throw new InputError(`${label}: the trusted root cannot be read (${(error as Error).message})`);
  }
}

function parsePublicKey(pem: string, label: string): sigstoreCrypto.KeyObject {
  try {
    return sigstoreCrypto.createPublicKey(pem);
  } catch (error) {
    throw new InputError(`${label}: not a PEM public key (${(error as Error).message}); give the cosign.pub the image was signed for`);
  }
}

function readText(file: string, label: string, what: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    noteFile(file, text);
    return text;
  } catch (error) {
    throw new InputError(`${label}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}
