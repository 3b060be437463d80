import path from 'node:path';
import type { FetchOptions } from '../registry/fetch-state.js';
import type { CliArguments } from './args.js';
import type { terminalProgress } from './progress.js';

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
