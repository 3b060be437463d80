import { InputError, RemoteError } from '../errors.js';
import {
  DEFAULT_HTTP_OPTIONS,
  HttpClient,
  type HttpOptions,
  type HttpResponse,
  retryAfterMs,
  retryableStatus,
} from '../http/http-client.js';
import { isLoopback } from '../http/loopback.js';
import { redact } from './redact.js';

/**
 * The few GitHub REST endpoints `readme-gen pr` uses: list a branch's open
 * pull requests, open one, edit one — through the HTTP layer the registry
 * uses, so with its timeouts, and its retries on 5xx and connection errors,
 * and on a secondary rate limit that asks to wait briefly. The token goes in
 * the Authorization header and nowhere else; every error names the method,
 * endpoint and status, never the token.
 */

export const DEFAULT_API_URL = 'https://api.github.com';
const API_VERSION = '2022-11-28';
const MAX_RESPONSE_BYTES = 8 * 2 ** 20;
const REQUEST_KINDS = ['list', 'create', 'update'] as const;
type RequestKind = (typeof REQUEST_KINDS)[number];

export interface Repository {
  owner: string;
  repo: string;
}

export interface PullRequest {
  number: number;
  title: string;
  body: string;
  url: string;
  base: string;
}

export interface GitHubOptions {
  apiUrl: string;
  token: string;
  repository: Repository;
  /**
   * Timeouts, retries and backoff; default the registry's. maxRetryAfterMs is
   * also the longest secondary rate limit waited out.
   */
  http?: Partial<HttpOptions>;
}

export interface PullRequestFields {
  title: string;
  body: string;
  base: string;
}

/**
 * --api-url as a base URL: https, or http on a loopback host (tests, a local
 * proxy) — the token is never sent in clear over a network — and without
 * credentials in it, which belong in the token variable.
 */
export function parseApiUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`--api-url ${value}: not a URL; give e.g. https://api.github.com or https://github.example.com/api/v3`);
  }
  if (url.username !== '' || url.password !== '')
    throw new InputError('--api-url must not hold credentials; the token comes from the token environment variable');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new InputError(`--api-url ${url.origin}: use https (plain http only on a loopback host), so the token is not sent in clear`);
  }
  if (url.search !== '' || url.hash !== '') throw new InputError(`--api-url ${url.origin}${url.pathname}: drop the query or fragment`);
  return url;
}

/**
 * owner/repo for the API: GITHUB_REPOSITORY when set (GitHub Actions sets
 * it), else origin's URL when it is a GitHub-style https or ssh URL.
 */
export function repositoryFrom(githubRepository: string | undefined, originUrl: string | undefined): Repository | undefined {
  if (githubRepository) {
    const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(githubRepository.trim());
    if (!match?.[1] || !match[2]) throw new InputError(`GITHUB_REPOSITORY=${githubRepository}: expected owner/repo`);
    return { owner: match[1], repo: match[2] };
  }
  return originUrl === undefined ? undefined : repositoryFromUrl(originUrl);
}

/** owner/repo from https://host/owner/repo(.git), ssh://git@host/owner/repo(.git) or git@host:owner/repo(.git). */
export function repositoryFromUrl(url: string): Repository | undefined {
  const match =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?[^/]+(?::\d+)?\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url) ??
    /^[A-Za-z0-9_.-]+@[^:/]+:([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url);
  return match?.[1] && match[2] ? { owner: match[1], repo: match[2] } : undefined;
}

export class GitHubClient {
  readonly #base: URL;
  readonly #token: string;
  readonly #repository: Repository;
  readonly #http: HttpClient<RequestKind>;
  /** the longest secondary rate limit waited out */
  readonly #maxWaitMs: number;

