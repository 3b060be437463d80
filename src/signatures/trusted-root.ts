import { readFileSync } from 'node:fs';
import { crypto as sigstoreCrypto } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type TrustMaterial, toTrustMaterial } from '@sigstore/verify';
import { InputError } from '../errors.js';
import { packageFile } from '../package-root.js';

/** The Sigstore public-good trusted root, copied from @sigstore/tuf's seed by `npm run update-trusted-root`. */
export const PUBLIC_GOOD_TRUSTED_ROOT = packageFile('src', 'signatures', 'sigstore-public-good.trusted-root.json');

/** What signatures are checked against: CAs, transparency logs, CT logs, and a key for keyed signing. */
export interface Trust {
  material: TrustMaterial;
  /** The root lists CT logs, so a Fulcio certificate must carry an SCT from one of them. */
  requiresSct: boolean;
  /** A public key given with --key or key:, for keyed (non-keyless) signatures. */
  publicKey?: sigstoreCrypto.KeyObject;
}

export interface TrustOptions {
  /** --trusted-root; default: the shipped public-good root */
  trustedRootPath?: string;
  /** --key: a PEM public key */
  keyPath?: string;
  /** how paths are named in messages */
  label?: (file: string) => string;
}

export function loadTrust(options: TrustOptions = {}): Trust {
  const label = options.label ?? ((file: string) => file);
  const rootFile = options.trustedRootPath ?? PUBLIC_GOOD_TRUSTED_ROOT;
  const root = parseTrustedRoot(readText(rootFile, label(rootFile), 'trusted root'), label(rootFile));
  const publicKey = options.keyPath === undefined ? undefined : parsePublicKey(readText(options.keyPath, label(options.keyPath), 'key'), label(options.keyPath));
  const material = toTrustMaterial(root, () => {
    if (!publicKey) throw new InputError('a signature names a public key, but no key was given; pass --key FILE or set key: in the config');
    return { publicKey, validFor: () => true };
  });
  const trust: Trust = { material, requiresSct: root.ctlogs.length > 0 };
  if (publicKey) trust.publicKey = publicKey;
  return trust;
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
    throw new InputError(`${label}: not a Sigstore trusted root (mediaType ${JSON.stringify(mediaType)}); give the trusted_root.json of your Sigstore deployment`);
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
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${label}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}
