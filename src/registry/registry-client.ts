import { RegistryError } from '../errors.js';
import { type Challenge, parseChallenges } from './auth-challenge.js';
import { ContentCache, sha256Digest } from './content-cache.js';
import { type Credentials, basicAuthorization } from './credentials.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { isLoopback } from '../http/loopback.js';
import { MANIFEST_MEDIA_TYPES } from '../state/image-state.js';
import { type ImageLocation, apiBase } from './image-location.js';
import { userCaFile } from './registry-certificates.js';
import { type Descriptor, MANIFEST_ACCEPT, type Manifest, parseManifest } from './oci-manifest.js';
import type { RegistryHttpClient, RequestKind } from './registry-http.js';
import { type PullQuota, artifactoryNextPage, dockerHubPullQuota, gcrTagDigests, isQuotaExhausted } from './registry-quirks.js';

/** Manifests are small; registries must accept 4 MiB, and 8 MiB is regclient's cap too. */
const MAX_MANIFEST_BYTES = 8 * 2 ** 20;
const MAX_BLOB_BYTES = 8 * 2 ** 20;
const MAX_TAG_PAGES = 1000;
/** A digest with more referrers than 100 pages hold is a registry misbehaving, not signatures to read. */
const MAX_REFERRERS_PAGES = 100;
const TAG_PAGE_SIZE = 1000;

export interface ManifestHead {
  digest: string;
  mediaType: string;
}

/**
 * Docker's schema 1 manifests (`…manifest.v1+json`, signed `…v1+prettyjws`):
 * no platforms, a digest over a payload cut out of a JWS, and no longer pulled
 * by Docker itself. Known from the HEAD's Content-Type and never fetched.
 */
export interface Schema1Head {
  schema1: true;
  mediaType: string;
  /** the Docker-Content-Digest the registry announced, when a valid one */
  digest?: string;
}

const SCHEMA1_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** What a referrers request found: the descriptors, no referrers API, or an answer that cannot be used (with why). */
export type ReferrersAnswer = { kind: 'index'; manifests: Descriptor[] } | { kind: 'no-api' } | { kind: 'unusable'; why: string };

export interface RegistryClientOptions {
  location: ImageLocation;
  http: RegistryHttpClient;
  credentials?: Credentials;
  cache: ContentCache;
}

/**
 * The OCI distribution API for one repository: tag listing that follows Link
 * pagination, HEAD for digests, GET by digest only for content not seen
 * before (verified against its digest, then cached), GET by tag where a HEAD
 * would only add a round trip, and the referrers API.
 * Every request follows redirects (registry.k8s.io sends every /v2/ request
 * to Artifact Registry, vanity hosts to ghcr.io or Docker Hub).
 * Authentication follows each host's challenge: a bearer token per host and
 * scope, cached until it expires, or Basic. The user's credentials go only to
 * the configured registry (its Basic challenge, its token realm); a host
 * redirected to gets only what its own challenge yields anonymously, unless
 * its realm is the configured registry's.
 */
export class RegistryClient {
  readonly #location: ImageLocation;
  readonly #http: RegistryHttpClient;
  readonly #credentials: Credentials | undefined;
  readonly #cache: ContentCache;
  /** by #tokenKey: a token (or Basic) for one host and repository */
  readonly #authorizations = new Map<string, Authorization>();
  readonly #pendingAuthorizations = new Map<string, Promise<void>>();
  /** the token realm the configured registry challenged with: the only realm that gets the user's credentials */
  #credentialRealm: string | undefined;
  /**
   * Manifest GETs under way, by digest. A platform manifest with a tag of its
   * own (`1.0-arm64`) is asked for as an image and as its index's child at
   * once; the second ask waits for the first GET instead of sending another.
   */
  readonly #manifestsInFlight = new Map<string, Promise<{ bytes: Buffer; manifest: Manifest } | undefined>>();
  /** what the tag list itself said each tag points to (gcr.io's manifest map): those tags need no HEAD */
  readonly #listedDigests = new Map<string, { digest: string; mediaType: string }>();
  #quota: PullQuota | undefined;

  constructor(options: RegistryClientOptions) {
    this.#location = options.location;
    this.#http = options.http;
    this.#credentials = options.credentials;
    this.#cache = options.cache;
  }

