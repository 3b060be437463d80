/**
 * The Sigstore public-good trusted root inside the seed that @sigstore/tuf
 * ships (seeds.json; a devDependency pinned to 4.0.x). Reading seeds.json is
 * not a public API of @sigstore/tuf, so readme-gen does not read it at run
 * time: `npm run update-trusted-root` copies it into src/signatures/ on
 * purpose, and a test keeps the copy equal to the seed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const SIGSTORE_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

export function publicGoodTrustedRootFromSeeds(): string {
  const seedsFile = createRequire(import.meta.url).resolve('@sigstore/tuf/seeds.json');
  const seeds = JSON.parse(readFileSync(seedsFile, 'utf8')) as Record<string, { targets: Record<string, string> }>;
  const target = seeds[SIGSTORE_TUF_MIRROR]?.targets['trusted_root.json'];
  if (target === undefined) throw new Error(`${seedsFile} has no trusted_root.json target for ${SIGSTORE_TUF_MIRROR}`);
  return `${JSON.stringify(JSON.parse(Buffer.from(target, 'base64').toString('utf8')), null, 2)}\n`;
}

