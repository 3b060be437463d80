import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, RegistryError } from '../errors.js';
import { DOCKER_HUB_HOSTS } from './image-location.js';

/**
 * What readme-gen may authenticate with at one registry. Never printed:
 * `source` says where it came from, for messages.
 * A password (or access token used as one) goes to a token service or as
 * Basic; an identity token (docker's `<token>` username) is a refresh token,
 * only exchanged at the token service for an access token.
 */
export type Credentials =
  { kind: 'password'; username: string; password: string; source: string } | { kind: 'identity-token'; token: string; source: string };

/** The environment variables readme-gen reads credentials from (documented in the README). */
export const CREDENTIAL_ENV = {
  username: 'READMEGEN_REGISTRY_USERNAME',
  password: 'READMEGEN_REGISTRY_PASSWORD',
  host: 'READMEGEN_REGISTRY_HOST',
} as const;

/** Docker Hub's key in config.json, and the server URL docker hands a credential helper for it. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** How long a credential helper may take when --timeout does not say: docker waits forever, a scheduled run must not. */
export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

/** A helper's answer is a few hundred bytes; more is not an answer. */
const MAX_HELPER_OUTPUT_BYTES = 1 * 2 ** 20;

/** A docker config or containers auth.json, as far as readme-gen reads it. */
interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string } | null>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface CredentialOptions {
  env: NodeJS.ProcessEnv;
  /**
   * Whether this run reads more than one configured image (`--all`). Then,
   * without READMEGEN_REGISTRY_HOST, the environment's credentials are not
   * used: which registry they belong to cannot be known, and offering a
   * Docker Hub token to ghcr.io is the leak to avoid.
   */
  manyImages: boolean;
  helperTimeoutMs: number;
  warn: (message: string) => void;
}

/**
 * Finds credentials for registries, in this order (README, "Registry credentials"):
 * 1. READMEGEN_REGISTRY_USERNAME/PASSWORD, for READMEGEN_REGISTRY_HOST only
 *    (unset: for the one image of a single-image run);
 * 2. podman's auth.json: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json;
 * 3. the docker config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
 * In each file, as docker and containers/image decide: a credential helper
 * configured for the host (`credHelpers[host]`, else `credsStore`) answers
 * alone, even "not found"; only without one are `auths` entries read.
 * Hosts match exactly after Docker Hub's names are made one; an auth.json key
 * may also name a repository namespace (`quay.io/acme`), the longest match
 * winning. A looser match would hand one registry's password to another.
 * One finder serves a whole run, so a helper runs once per server URL.
 */
export class CredentialFinder {
  readonly #options: CredentialOptions;
  readonly #helperAnswers = new Map<string, Promise<Credentials | undefined>>();
  readonly #authFiles = new Map<string, AuthFile | undefined>();
  #warnedUnscoped = false;

  constructor(options: CredentialOptions) {
    this.#options = options;
  }

  async find(registry: string, repository: string): Promise<Credentials | undefined> {
    const fromEnv = this.#fromEnvironment(registry);
    if (fromEnv) return fromEnv;
    const { env } = this.#options;
    const podman = env.REGISTRY_AUTH_FILE
      ? env.REGISTRY_AUTH_FILE
      : env.XDG_RUNTIME_DIR
        ? path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
        : undefined;
    const docker = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
    for (const [file, kind] of [
      [podman, 'podman'],
      [docker, 'docker'],
    ] as const) {
      if (file === undefined) continue;
      const found = await this.#fromFile(file, kind, registry, repository);
      if (found !== 'no entry') return found;
    }
    return undefined;
  }

