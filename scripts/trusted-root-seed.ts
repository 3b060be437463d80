/**
 * The Sigstore public-good TUF root (root.json) and trusted root
 * (trusted_root.json) inside the seed that @sigstore/tuf ships (seeds.json).
 * Reading seeds.json is not a public API of @sigstore/tuf, so readme-gen does
 * not read it at run time: `npm run update-trusted-root` copies both into
 * src/signatures/ on purpose, and test/signatures/shipped-roots.test.ts keeps
 * the copies equal to the seed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const SIGSTORE_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

interface Seed {
  'root.json': string;
  targets: Record<string, string>;
}

function publicGoodSeed(): { seed: Seed; seedsFile: string } {
  const seedsFile = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
  const seeds = JSON.parse(readFileSync(seedsFile, 'utf8')) as Record<string, Seed>;
  const seed = seeds[SIGSTORE_TUF_MIRROR];
  if (seed === undefined) throw new Error(`${seedsFile} has no seed for ${SIGSTORE_TUF_MIRROR}`);
  return { seed, seedsFile };
}

/** src/signatures/sigstore-public-good.trusted-root.json: what signatures are verified against offline. */
export function publicGoodTrustedRootFromSeeds(): string {
  const { seed, seedsFile } = publicGoodSeed();
  const target = seed.targets['trusted_root.json'];
  if (target === undefined) throw new Error(`${seedsFile} has no trusted_root.json target for ${SIGSTORE_TUF_MIRROR}`);
  return `${JSON.stringify(JSON.parse(Buffer.from(target, 'base64').toString('utf8')), null, 2)}\n`;
}

/**
 * src/signatures/sigstore-public-good.tuf-root.json: the TUF root a first
 * refresh starts from. Kept byte for byte: its signatures are over the
 * canonical form of `signed`, which any re-indentation leaves intact, but
 * there is no reason to re-indent what is signed.
 */
export function publicGoodTufRootFromSeeds(): string {
  return Buffer.from(publicGoodSeed().seed['root.json'], 'base64').toString('utf8');
}
