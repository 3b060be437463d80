import { InputError } from '../errors.js';

/** Where an image lives, as the registry API addresses it. */
export interface ImageLocation {
  /** the host as the user wrote it, e.g. docker.io or 127.0.0.1:5000 — what credentials are looked up by */
  registry: string;
  /** the host the API is served from: docker.io's is registry-1.docker.io */
  apiHost: string;
  /** the repository path, with library/ for Docker Hub's official images */
  repository: string;
  /** https, or http for loopback hosts and hosts the user named as insecure */
  scheme: 'https' | 'http';
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Reads `registry/repository` (a config's location). The first segment is a
 * registry only if it has a dot or a port or is localhost, as docker decides;
 * otherwise the image is on Docker Hub.
 */
export function parseLocation(location: string, insecureRegistries: readonly string[] = []): ImageLocation {
  const [first = '', ...rest] = location.split('/');
  const hasRegistry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let repository = hasRegistry ? rest.join('/') : location;
  if (repository === '' || !/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/.test(repository)) {
    throw new InputError(`location ${location}: "${repository}" is not a valid repository name (lowercase letters, digits, separators . _ __ -)`);
  }
  const hub = DOCKER_HUB_ALIASES.has(registry);
  if (hub && !repository.includes('/')) repository = `library/${repository}`;
  return {
    registry: hub ? 'docker.io' : registry,
    apiHost: hub ? 'registry-1.docker.io' : registry,
    repository,
    scheme: isLoopback(registry) || insecureRegistries.includes(registry) ? 'http' : 'https',
  };
}

/** Hosts that never leave this machine, where plain HTTP exposes nothing. */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

export function apiBase(location: ImageLocation): string {
  return `${location.scheme}://${location.apiHost}/v2/${location.repository}`;
}
