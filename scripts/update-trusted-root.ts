import { writeFileSync } from 'node:fs';
import { packageFile } from '../src/package-root.js';
import { publicGoodTrustedRootFromSeeds, publicGoodTufRootFromSeeds } from './trusted-root-seed.js';

for (const [name, content] of [
  ['sigstore-public-good.trusted-root.json', publicGoodTrustedRootFromSeeds()],
  ['sigstore-public-good.tuf-root.json', publicGoodTufRootFromSeeds()],
] as const) {
  const out = packageFile('src', 'signatures', name);
  writeFileSync(out, content);
  process.stdout.write(`wrote ${out}\n`);
}
