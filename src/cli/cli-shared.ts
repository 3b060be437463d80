import path from 'node:path';
import { discoverConfigs } from '../config/discover-configs.js';
import { type FetchOptions, type RegistrySession, openSession } from '../registry/fetch-state.js';
import type { CliArguments } from './args.js';
import { terminalProgress } from './progress.js';

/** The registry options every command that may read the registry takes from the flags. */
export function fetchOptions(args: CliArguments, progress: ReturnType<typeof terminalProgress>): FetchOptions {
  const { registry } = args;
  return {
    offline: args.offline,
    insecureRegistries: registry.insecureRegistries,
    warn: (message) => {
      if (!registry.quiet) process.stderr.write(`readme-gen: warning: ${message}\n`);
    },
    ...(registry.cacheDir === undefined ? {} : { cacheDir: registry.cacheDir }),
    ...(registry.concurrency === undefined ? {} : { concurrency: registry.concurrency }),
    ...(registry.timeoutMs === undefined ? {} : { timeoutMs: registry.timeoutMs }),
    ...(progress ? { onProgress: progress.update } : {}),
  };
}

export function relative(cwd: string, file: string): string {
  return path.relative(cwd, file) || file;
}

/**
 * The config a command works on — or with --all every readme-gen.yaml under
 * cwd — and one registry session (one client, one cache) for all of them,
 * with progress on a terminal. The session is closed when `work` is done.
 */
export async function withConfigs<T>(
  args: CliArguments,
  cwd: string,
  work: (configs: (string | undefined)[], fetch: FetchOptions) => Promise<T>,
): Promise<{ result: T; configs: (string | undefined)[]; session: RegistrySession }> {
  const configs: (string | undefined)[] = args.all ? discoverConfigs(cwd) : [args.configPath];
  const progress = terminalProgress(process.stderr, args.registry.quiet);
  const fetch = fetchOptions(args, progress);
  const session = openSession(fetch);
  try {
    return { result: await work(configs, { ...fetch, session }), configs, session };
  } finally {
    progress?.done();
    await session.http.close();
  }
}