  constructor(options: GitHubOptions) {
    this.#base = parseApiUrl(options.apiUrl);
    this.#token = options.token;
    this.#repository = options.repository;
    const http = { ...DEFAULT_HTTP_OPTIONS, ...options.http };
    this.#maxWaitMs = http.maxRetryAfterMs;
    this.#http = new HttpClient(
      {
        kinds: REQUEST_KINDS,
        name: 'GitHub',
        error: (message, errorOptions) => new RemoteError(`GitHub API: ${redact(message, [this.#token])}`, errorOptions),
        unresolvableFix: 'check the host in --api-url (or GITHUB_API_URL), or that this machine can resolve it (DNS, VPN)',
        refusedFix: 'check the host and port in --api-url (or GITHUB_API_URL)',
        retryable: (response) => this.#retryable(response),
      },
      http,
    );
  }

  get repository(): Repository {
    return this.#repository;
  }

  /** The open pull request whose head is `branch` of this repository, if any. */
  async findOpenPullRequest(branch: string): Promise<PullRequest | undefined> {
    const query = new URLSearchParams({ head: `${this.#repository.owner}:${branch}`, state: 'open', per_page: '100' });
    const list = await this.#send('list', 'GET', `${this.#pullsPath()}?${query.toString()}`, undefined, [200]);
    if (!Array.isArray(list)) throw new RemoteError(`GitHub API: GET ${this.#pullsPath()} answered something other than a list`);
    const first: unknown = list[0];
    return first === undefined ? undefined : this.#pullRequest(first, 'GET');
  }

  async createPullRequest(branch: string, fields: PullRequestFields): Promise<PullRequest> {
    // A create retried after a 5xx that GitHub did carry out is refused (422, one open pull request per head), never doubled.
    const created = await this.#send(
      'create',
      'POST',
      this.#pullsPath(),
      { title: fields.title, head: branch, base: fields.base, body: fields.body, maintainer_can_modify: true },
      [201],
    );
    return this.#pullRequest(created, 'POST');
  }

  /** PATCHes only the fields given. */
  async updatePullRequest(number: number, fields: Partial<PullRequestFields>): Promise<PullRequest> {
    const updated = await this.#send('update', 'PATCH', `${this.#pullsPath()}/${number}`, fields, [200]);
    return this.#pullRequest(updated, 'PATCH');
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  #pullsPath(): string {
    const { owner, repo } = this.#repository;
    return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/pulls`;
  }

  #pullRequest(value: unknown, method: string): PullRequest {
    const pr = value as { number?: unknown; title?: unknown; body?: unknown; html_url?: unknown; base?: { ref?: unknown } } | null;
    if (typeof pr?.number !== 'number' || typeof pr.title !== 'string') {
      throw new RemoteError(`GitHub API: ${method} ${this.#pullsPath()} answered without a pull request number and title`);
    }
    return {
      number: pr.number,
      title: pr.title,
      body: typeof pr.body === 'string' ? pr.body : '',
      url: typeof pr.html_url === 'string' ? pr.html_url : `${this.#pullsPath()}/${pr.number}`,
      base: typeof pr.base?.ref === 'string' ? pr.base.ref : '',
    };
  }

  async #send(
    kind: RequestKind,
    method: 'GET' | 'POST' | 'PATCH',
    endpoint: string,
    body: object | undefined,
    expected: number[],
  ): Promise<unknown> {
    const url = new URL(this.#base.href.replace(/\/$/, '') + endpoint);
    const where = `${method} ${url.origin}${url.pathname}`;
    const response = await this.#http.send({
      method,
      url: url.href,
      kind,
      maxBytes: MAX_RESPONSE_BYTES,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.#token}`,
        'user-agent': 'readme-gen',
        'x-github-api-version': API_VERSION,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = response.body.toString('utf8');
    if (!expected.includes(response.status)) {
      throw new RemoteError(
        `GitHub API: ${where} answered ${response.status}${describeError(text, this.#token)}${this.#explain(response)}`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RemoteError(`GitHub API: ${where} answered ${response.status} with a body that is not JSON`);
    }
  }

  /**
   * Which answers to ask again: 5xx, with the registry's backoff; a secondary
   * rate limit whose Retry-After is short (at most maxRetryAfterMs, 60 s by
   * default: a CI job can afford that, not the hour GitHub may name), after
   * it. Never a primary rate limit, which lifts only at its reset, often most
   * of an hour away, nor a secondary one that names no wait (GitHub then asks
   * for a minute or more): those fail at once, saying when to retry.
   */
  #retryable(response: HttpResponse): boolean {
    const limit = rateLimitOf(response);
    if (limit === undefined) return retryableStatus(response);
    if (limit === 'primary') return false;
    const wait = retryAfterMs(response.headers['retry-after']);
    return wait !== undefined && wait <= this.#maxWaitMs;
  }

  /** After GitHub's own words, in parentheses: which rate limit and when to retry, or what the status usually means. */
  #explain(response: HttpResponse): string {
    switch (rateLimitOf(response)) {
      case 'primary': {
        const reset = Number(response.headers['x-ratelimit-reset']);
        const when =
          Number.isInteger(reset) && reset > 0
            ? `it resets at ${new Date(reset * 1000).toISOString()}; retry after that`
            : 'retry when it resets, within the hour';
        return ` (GitHub's primary rate limit: this token's requests for the hour are used up, x-ratelimit-remaining: 0; ${when})`;
      }
      case 'secondary': {
        const wait = retryAfterMs(response.headers['retry-after']);
        const when =
          wait === undefined
            ? 'it names no wait, so retry in a minute or more'
            : `it asks to wait ${Math.ceil(wait / 1000)} s${wait > this.#maxWaitMs ? `, longer than readme-gen waits (${Math.ceil(this.#maxWaitMs / 1000)} s)` : ''}; retry after ${new Date(Date.now() + wait).toISOString()}`;
        return ` (GitHub's secondary rate limit, on too many requests at once or too fast: ${when})`;
      }
      case undefined:
        return hint(response.status);
    }
  }
}

/**
 * Which of GitHub's rate limits a 403 or 429 reports (docs.github.com, "Rate
 * limits for the REST API"): secondary when its message says so; else primary
 * when the token's budget is spent (x-ratelimit-remaining: 0); else secondary
 * when it names a Retry-After or is a 429. A 403 with none of these is a
 * refusal of the token's permissions: undefined.
 */
function rateLimitOf(response: HttpResponse): 'primary' | 'secondary' | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  if (/secondary rate limit/i.test(response.body.toString('utf8'))) return 'secondary';
  if (response.headers['x-ratelimit-remaining'] === '0') return 'primary';
  if (response.headers['retry-after'] !== undefined || response.status === 429) return 'secondary';
  return undefined;
}

/** GitHub's own explanation: `message`, and each `errors[].message`. */
function describeError(text: string, token: string): string {
  let parsed: { message?: unknown; errors?: { message?: unknown; code?: unknown }[] } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return '';
  }
  const parts = [
    parsed?.message,
    ...(Array.isArray(parsed?.errors) ? parsed.errors.map((error) => error?.message ?? error?.code) : []),
  ].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length === 0 ? '' : `: ${redact(parts.join('; '), [token]).slice(0, 500)}`;
}

function hint(status: number): string {
  switch (status) {
    case 401:
      return ' (the token was refused: check that the token variable holds a valid token)';
    case 403:
      return ' (the token may not write pull requests: give the workflow `permissions: pull-requests: write`, and allow GitHub Actions to create pull requests in the repository settings)';
    case 404:
      return ' (no such repository for this token: check GITHUB_REPOSITORY or origin, and that the token can see the repository)';
    default:
      return '';
  }
}
