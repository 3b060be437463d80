import { type SnapshotResult, snapshot } from '../commands/snapshot.js';
import { discoverConfigs } from '../config/discover-configs.js';
import { ExitCode } from '../errors.js';
import { openSession } from '../registry/fetch-state.js';
import type { CliArguments } from './args.js';
import { fetchOptions } from './cli-shared.js';
import { terminalProgress } from './progress.js';

/** `readme-gen snapshot`: one image's state, or with --all every configured image's, sharing one registry session. */
export async function runSnapshot(args: CliArguments, cwd: string): Promise<number> {
  const configs: (string | undefined)[] = args.all ? discoverConfigs(cwd) : [args.configPath];
  const progress = terminalProgress(process.stderr, args.registry.quiet);
  const session = openSession(fetchOptions(args, progress));
  const results: SnapshotResult[] = [];
  try {
    for (const configPath of configs) {
      results.push(
        await snapshot({
          cwd,
          overrides: args.overrides,
          allowOutside: args.allowOutside,
          fetch: { ...fetchOptions(args, progress), session },
          ...(configPath === undefined ? {} : { configPath }),
          ...(args.registry.out === undefined ? {} : { out: args.registry.out }),
        }),
      );
    }
  } finally {
    progress?.done();
    await session.http.close();
  }
  if (args.registry.json) {
    const last = results.at(-1);
    const summary = {
      states: results.map((result) => ({ state: result.output, written: result.written, tags: result.tags, digests: result.digests })),
      requests: last?.requests.requests,
      retries: last?.requests.retries,
      bytes: last?.requests.bytes,
      cache: session.cache.stats,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    process.stdout.write(`${JSON.stringify(args.all ? summary : { ...summary.states[0], ...summary, states: undefined })}\n`);
  } else if (!args.registry.quiet) {
    for (const result of results) {
      process.stderr.write(`readme-gen: ${result.written ? 'wrote' : 'unchanged:'} ${result.output} (${result.tags} tags, ${result.digests} digests)\n`);
    }
  }
  return ExitCode.ok;
}
