import { writeFileSync } from 'node:fs';
import { packageFile } from '../src/package-root.js';
import { publicGoodTrustedRootFromSeeds } from './trusted-root-seed.js';

const out = packageFile('src', 'signatures', 'sigstore-public-good.trusted-root.json');
writeFileSync(out, publicGoodTrustedRootFromSeeds());
process.stdout.write(`wrote ${out}\n`);
