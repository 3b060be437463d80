import path from 'node:path';
import { discoverConfigs } from '../config/discover-configs.js';
import { InputError } from '../errors.js';
import type { FetchOptions, RegistrySession } from '../registry/fetch-state.js';
import type { CommandInvocation } from './args.js';
import { terminalProgress } from './progress.js';

/** The registry options of every command that may read the registry, from its flags. */
export function fetchOptions(invocation: CommandInvocation, progress: ReturnType<typeof terminalProgress>): FetchOptions {
  const { flags } = invocation;
  const cacheDir = flags.string('cache-dir');
  const concurrency = flags.integer('concurrency', 1, 256);
  const timeoutSeconds = flags.string('timeout');
  return {
    offline: flags.boolean('offline'),
    insecureRegistries: flags.list('insecure-registry'),
    warn: (message) => {
      if (!flags.boolean('quiet')) process.stderr.write(`readme-gen: warning: ${message}\n`);
    },
    ...(cacheDir === undefined ? {} : { cacheDir }),
    ...(concurrency === undefined ? {} : { concurrency, streams: concurrency }),
    ...(flags.boolean('no-http2') ? { http2: false } : {}),
    ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutMs(timeoutSeconds) }),
    ...(progress ? { onProgress: progress.update } : {}),
  };
}

function timeoutMs(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new InputError(`--timeout ${text}: give seconds, more than 0 and at most 3600`);
  }
  return seconds * 1000;
}

export function relative(cwd: string, file: string): string {
  return path.relative(cwd, file) || file;
}

/** One JSON object on stdout, for --json. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * The config a command works on — or with --all every readme-gen.yaml under
 * cwd — and one registry session (one client, one cache) for all of them,
 * with progress on a terminal. The session is closed when `work` is done.
 * --offline opens none: nothing may read a registry, and not loading the
 * HTTP client (undici alone takes longer to load than the whole check of a
 * README) is most of the pre-commit hook's start-up.
 */
export async function withConfigs<T>(
  invocation: CommandInvocation,
  cwd: string,
  work: (configs: (string | undefined)[], fetch: FetchOptions) => Promise<T>,
): Promise<{ result: T; configs: (string | undefined)[]; session: RegistrySession | undefined }> {
  const configPath = invocation.flags.string('config');
  const configs: (string | undefined)[] = invocation.flags.boolean('all') ? discoverConfigs(cwd) : [configPath];
  const quiet = invocation.flags.boolean('quiet') || invocation.flags.boolean('json');
  const progress = terminalProgress(process.stderr, quiet);
  const fetch = fetchOptions(invocation, progress);
  const session = fetch.offline ? undefined : (await import('../registry/fetch-state.js')).openSession(fetch, configs.length);
  try {
    return { result: await work(configs, session ? { ...fetch, session } : fetch), configs, session };
  } finally {
    progress?.done();
    await session?.http.close();
  }
}