  get location(): ImageLocation {
    return this.#location;
  }

  /** Every tag, following `Link: <…>; rel="next"` (same origin only) up to a page cap. */
  async listTags(): Promise<string[]> {
    const tags = new Set<string>();
    let url: string | undefined = `${apiBase(this.#location)}/tags/list?n=${TAG_PAGE_SIZE}`;
    const visited = new Set<string>();
    for (let page = 0; url !== undefined; page++) {
      if (visited.has(url))
        throw new RegistryError(
          `${this.#name()}: the tag list's Link leads back to a page already read (${new URL(url).pathname}${new URL(url).search}); stopping`,
        );
      visited.add(url);
      if (page >= MAX_TAG_PAGES)
        throw new RegistryError(`${apiBase(this.#location)}/tags/list: more than ${MAX_TAG_PAGES} pages of tags; stopping`);
      let response = await this.#send({
        method: 'GET',
        url,
        kind: 'tags',
        maxBytes: MAX_MANIFEST_BYTES,
        headers: { accept: 'application/json' },
      });
      // Some registries refuse a large n (quay 413, ECR 400/405): ask for their default page instead.
      if (page === 0 && [400, 405, 413].includes(response.status)) {
        url = `${apiBase(this.#location)}/tags/list`;
        response = await this.#send({
          method: 'GET',
          url,
          kind: 'tags',
          maxBytes: MAX_MANIFEST_BYTES,
          headers: { accept: 'application/json' },
        });
      }
      if (response.status === 404) throw new RegistryError(`${this.#name()}: repository not found (404); check location in the config`);
      expectOk(response, `${this.#name()}: listing tags`);
      const listing = parseJson(response.body, `${this.#name()}: the tag list is not JSON`);
      for (const tag of parseTagList(listing, this.#name())) tags.add(tag);
      for (const [tag, target] of gcrTagDigests(listing)) this.#listedDigests.set(tag, target);
      url = artifactoryNextPage(response, nextLink(response), response.url || url) ?? nextPage(response, url, this.#name());
    }
    return [...tags];
  }

  /**
   * The pull quota the registry last announced (Docker Hub's ratelimit
   * headers), undefined when it announced none.
   */
  get quota(): PullQuota | undefined {
    return this.#quota;
  }

  /**
   * The digest a tag (or digest) points to, without downloading the manifest;
   * undefined when absent; a schema 1 manifest is only named as such. A tag
   * the tag list already described (gcr.io's manifest map) is answered from
   * it, with no request.
   */
  async head(reference: string): Promise<ManifestHead | Schema1Head | undefined> {
    const listed = this.#listedDigests.get(reference);
    if (listed) return SCHEMA1_MEDIA_TYPES.has(listed.mediaType) ? { schema1: true, ...listed } : listed;
    const url = `${apiBase(this.#location)}/manifests/${reference}`;
    const response = await this.#send({ method: 'HEAD', url, kind: 'head', maxBytes: 0, headers: { accept: MANIFEST_ACCEPT } });
    if (response.status === 404) return undefined;
    expectOk(response, `${this.#name()}:${reference}: HEAD manifest`);
    const digest = response.headers['docker-content-digest'];
    const mediaType = response.headers['content-type']?.split(';')[0]?.trim();
    const validDigest = digest && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
    if (mediaType && SCHEMA1_MEDIA_TYPES.has(mediaType))
      return { schema1: true, mediaType, ...(validDigest ? { digest: validDigest } : {}) };
    if (validDigest && mediaType) {
      return { digest: validDigest, mediaType };
    }
    // Some registries leave the digest out of HEAD answers: fetch the manifest and hash it.
    const fetched = await this.manifestByTag(reference);
    if (!fetched) throw new RegistryError(`${this.#name()}:${reference}: HEAD found the manifest, GET did not (404)`);
    return { digest: fetched.digest, mediaType: fetched.manifest.mediaType };
  }

  /** Whether the content with this digest is in the cache, without reading it: a guess at what a run has seen before. */
  isCached(digest: string): boolean {
    return this.#cache.has(digest);
  }

  /** The manifest with this digest: from the cache, else fetched and checked against the digest. */
  async manifest(digest: string): Promise<{ bytes: Buffer; manifest: Manifest }> {
    const found = await this.manifestIfPresent(digest);
    if (!found) throw new RegistryError(`${this.#name()}@${digest}: GET manifest: HTTP 404 (the registry does not have it)`);
    return found;
  }

  /**
   * As `manifest`, but undefined when the registry answers 404: a child of a
   * sparse index (a mirror or Quay that copied only some platforms).
   */
  async manifestIfPresent(digest: string): Promise<{ bytes: Buffer; manifest: Manifest } | undefined> {
    const cached = this.#cache.get(digest);
    if (cached) return { bytes: cached, manifest: parseManifest(cached, undefined, digest) };
    let fetching = this.#manifestsInFlight.get(digest);
    if (!fetching) {
      fetching = this.#fetchManifest(digest).finally(() => this.#manifestsInFlight.delete(digest));
      this.#manifestsInFlight.set(digest, fetching);
    }
    return fetching;
  }

  async #fetchManifest(digest: string): Promise<{ bytes: Buffer; manifest: Manifest } | undefined> {
    let fetched: { bytes: Buffer; manifest: Manifest } | undefined;
    const bytes = await this.#cache.fetchOnce(digest, async () => {
      const response = await this.#getManifest(digest);
      if (response.status === 404) return undefined;
      expectOk(response, `${this.#name()}@${digest}: GET manifest`);
      checkDigest(response, digest, `${this.#name()}@${digest}`);
      fetched = { bytes: response.body, manifest: parseManifest(response.body, response.headers['content-type'], digest) };
      this.#cache.put(digest, response.body);
      return response.body;
    });
    // Another image's GET brought the bytes: read as from the cache.
    return fetched ?? (bytes && { bytes, manifest: parseManifest(bytes, undefined, digest) });
  }

  /**
   * A tag's manifest in one GET, its digest the hash of the bytes (which must
   * equal the Docker-Content-Digest announced, if any); undefined when the tag
   * is absent. Cheaper than a HEAD and a GET by digest where nothing is cached
   * to spare the GET.
   */
  async manifestByTag(tag: string): Promise<{ digest: string; bytes: Buffer; manifest: Manifest } | undefined> {
    const response = await this.#getManifest(tag);
    if (response.status === 404) return undefined;
    expectOk(response, `${this.#name()}:${tag}: GET manifest`);
    const digest = sha256Digest(response.body);
    const announced = response.headers['docker-content-digest'];
    if (announced && announced !== digest) {
      throw new RegistryError(`${this.#name()}:${tag}: the registry announced ${announced}, but the manifest's bytes hash to ${digest}`);
    }
    const manifest = parseManifest(response.body, response.headers['content-type'], digest);
    this.#cache.put(digest, response.body);
    return { digest, bytes: response.body, manifest };
  }

  /** A manifest by tag or digest, in any media type readme-gen reads. */
  #getManifest(reference: string): Promise<HttpResponse> {
    const url = `${apiBase(this.#location)}/manifests/${reference}`;
    return this.#send({ method: 'GET', url, kind: 'manifest', maxBytes: MAX_MANIFEST_BYTES, headers: { accept: MANIFEST_ACCEPT } });
  }

  /** A blob (config, signature payload, bundle), from the cache or fetched, following redirects to blob storage. */
  async blob(digest: string): Promise<Buffer> {
    const cached = this.#cache.get(digest);
    if (cached) return cached;
    return this.#cache.fetchOnce(digest, async () => {
      const url = `${apiBase(this.#location)}/blobs/${digest}`;
      const response = await this.#send({ method: 'GET', url, kind: 'blob', maxBytes: MAX_BLOB_BYTES });
      expectOk(response, `${this.#name()}@${digest}: GET blob`);
      if (sha256Digest(response.body) !== digest) {
        throw new RegistryError(`${this.#name()}@${digest}: the blob's bytes do not hash to its digest; refusing it`);
      }
      this.#cache.put(digest, response.body);
      return response.body;
    });
  }

  /**
   * The referrers of a digest, every Link page of them. 404, 405 and 501 mean
   * the registry has no referrers API. Any other refusal, or an answer that is
   * not an OCI index (an HTML page, another Content-Type), is unusable: the
   * caller falls back to the tag scheme, as oras-go does when the Content-Type
   * is wrong.
   */
  async referrers(digest: string): Promise<ReferrersAnswer> {
    const manifests: Descriptor[] = [];
    const visited = new Set<string>();
    let url: string | undefined = `${apiBase(this.#location)}/referrers/${digest}`;
    for (let page = 0; url !== undefined; page++) {
      if (visited.has(url) || page >= MAX_REFERRERS_PAGES) return { kind: 'unusable', why: 'with Link pages that do not end' };
      visited.add(url);
      const response = await this.#send({
        method: 'GET',
        url,
        kind: 'referrers',
        maxBytes: MAX_MANIFEST_BYTES,
        headers: { accept: MANIFEST_MEDIA_TYPES.ociIndex },
      });
      if (page === 0 && [404, 405, 501].includes(response.status)) return { kind: 'no-api' };
      if (response.status < 200 || response.status >= 300) return { kind: 'unusable', why: `HTTP ${response.status}` };
      const served = response.headers['content-type']?.split(';')[0]?.trim();
      if (served !== MANIFEST_MEDIA_TYPES.ociIndex)
        return { kind: 'unusable', why: `a 200 of type ${printableType(served)}, not an OCI index` };
      let index: Manifest;
      try {
        index = parseManifest(response.body, served, `referrers of ${digest}`);
      } catch {
        return { kind: 'unusable', why: 'a 200 whose body is not an OCI index' };
      }
      if (index.kind !== 'index') return { kind: 'unusable', why: 'a 200 whose body is not an OCI index' };
      manifests.push(...index.manifests);
      const next = followingPage(response, url);
      if (next && 'otherHost' in next) return { kind: 'unusable', why: `with a Link to another host (${next.otherHost})` };
      url = next?.url;
    }
    return { kind: 'index', manifests };
  }

  #name(): string {
    return `${this.#location.registry}/${this.#location.repository}`;
  }

  /**
   * Sends, following redirects, with each host's own authorization; on a 401,
   * answers that host's challenge and resends. Once per host and scope: a
   * redirect chain may meet a new challenge on each host, a host that refuses
   * the token it just gave is refusing access. Every answer may announce the
   * pull quota; one saying it is spent ends the run.
   */
  async #send(httpRequest: HttpRequest<RequestKind>): Promise<HttpResponse> {
    const answered = new Set<string>();
    for (;;) {
      const response = this.#observeQuota(
        await this.#http.send({
          ...httpRequest,
          followRedirects: true,
          authorization: (url) => this.#authorizationFor(url),
        }),
      );
      if (response.status !== 401) return response;
      const url = new URL(response.url);
      const key = this.#tokenKey(url);
      if (answered.has(key)) {
        if (!this.#isConfiguredHost(url))
          throw new RegistryError(
            `${this.#name()}: the registry redirected to ${url.host}, which refused access (401); only its anonymous token was offered, since credentials go only to ${this.#location.registry}`,
          );
        const how = this.#credentials ? `with the credentials from ${this.#credentials.source}` : 'anonymously';
        // Docker Hub and Quay answer 401, not 404, for a repository that does not exist.
        throw new RegistryError(
          `${this.#name()}: the registry refused access ${how} (401): the repository may not exist (check location in the config), or the credentials may not allow reading it (see the README, "Registry credentials")`,
        );
      }
      answered.add(key);
      await this.#authorize(response, url);
    }
  }

  #observeQuota(response: HttpResponse): HttpResponse {
    this.#quota = dockerHubPullQuota(response.headers) ?? this.#quota;
    if (isQuotaExhausted(response)) {
      throw new RegistryError(
        `${this.#name()}: the registry's pull quota is used up (HTTP 429${registryErrorText(response.body)}); not retried: try again when its window resets, or give readme-gen credentials for a larger quota (see the README, "Docker Hub's pull quota")`,
      );
    }
    return response;
  }

  /** Where a token is kept: per host and repository, since a redirect may change both (registry.k8s.io → Artifact Registry). */
  #tokenKey(url: URL): string {
    return `${url.origin} ${repositoryInPath(url) ?? this.#location.repository}`;
  }

  #isConfiguredHost(url: URL): boolean {
    return url.origin === new URL(apiBase(this.#location)).origin;
  }

  #authorizationFor(url: URL): string | undefined {
    const current = this.#authorizations.get(this.#tokenKey(url));
    return current && current.expiresAt > Date.now() ? current.header : undefined;
  }

  /** One challenge per host and scope answered at a time: concurrent 401s share the token fetch. */
  async #authorize(response: HttpResponse, url: URL): Promise<void> {
    const key = this.#tokenKey(url);
    let pending = this.#pendingAuthorizations.get(key);
    if (!pending) {
      pending = this.#answer(parseChallenges(response.headers['www-authenticate'] ?? ''), url).finally(() => {
        this.#pendingAuthorizations.delete(key);
      });
      this.#pendingAuthorizations.set(key, pending);
    }
    await pending;
  }

  async #answer(challenges: Challenge[], url: URL): Promise<void> {
    const key = this.#tokenKey(url);
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer' && challenge.params.realm);
    if (bearer) {
      this.#authorizations.set(key, await this.#fetchToken(bearer, url));
      return;
    }
    const configured = this.#isConfiguredHost(url);
    // An identity token is only ever exchanged at a token service: it is no Basic password.
    if (challenges.some((challenge) => challenge.scheme === 'basic') && this.#credentials?.kind === 'password' && configured) {
      this.#authorizations.set(key, { header: basicAuthorization(this.#credentials), expiresAt: Number.POSITIVE_INFINITY });
      return;
    }
    const how = !configured
      ? `they go only to ${this.#location.registry}, not to ${url.host} where it redirected`
      : this.#credentials
        ? 'the registry offers no way to use them'
        : 'none were found';
    throw new RegistryError(`${this.#name()}: the registry asks for credentials (401) and ${how}; see the README, "Registry credentials"`);
  }

  /**
   * A pull token for the repository the challenged URL names (this
   * repository on the configured host), whatever the challenge's scope: ghcr.io
   * answers /v2/ with a placeholder. Credentials go only to the realm the
   * configured registry named, and only over HTTPS (or to a loopback realm).
   */
  async #fetchToken(challenge: Challenge, url: URL): Promise<Authorization> {
    const realm = new URL(challenge.params.realm ?? '');
    const realmId = `${realm.origin}${realm.pathname}`;
    if (this.#isConfiguredHost(url)) this.#credentialRealm = realmId;
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', `repository:${repositoryInPath(url) ?? this.#location.repository}:pull`);
    const headers: Record<string, string> = { accept: 'application/json' };
    const credentials =
      realmId === this.#credentialRealm && (realm.protocol === 'https:' || isLoopback(realm.host)) ? this.#credentials : undefined;
    let request: HttpRequest<RequestKind> = { method: 'GET', url: realm.toString(), kind: 'token', maxBytes: 1 * 2 ** 20, headers };
    if (credentials?.kind === 'password') headers.authorization = basicAuthorization(credentials);
    if (credentials?.kind === 'identity-token') request = refreshTokenRequest(request, realm, credentials.token);
    const response = await this.#http.send(request);
    if (response.status === 401 || response.status === 403) {
      const how = credentials ? `with the credentials from ${credentials.source}` : 'anonymously';
      throw new RegistryError(`${this.#name()}: the token service ${realm.origin} refused a pull token ${how} (${response.status})`);
    }
    expectOk(response, `${this.#name()}: token from ${realm.origin}`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      throw new RegistryError(`${this.#name()}: the token service ${realm.origin} did not answer JSON`);
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new RegistryError(`${this.#name()}: the token service ${realm.origin} sent no token`);
    // Tokens live 60 s unless told otherwise; renew a little early.
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + Math.max(lifetime - 5, 1) * 1000 };
  }
}

