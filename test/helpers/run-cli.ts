import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageFile } from '../../src/package-root.js';

/**
 * Variables of this process a readme-gen started by a test does not inherit:
 * the machine's registry credentials (READMEGEN_*, its docker config, podman's auth.json), its
 * registry certificates (certs.d under XDG_CONFIG_HOME, NODE_EXTRA_CA_CERTS) and
 * other READMEGEN_* settings, its GitHub token and context, its cache and its
 * proxies. A test that wants one passes it in `env`.
 */
const MACHINE_ONLY =
  /^(READMEGEN_.*|XDG_CACHE_HOME|XDG_CONFIG_HOME|XDG_RUNTIME_DIR|NODE_EXTRA_CA_CERTS|DOCKER_CONFIG|REGISTRY_AUTH_FILE|GITHUB_(TOKEN|API_URL|REPOSITORY)|GH_TOKEN|(HTTPS?|ALL|NO)_PROXY)$/i;

let cacheHome: string | undefined;

/**
 * The XDG_CACHE_HOME of every readme-gen this test file starts: one fresh
 * directory, removed when the file's process exits, never the machine's ~/.cache.
 */
function testCacheHome(): string {
  if (cacheHome === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-test-cache-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    cacheHome = dir;
  }
  return cacheHome;
}

/**
 * What to lay over this process's environment for a readme-gen a test starts
 * (undefined unsets): the machine's own settings unset, the test's cache, and
 * the loopback guard loaded first, so a connection to anything but loopback
 * ends it with exit 97 (test/harness/loopback-guard.ts); then the test's `env`.
 */
function cliEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const unset = Object.fromEntries(Object.keys(process.env).flatMap((name) => (MACHINE_ONLY.test(name) ? [[name, undefined]] : [])));
  const guard = `--import=${pathToFileURL(packageFile('dist', 'test', 'harness', 'loopback-guard.js')).href}`;
  const inherited = 'NODE_OPTIONS' in env ? env.NODE_OPTIONS : process.env.NODE_OPTIONS;
  return {
    ...unset,
    XDG_CACHE_HOME: testCacheHome(),
    // a folder with no config.json: never the machine's ~/.docker
    DOCKER_CONFIG: path.join(testCacheHome(), 'docker-config'),
    // nor its ~/.config/containers/certs.d
    XDG_CONFIG_HOME: path.join(testCacheHome(), 'config'),
    ...env,
    NODE_OPTIONS: [guard, inherited].filter((option) => option !== undefined && option !== '').join(' '),
  };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** why the program could not be started at all (runCli only) */
  error?: Error;
}

export interface CliOptions {
  /** the readme-gen program: default this checkout's dist/src/cli/bin.js; a copy's, or an installed one */
  bin?: string;
  /** the node that runs it: default this process's; null runs the program itself, through its #! line */
  node?: string | null;
}

/** The command line that starts readme-gen with `args`. */
function cliCommand(args: readonly string[], options: CliOptions): string[] {
  const bin = options.bin ?? packageFile('dist', 'src', 'cli', 'bin.js');
  const node = options.node === undefined ? process.execPath : options.node;
  return node === null ? [bin, ...args] : [node, bin, ...args];
}

/**
 * Runs the built readme-gen as a user would, in `cwd`, with `env` laid over
 * the clean environment above.
 */
export function runCli(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  options: CliOptions & { maxBuffer?: number } = {},
): CliRun {
  const [file, ...argv] = cliCommand(args, options) as [string, ...string[]];
  const result = spawnSync(file, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...cliEnv(env) },
    ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

/**
 * runCli without blocking this process: needed when the test itself serves
 * what readme-gen talks to (a proxy, a token server), which a blocked event
 * loop could not answer, and to run several at once. With `fdLimit` it runs
 * under `ulimit -n` that many open files, so a descriptor leak fails with EMFILE.
 */
export function runCliAsync(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  options: CliOptions & { deadlineMs?: number; fdLimit?: number } = {},
): Promise<CliRun> {
  const command = cliCommand(args, options);
  const [file, ...argv] = (
    options.fdLimit === undefined ? command : ['/bin/sh', '-c', `ulimit -n ${options.fdLimit} && exec "$@"`, 'sh', ...command]
  ) as [string, ...string[]];
  return runProgram(file, argv, { cwd, env: cliEnv(env), ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }) });
}

/** Any program, run without blocking this process; `env` is laid over this process's environment (undefined unsets). */
export function runProgram(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; deadlineMs?: number },
): Promise<CliRun> {
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
