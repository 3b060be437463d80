#!/usr/bin/env node
import { SUPPORTED_NODE, isSupportedNode } from './supported-node.js';

// Checked before the rest is loaded: on an older Node its dependencies fail
// with errors that do not say the runtime is the problem.
if (!isSupportedNode(process.versions.node)) {
  process.stderr.write(`readme-gen: needs Node.js ${SUPPORTED_NODE}; this is ${process.version} (${process.execPath}). Put a supported node first on PATH.\n`);
  process.exit(2);
}
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2), process.cwd());