interface Authorization {
  header: string;
  expiresAt: number;
}

/** The repository a distribution API URL names (/v2/<name>/tags/list, manifests, blobs, referrers); undefined for others (blob storage). */
function repositoryInPath(url: URL): string | undefined {
  const match = /^\/v2\/(.+)\/(?:tags\/list|(?:manifests|blobs|referrers)\/[^/]+)$/.exec(url.pathname);
  return match?.[1];
}

/**
 * An identity token is an OAuth2 refresh token: POSTed as a form to the realm
 * (distribution's spec/auth/oauth.md, as docker does), never in a URL, which
 * error messages name. The answer carries `access_token`.
 */
function refreshTokenRequest(request: HttpRequest<RequestKind>, realm: URL, token: string): HttpRequest<RequestKind> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: 'readme-gen' });
  for (const key of ['service', 'scope']) form.set(key, realm.searchParams.get(key) ?? '');
  const url = new URL(realm);
  url.searchParams.delete('service');
  url.searchParams.delete('scope');
  return {
    ...request,
    method: 'POST',
    url: url.toString(),
    headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  };
}

function parseJson(body: Buffer, problem: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(problem);
  }
}

function parseTagList(json: unknown, name: string): string[] {
  const tags = (json as { tags?: unknown } | null)?.tags;
  // Nexus has sent `"tags": null` for an empty repository.
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string'))
    throw new RegistryError(`${name}: the tag list's tags is not a list of strings`);
  return tags as string[];
}

