import { InputError } from '../errors.js';
import { isLoopback } from '../http/loopback.js';

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

/** Docker Hub's hosts: any of them names the same registry, docker.io. */
export const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Reads `registry/repository` (a config's location). The first segment is a
 * registry only if it has a dot or a port or is localhost, as docker decides;
 * otherwise the image is on Docker Hub.
 */
export function parseLocation(location: string, insecureRegistries: readonly string[] = []): ImageLocation {
  const problem = locationProblem(location);
  if (problem !== undefined) throw new InputError(`location: ${problem}`);
  const { registry, repository: path } = splitLocation(location);
  const hub = DOCKER_HUB_HOSTS.has(registry);
  const repository = hub && !path.includes('/') ? `library/${path}` : path;
  return {
    registry: hub ? 'docker.io' : registry,
    apiHost: hub ? 'registry-1.docker.io' : registry,
    repository,
    scheme: isLoopback(registry) || insecureRegistries.includes(registry) ? 'http' : 'https',
  };
}

/** The registry as written (docker.io when none is) and the repository path after it. */
function splitLocation(location: string): { registry: string; repository: string } {
  const [first = '', ...rest] = location.split('/');
  const hasRegistry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasRegistry ? { registry: first, repository: rest.join('/') } : { registry: 'docker.io', repository: location };
}

/** A host name, an IPv4 address or a bracketed IPv6 address, with an optional port: distribution's `domain`. */
const REGISTRY_HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$/;
/** A registry named alone: a dotted name, localhost or an IPv6 address, with an optional port (`alpine` is a repository). */
const REGISTRY_ALONE = /^(?:localhost|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::[0-9]+)?$/;
/** One path component of a repository name: distribution's `path-component`. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const EXAMPLE = 'e.g. cgr.dev/chainguard/glibc-dynamic';

/**
 * What is wrong with a location, in words, or undefined when it is valid. The
 * one place that decides: the config file and --location are both checked
 * here (each caller names the key as the user wrote it), and so is every
 * location the registry client is given. What people paste — an image URL,
 * a reference with its tag or digest, a capitalised name — is named with the
 * fix and the location it gives.
 */
export function locationProblem(location: string): string | undefined {
  const quoted = JSON.stringify(location);
  if (location === '') return `is empty; write registry/repository, ${EXAMPLE}`;
  if (/\s/.test(location)) return `${quoted}: contains whitespace; write registry/repository, ${EXAMPLE}`;
  const fixes: { action: string; reason: string }[] = [];
  const everyTag = 'readme-gen reads every tag and digest of the repository';
  let rest = location;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(rest)?.[0];
  if (scheme !== undefined) {
    fixes.push({ action: `drop the scheme "${scheme}"`, reason: 'a location is registry/repository, not a URL' });
    rest = rest.slice(scheme.length);
  }
  const digest = rest.search(/@[A-Za-z][A-Za-z0-9+._-]*:[^/]*$/);
  if (digest >= 0) {
    fixes.push({ action: 'drop the digest', reason: everyTag });
    rest = rest.slice(0, digest);
  }
  const actions = () => fixes.map((fix) => fix.action);
  if (!rest.includes('/') && REGISTRY_ALONE.test(rest)) {
    return `${quoted}: ${[...actions(), `names the registry ${rest} but no repository; add it, e.g. ${rest}/org/app`].join('; ')}`;
  }
  const { registry, repository } = splitLocation(rest);
  const hostPart = rest.slice(0, rest.length - repository.length);
  let path = repository;
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon >= 0) {
    fixes.push({ action: `drop the tag "${lastSegment.slice(colon)}"`, reason: everyTag });
    path = path.slice(0, path.length - lastSegment.length + colon);
  }
  if (path !== path.toLowerCase()) {
    fixes.push({ action: `lowercase "${path}"`, reason: 'repository names are lowercase' });
    path = path.toLowerCase();
  }
  const problem = structuralProblem(registry, hostPart, path);
  if (problem !== undefined) return `${quoted}: ${[...actions(), problem].join('; ')}`;
  if (fixes.length === 0) return undefined;
  const reasons = [...new Set(fixes.map((fix) => fix.reason))];
  return `${quoted}: ${actions().join(', ')}; write ${hostPart}${path} (${reasons.join('; ')})`;
}

/** What is wrong with a location's shape once a scheme, tag, digest and capitals are set aside. */
function structuralProblem(registry: string, hostPart: string, path: string): string | undefined {
  if (hostPart !== '' && !REGISTRY_HOST.test(registry)) {
    return `the registry "${registry}" is not a host name or address (with an optional :port)`;
  }
  if (path === '') return `no repository after ${hostPart}; add it, e.g. ${hostPart}org/app`;
  for (const segment of path.split('/')) {
    if (segment === '') return `an empty path segment ("//", or a "/" at the start or end); write registry/repository, ${EXAMPLE}`;
    if (!PATH_COMPONENT.test(segment)) {
      return `"${segment}" is not a valid repository name part: lowercase letters and digits, separated by one ".", "_", "__" or any number of "-"`;
    }
  }
  return undefined;
}

export function apiBase(location: ImageLocation): string {
  return `${location.scheme}://${location.apiHost}/v2/${location.repository}`;
}
