import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageFile } from '../../src/package-root.js';

/**
 * readme-gen started by a test loads the loopback guard first: a connection
 * to anything but loopback ends it with exit 97 (test/harness/loopback-guard.ts).
 */
function guarded(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const guard = `--import=${pathToFileURL(packageFile('dist', 'test', 'harness', 'loopback-guard.js')).href}`;
  const inherited = 'NODE_OPTIONS' in env ? env.NODE_OPTIONS : process.env.NODE_OPTIONS;
  return { ...env, NODE_OPTIONS: [guard, inherited].filter((option) => option !== undefined && option !== '').join(' ') };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built readme-gen binary as a user would, in `cwd`. */
export function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, [packageFile('dist', 'src', 'cli', 'bin.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...guarded(env) },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * runCli without blocking this process: needed when the test itself serves
 * what readme-gen talks to (a proxy, a token server), which a blocked event
 * loop could not answer.
 */
export function runCliAsync(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, options: { deadlineMs?: number } = {}): Promise<CliRun> {
  return runProgram(process.execPath, [packageFile('dist', 'src', 'cli', 'bin.js'), ...args], { cwd, env: guarded(env), ...options });
}

/** Any program, run without blocking this process; `env` is laid over this process's environment (undefined unsets). */
export function runProgram(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; deadlineMs?: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A run past its deadline has hung: it is killed, so the test fails instead of hanging the file.
    const deadline =
      options.deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n(killed after ${options.deadlineMs} ms)`;
            child.kill('SIGKILL');
          }, options.deadlineMs);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(deadline);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed when the test ends. */
export function temporaryDirectory(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