/** The target of a Link header's `rel="next"` (RFC 8288: `<url>; rel="next"`, maybe among other links and parameters), as written. */
function nextLink(response: HttpResponse): string | undefined {
  const link = response.headers.link;
  if (!link) return undefined;
  for (const match of link.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? '';
    if (/;\s*rel\s*=\s*"?(?:[^";,]*\s)?next(?:\s[^";,]*)?"?\s*(?:;|$)/i.test(`${params};`)) return match[1] ?? '';
  }
  return undefined;
}

/** The tag list's next page, resolved against this page's URL; a link to another origin is refused. */
function nextPage(response: HttpResponse, current: string, name: string): string | undefined {
  const next = followingPage(response, current);
  if (next && 'otherHost' in next) {
    throw new RegistryError(`${name}: the tag list's next page is on another host (${next.otherHost}); refusing to follow it`);
  }
  return next?.url;
}

/**
 * The `rel="next"` page of a paged answer (tag list, referrers), resolved
 * against the URL that answered, which after a redirect is on the host
 * redirected to; a page on another host is named, never followed.
 */
function followingPage(response: HttpResponse, current: string): { url: string } | { otherHost: string } | undefined {
  const link = nextLink(response);
  if (link === undefined) return undefined;
  const answered = new URL(response.url || current);
  const next = new URL(link, answered);
  return next.origin === answered.origin ? { url: next.toString() } : { otherHost: next.origin };
}

