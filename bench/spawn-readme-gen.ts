/**
 * The built readme-gen as a child process of a bench, started with the
 * asynchronous spawn: the proxies and relays a bench measures through live
 * in the bench's own process, and a blocking spawn would stop them answering.
 */
import { spawn } from 'node:child_process';
import { packageFile } from '../src/package-root.js';

export interface FinishedProcess {
  /** wall time from spawn to exit */
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

const bin = packageFile('dist', 'src', 'cli', 'bin.js');

export function spawnReadmeGen(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] },
): Promise<FinishedProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ ms: performance.now() - started, status, stdout, stderr }));
  });
}
