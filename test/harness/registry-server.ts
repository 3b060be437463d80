/**
 * A real OCI registry for tests: Debian's docker-registry (distribution
 * 2.8.2), one process per call, storing into a fresh temporary directory and
 * listening on 127.0.0.1 only. scripts/ensure-test-tools.sh installs it.
 *
 * What this registry does and does not do, as seen from a client:
 * - tags/list ignores `n` and `last` and never sends a Link header: 2.8 always
 *   returns every tag in one page (pagination of tags arrived in distribution
 *   v3; in 2.8 only _catalog paginates). Clients must still follow Link when
 *   other registries send one.
 * - no referrers API (GET /v2/<name>/referrers/<digest> is 404), so cosign 3
 *   keeps its referrers in the `sha256-<hex>` fallback tag.
 * - the filesystem driver serves blobs itself, without redirects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcryptjs';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { LOOPBACK, freeLoopbackPort } from './loopback.js';
import type { TokenServer } from './token-server.js';

export const REGISTRY_BINARY = 'docker-registry';

export interface HtpasswdAuth {
  htpasswd: { username: string; password: string };
}

export interface TokenAuth {
  token: TokenServer;
}

export type RegistryAuth = 'none' | HtpasswdAuth | TokenAuth;

/** TLS for the registry's listener: its certificate and key, and the CA a client must trust (PEM). */
export interface RegistryTls {
  certificatePem: string;
  keyPem: string;
  caPem: string;
  /** when set, the registry asks every client for a certificate this CA issued */
  clientCaPem?: string;
  /** what the readiness probe presents then */
  probeClient?: { certificatePem: string; keyPem: string };
}

export interface RegistryOptions {
  auth?: RegistryAuth;
  tls?: RegistryTls;
}

export interface RunningRegistry {
  /** http://127.0.0.1:PORT, or https:// with `tls` */
  url: string;
  /** 127.0.0.1:PORT, as an image reference names it */
  host: string;
  /** the registry's own log (level warn), for when a test needs to know why */
  logFile: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 3;

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-registry-'));
  try {
    const auth = writeAuthFiles(directory, options.auth ?? 'none');
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      const started = await tryStart(directory, port, auth, options.tls);
      if (started) return started;
      // Another process took the port between our probe and the registry's bind.
      if (attempt === PORT_ATTEMPTS || !readLog(directory).includes('address already in use')) {
        throw new Error(`docker-registry did not start; its log:\n${readLog(directory)}`);
      }
    }
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Starts the registry on `port`; undefined if it exited before answering. */
async function tryStart(
  directory: string,
  port: number,
  auth: object | undefined,
  tls: RegistryTls | undefined,
): Promise<RunningRegistry | undefined> {
  const configFile = path.join(directory, 'config.yml');
  writeFileSync(configFile, stringify(registryConfig(directory, port, auth, tls && writeTlsFiles(directory, tls))));
  const child = spawnRegistry(directory, configFile);
  const url = `${tls ? 'https' : 'http'}://${LOOPBACK}:${port}`;
  const dispatcher =
    tls &&
    new Agent({
      connect: { ca: tls.caPem, ...(tls.probeClient && { cert: tls.probeClient.certificatePem, key: tls.probeClient.keyPem }) },
    });
  const ready = await waitUntilReady(child, url, dispatcher).catch(async (error: unknown) => {
    await stopProcess(child);
    throw error;
  });
  await dispatcher?.close();
  if (!ready) {
    await stopProcess(child);
    return undefined;
  }
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    url,
    host: `${LOOPBACK}:${port}`,
    logFile: logPath(directory),
    async stop() {
      process.off('exit', killOnExit);
      await stopProcess(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function registryConfig(directory: string, port: number, auth: object | undefined, tls: object | undefined): object {
  return {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: path.join(directory, 'data') },
      delete: { enabled: true },
    },
    // A fixed secret silences the "No HTTP secret provided" warning.
    http: { addr: `${LOOPBACK}:${port}`, secret: randomBytes(16).toString('hex'), ...(tls ? { tls } : {}) },
    ...(auth ? { auth } : {}),
  };
}

/** Writes the certificate files the http.tls section refers to and returns that section. */
function writeTlsFiles(directory: string, tls: RegistryTls): object {
  const file = (name: string, pem: string) => {
    writeFileSync(path.join(directory, name), pem, { mode: 0o600 });
    return path.join(directory, name);
  };
  return {
    certificate: file('tls.crt', tls.certificatePem),
    key: file('tls.key', tls.keyPem),
    ...(tls.clientCaPem ? { clientcas: [file('client-ca.crt', tls.clientCaPem)] } : {}),
  };
}

/** Writes what the auth section refers to and returns that section. */
function writeAuthFiles(directory: string, auth: RegistryAuth): object | undefined {
  if (auth === 'none') return undefined;
  if ('htpasswd' in auth) {
    const file = path.join(directory, 'htpasswd');
    const { username, password } = auth.htpasswd;
    // The registry accepts bcrypt entries only; cost 4 (the minimum) keeps tests fast.
    writeFileSync(file, `${username}:${bcrypt.hashSync(password, 4)}\n`);
    return { htpasswd: { realm: 'readme-gen-test', path: file } };
  }
  const bundle = path.join(directory, 'token-root.pem');
  writeFileSync(bundle, auth.token.certificatePem);
  const { realm, service, issuer } = auth.token;
  return { token: { realm, service, issuer, rootcertbundle: bundle } };
}

function spawnRegistry(directory: string, configFile: string): ChildProcess {
  // distribution 2.8 has no log-file setting: it logs to stderr, so that goes to the file.
  const log = openSync(logPath(directory), 'a');
  try {
    return spawn(REGISTRY_BINARY, ['serve', configFile], { cwd: directory, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

/** Polls GET /v2/ until it answers 200, or 401 when auth is on; false if the process died first. */
function waitUntilReady(child: ChildProcess, url: string, dispatcher: Agent | undefined): Promise<boolean> {
  return waitForChild(
    child,
    REGISTRY_BINARY,
    async () => [200, 401].includes((await probe(`${url}/v2/`, dispatcher)) ?? 0),
    `answer GET ${url}/v2/`,
  );
}

/**
 * Polls `ready` until it says yes (true), the child exits first (false: the
 * caller may retry on another port), or READY_TIMEOUT_MS pass (an error
 * saying the child did not `what`). Shared by every harness that runs a program.
 */
export async function waitForChild(child: ChildProcess, binary: string, ready: () => Promise<boolean>, what: string): Promise<boolean> {
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot run ${binary} (run scripts/ensure-test-tools.sh): ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await ready()) return true;
    await sleep(25);
  }
  throw new Error(`${binary} did not ${what} within ${READY_TIMEOUT_MS} ms`);
}

async function probe(url: string, dispatcher: Agent | undefined): Promise<number | undefined> {
  try {
    const response = await request(url, dispatcher ? { dispatcher } : {});
    await response.body.dump();
    return response.statusCode;
  } catch {
    return undefined; // not listening yet
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  // No pid: it never started (the binary is missing), so there is nothing to stop.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function logPath(directory: string): string {
  return path.join(directory, 'registry.log');
}

function readLog(directory: string): string {
  try {
    return readFileSync(logPath(directory), 'utf8');
  } catch {
    return '(no log)';
  }
}
