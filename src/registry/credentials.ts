import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { DOCKER_HUB_HOSTS } from './image-location.js';

/** A username and password (or token used as one) for a registry. Never printed. */
export interface Credentials {
  username: string;
  password: string;
  /** where they came from, for messages: never the values */
  source: string;
}

/** The environment variables readme-gen reads credentials from (documented in the README). */
export const CREDENTIAL_ENV = { username: 'READMEGEN_REGISTRY_USERNAME', password: 'READMEGEN_REGISTRY_PASSWORD' } as const;

/** Docker Hub's key in config.json; the names of its hosts mean the same registry. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/**
 * Credentials for `registry`: from the environment, else from the docker
 * config's `auths` ($DOCKER_CONFIG/config.json or ~/.docker/config.json),
 * matched on the exact host after normalising Docker Hub's names — a looser
 * match would hand one registry's password to another. Credential helpers are
 * not run: that would mean executing a program.
 */
export function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const username = env[CREDENTIAL_ENV.username];
  const password = env[CREDENTIAL_ENV.password];
  if (username && password) return { username, password, source: `${CREDENTIAL_ENV.username}/${CREDENTIAL_ENV.password}` };
  const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(text) as typeof config;
  } catch {
    throw new InputError(`${file}: not valid JSON; fix it or point DOCKER_CONFIG elsewhere`);
  }
  const wanted = canonicalHost(registry);
  const entry = Object.entries(config.auths ?? {}).find(([key]) => canonicalHost(key) === wanted)?.[1];
  if (!entry) return undefined;
  if (entry.username && entry.password) return { username: entry.username, password: entry.password, source: file };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
  }
  return undefined;
}

function canonicalHost(key: string): string {
  if (key === DOCKER_HUB_KEY || DOCKER_HUB_HOSTS.has(key)) return 'docker.io';
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