function checkDigest(response: HttpResponse, digest: string, name: string): void {
  const actual = sha256Digest(response.body);
  if (actual !== digest) throw new RegistryError(`${name}: the manifest's bytes hash to ${actual}, not the digest asked for; refusing it`);
  const announced = response.headers['docker-content-digest'];
  if (announced && announced !== digest)
    throw new RegistryError(`${name}: the registry announced Docker-Content-Digest ${announced} for it; refusing it`);
}

function expectOk(response: HttpResponse, what: string): void {
  if (response.status >= 200 && response.status < 300) return;
  // Go's TLS servers (docker-registry, Harbor, zot) and nginx answer plain HTTP on a TLS port with a 400 that says so.
  if (
    response.status === 400 &&
    /HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/i.test(response.body.toString('latin1'))
  ) {
    const host = new URL(response.url).host;
    throw new RegistryError(
      `${what}: ${host} speaks TLS, and readme-gen spoke plain HTTP to it (a loopback host, or one named with --insecure-registry); put the CA certificate of its TLS certificate in ${userCaFile(host)} (readme-gen then uses https), and leave it out of --insecure-registry`,
    );
  }
  throw new RegistryError(`${what}: HTTP ${response.status}${registryErrorText(response.body)}`);
}

/** A Content-Type for a message: printable, short, or "none". */
function printableType(type: string | undefined): string {
  return type ? type.replace(/[^\x20-\x7e]/g, '?').slice(0, 100) : 'none';
}

/** A registry's error field as words: a string or number as written, anything else nothing. */
function printable(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** The registry's own error words ({"errors":[{code,message}]}), short and printable, when it sent some. */
function registryErrorText(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const [first] = parsed.errors ?? [];
    if (!first) return '';
    const text = `${printable(first.code)} ${printable(first.message)}`
      .replace(/[^\x20-\x7e]/g, '?')
      .trim()
      .slice(0, 200);
    return text ? ` (${text})` : '';
  } catch {
    return '';
  }
}