  #fromEnvironment(registry: string): Credentials | undefined {
    const { env } = this.#options;
    const username = env[CREDENTIAL_ENV.username];
    const password = env[CREDENTIAL_ENV.password];
    if (!username || !password) return undefined;
    const source = `${CREDENTIAL_ENV.username}/${CREDENTIAL_ENV.password}`;
    const host = env[CREDENTIAL_ENV.host];
    if (host) {
      return canonicalHost(host) === canonicalHost(registry) ? { kind: 'password', username, password, source } : undefined;
    }
    if (!this.#options.manyImages) return { kind: 'password', username, password, source };
    if (!this.#warnedUnscoped) {
      this.#warnedUnscoped = true;
      this.#options.warn(
        `${source} are not used in a run over several images unless ${CREDENTIAL_ENV.host} names the registry they belong to (for example docker.io or ghcr.io)`,
      );
    }
    return undefined;
  }

  /** The file's answer for this registry: credentials, none (a helper said so), or 'no entry' to look further. */
  async #fromFile(
    file: string,
    kind: 'podman' | 'docker',
    registry: string,
    repository: string,
  ): Promise<Credentials | undefined | 'no entry'> {
    const fix = kind === 'podman' ? 'or point REGISTRY_AUTH_FILE elsewhere' : 'or point DOCKER_CONFIG elsewhere';
    const config = this.#authFile(file, fix);
    if (config === undefined) return 'no entry';
    const wanted = canonicalHost(registry);
    // credsStore is docker's alone; containers-auth.json(5) knows only credHelpers.
    const helper =
      Object.entries(config.credHelpers ?? {}).find(([key]) => canonicalHost(key) === wanted)?.[1] ??
      (kind === 'docker' ? config.credsStore : undefined);
    if (typeof helper === 'string' && helper !== '') {
      // A name, as docker takes it: a path would run any program at all.
      if (!/^[\w.-]+$/.test(helper))
        throw new InputError(
          `${file}: credential helper ${JSON.stringify(helper)} is not a name like "desktop" or "gcloud"; fix it ${fix}`,
        );
      return this.#fromHelper(helper, file, registry);
    }
    const entry = matchingEntry(config.auths ?? {}, wanted, kind === 'podman' ? repository : undefined);
    if (!entry) return 'no entry';
    if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken, source: file };
    if (entry.username && entry.password) return { kind: 'password', username: entry.username, password: entry.password, source: file };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { kind: 'password', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
    }
    return 'no entry';
  }

  /** The file parsed, once per run however many images ask (`--all`); undefined when it cannot be read. */
  #authFile(file: string, fix: string): AuthFile | undefined {
    if (this.#authFiles.has(file)) return this.#authFiles.get(file);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // no such file: nothing to read here
    }
    let config: AuthFile | undefined;
    if (text !== undefined) {
      try {
        config = JSON.parse(text) as AuthFile;
      } catch {
        throw new InputError(`${file}: not valid JSON; fix it ${fix}`);
      }
      if (typeof config !== 'object' || config === null) throw new InputError(`${file}: not a JSON object; fix it ${fix}`);
    }
    this.#authFiles.set(file, config);
    return config;
  }

  #fromHelper(helper: string, file: string, registry: string): Promise<Credentials | undefined> {
    const serverUrl = canonicalHost(registry) === 'docker.io' ? DOCKER_HUB_KEY : registry;
    const key = `${helper}\n${serverUrl}`;
    let answer = this.#helperAnswers.get(key);
    if (!answer) {
      answer = runHelper(helper, serverUrl, file, this.#options);
      this.#helperAnswers.set(key, answer);
    }
    return answer;
  }
}

/** The auths entry for this host (or, in auth.json, the longest namespace of `repository` under it). */
function matchingEntry(auths: NonNullable<AuthFile['auths']>, wanted: string, repository: string | undefined) {
  const entries = Object.entries(auths);
  if (repository !== undefined) {
    const parts = repository.split('/');
    for (let length = parts.length; length > 0; length--) {
      const namespace = `${wanted}/${parts.slice(0, length).join('/')}`;
      const exact = entries.find(([key]) => key.replace(/^https?:\/\//, '').replace(/\/+$/, '') === namespace)?.[1];
      if (exact) return exact;
    }
  }
  // A key with a path names the host in a docker config (docker drops the path), only its namespace in auth.json.
  return entries.find(([key]) => canonicalHost(key) === wanted && (repository === undefined || !hasNamespace(key)))?.[1] ?? undefined;
}

function hasNamespace(key: string): boolean {
  return key !== DOCKER_HUB_KEY && /\/./.test(key.replace(/^https?:\/\//, ''));
}

/**
 * `docker-credential-<helper> get` with the server URL on stdin, as docker runs
 * it. Its stdout (JSON with the secret, or an error message that may quote it)
 * and its stderr are never shown: a failure is told by a fixed message and the
 * exit code. "credentials not found" means anonymous, as in docker.
 */
function runHelper(helper: string, serverUrl: string, file: string, options: CredentialOptions): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  const what = `credential helper ${program} (from ${file}) for ${serverUrl}`;
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout ends whatever it started too (a shell's children hold the pipes open).
    const child = spawn(program, ['get'], { env: options.env, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (error: Error | undefined, credentials?: Credentials): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(credentials);
    };
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      finish(
        new RegistryError(
          `${what}: no answer within ${options.helperTimeoutMs / 1000} s; check that it works without a prompt (${program} get), or raise --timeout`,
        ),
      );
    }, options.helperTimeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish(
        error.code === 'ENOENT'
          ? new InputError(`${what}: ${program} is not on PATH; install it, or remove "${helper}" from ${file}`)
          : new RegistryError(`${what}: could not be started (${error.code ?? 'error'})`),
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_HELPER_OUTPUT_BYTES) chunks.push(chunk);
    });
    child.once('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code !== 0) {
        if (code === 1 && /credentials not found/i.test(output)) return finish(undefined, undefined);
        return finish(new RegistryError(`${what}: failed (${signal ?? `exit ${code}`}); run ${program} get to see why`));
      }
      const credentials = parseHelperAnswer(output, helper);
      if (!credentials) return finish(new RegistryError(`${what}: its answer is not {"Username": …, "Secret": …}`));
      finish(undefined, credentials);
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE: its exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
}

function parseHelperAnswer(output: string, helper: string): Credentials | undefined {
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    return undefined;
  }
  const { Username: username, Secret: secret } = (json ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof username !== 'string' || typeof secret !== 'string' || secret === '') return undefined;
  const source = `credential helper docker-credential-${helper}`;
  // docker's convention: this username means the secret is an identity (refresh) token.
  if (username === '<token>') return { kind: 'identity-token', token: secret, source };
  return { kind: 'password', username, password: secret, source };
}

/** A config key or host as the registry host it names: scheme and path dropped, Docker Hub's names made one. */
function canonicalHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host;
}

export function basicAuthorization(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
