#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import module from 'node:module';
import { SUPPORTED_NODE, checkoutNode, isSupportedNode } from './supported-node.js';

// Checked before the rest is loaded: on an older Node its dependencies fail
// with errors that do not say the runtime is the problem. A clone of this
// repository brings its own Node and runs on it (`node dist/src/cli/bin.js`
// with the machine's Node 20 works); the re-run's node is that one, so it
// never re-runs again.
if (!isSupportedNode(process.versions.node)) {
  const own = checkoutNode(import.meta.url, process.execPath);
  if (own !== undefined) {
    const run = spawnSync(own, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(run.status ?? 1);
  }
  process.stderr.write(
    `readme-gen: needs Node.js ${SUPPORTED_NODE}; this is ${process.version} (${process.execPath}). Put a supported node first on PATH.\n`,
  );
  process.exit(2);
}
// V8's compiled code for readme-gen and its dependencies, kept on disk (in
// the OS's temporary directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE
// turns it off): compiling them anew was about a tenth of the CPU time of the
// pre-commit hook's check of one README, and the hook starts one run per commit.
module.enableCompileCache();
// The bundle of main.js that npm run build makes (scripts/bundle-cli.ts): the same code, in a few files instead of hundreds.
const bundle = '../../bundle/main.js';
const { main } = (await import(bundle)) as typeof import('./main.js');
process.exitCode = await main(process.argv.slice(2), process.cwd());
