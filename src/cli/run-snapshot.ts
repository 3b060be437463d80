import { type SnapshotResult, snapshotAll } from '../commands/snapshot.js';
import { ExitCode } from '../errors.js';
import { describeChanges } from '../pr/state-changes.js';
import { counted } from '../text/counted.js';
import type { CommandInvocation } from './args.js';
import { printJson, withConfigs } from './cli-shared.js';

/** `readme-gen snapshot`: one image's state, or with --all every configured image's, side by side over one registry session. */
export async function runSnapshot(invocation: CommandInvocation, cwd: string): Promise<number> {
  const { flags } = invocation;
  const check = flags.boolean('check');
  const { result: results, session } = await withConfigs(invocation, cwd, (configs, fetch) =>
    snapshotAll({
      cwd,
      configs,
      overrides: invocation.overrides,
      allowOutside: flags.boolean('allow-outside'),
      check,
      fetch,
    }),
  );
  const stale = results.filter((result) => !result.upToDate);
  const exitCode = check && stale.length > 0 ? ExitCode.outOfDate : ExitCode.ok;

  if (flags.boolean('json')) {
    const last = results.at(-1);
    const states = results.map((result) => ({
      state: result.output,
      upToDate: result.upToDate,
      written: result.written,
      tags: result.tags,
      digests: result.digests,
      ...(check && !result.upToDate
        ? {
            missing: result.missing,
            ...(result.invalid ? { invalid: result.invalid } : {}),
            ...(result.changes ? { changes: result.changes } : {}),
          }
        : {}),
    }));
    const summary = {
      requests: last?.requests.requests,
      retries: last?.requests.retries,
      bytes: last?.requests.bytes,
      protocols: last?.requests.protocols,
      // snapshot has no --offline, so its session is always open.
      cache: session?.cache.stats,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    printJson(flags.boolean('all') ? { states, ...summary } : { ...states[0], ...summary });
    return exitCode;
  }

  const note = (message: string) => process.stderr.write(`readme-gen: ${message}\n`);
  if (!check) {
    // --quiet has always kept these lines out of scripted runs' logs.
    if (flags.boolean('quiet')) return exitCode;
    for (const result of results)
      note(
        `${result.written ? 'wrote' : 'unchanged:'} ${result.output} (${counted(result.tags, 'tag')}, ${counted(result.digests, 'digest')})`,
      );
    return exitCode;
  }
  for (const result of stale) {
    const why = result.missing
      ? 'is missing'
      : result.invalid !== undefined
        ? `is not a valid state (${result.invalid})`
        : 'differs from the registry';
    process.stdout.write(
      `${result.output} ${why}:\n${describeStaleState(result)
        .map((line) => `  ${line}\n`)
        .join('')}`,
    );
    process.stderr.write(
      `readme-gen: ${result.output} is out of date; run \`readme-gen snapshot${flags.boolean('all') ? ' --all' : ''}\` to record the registry's state\n`,
    );
  }
  if (stale.length === 0)
    note(
      results.length === 1 ? `${results[0]?.output} matches the registry` : `all ${counted(results.length, 'state')} match the registry`,
    );
  else if (flags.boolean('all'))
    process.stderr.write(
      `readme-gen: ${stale.length} of ${counted(results.length, 'state')} ${stale.length === 1 ? 'is' : 'are'} out of date\n`,
    );
  return exitCode;
}

function describeStaleState(result: SnapshotResult): string[] {
  if (result.changes === undefined) return [`the registry has ${counted(result.tags, 'tag')} on ${counted(result.digests, 'digest')}`];
  const lines = describeChanges(result.changes);
  // Same tags, signatures and metadata, different bytes: the file was edited or written by another version.
  return lines.length > 0 ? lines : ['the file is not as readme-gen writes it (edited by hand?); the registry content is the same'];
}
