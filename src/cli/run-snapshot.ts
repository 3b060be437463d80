import { type SnapshotResult, snapshot } from '../commands/snapshot.js';
import { ExitCode } from '../errors.js';
import type { CliArguments } from './args.js';
import { withConfigs } from './cli-shared.js';

/** `readme-gen snapshot`: one image's state, or with --all every configured image's, sharing one registry session. */
export async function runSnapshot(args: CliArguments, cwd: string): Promise<number> {
  const { result: results, session } = await withConfigs(args, cwd, async (configs, fetch) => {
    const written: SnapshotResult[] = [];
    for (const configPath of configs) {
      written.push(
        await snapshot({
          cwd,
          overrides: args.overrides,
          allowOutside: args.allowOutside,
          fetch,
          ...(configPath === undefined ? {} : { configPath }),
          ...(args.registry.out === undefined ? {} : { out: args.registry.out }),
        }),
      );
    }
    return written;
  });
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
