import { Agent, request } from 'undici';
import { InputError } from '../errors.js';
import { RemoteError } from './git.js';
import { redact } from './redact.js';

/**
 * The few GitHub REST endpoints `readme-gen pr` uses: list a branch's open
 * pull requests, open one, edit one. The token goes in the Authorization
 * header and nowhere else; every error names the method, endpoint and status,
 * never the token.
 */

export const DEFAULT_API_URL = 'https://api.github.com';
const API_VERSION = '2022-11-28';
const TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 8 * 2 ** 20;

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
  if (url.username !== '' || url.password !== '') throw new InputError('--api-url must not hold credentials; the token comes from the token environment variable');
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
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
  readonly #agent = new Agent({ headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, keepAliveTimeout: 5_000 });

  constructor(options: GitHubOptions) {
    this.#base = parseApiUrl(options.apiUrl);
    this.#token = options.token;
    this.#repository = options.repository;
  }

  get repository(): Repository {
    return this.#repository;
  }

  /** The open pull request whose head is `branch` of this repository, if any. */
  async findOpenPullRequest(branch: string): Promise<PullRequest | undefined> {
    const query = new URLSearchParams({ head: `${this.#repository.owner}:${branch}`, state: 'open', per_page: '100' });
    const list = await this.#send('GET', `${this.#pullsPath()}?${query}`, undefined, [200]);
    if (!Array.isArray(list)) throw new RemoteError(`GitHub API: GET ${this.#pullsPath()} answered something other than a list`);
    const [first] = list;
    return first === undefined ? undefined : this.#pullRequest(first, 'GET');
  }

  async createPullRequest(branch: string, fields: PullRequestFields): Promise<PullRequest> {
    const created = await this.#send('POST', this.#pullsPath(), { title: fields.title, head: branch, base: fields.base, body: fields.body, maintainer_can_modify: true }, [201]);
    return this.#pullRequest(created, 'POST');
  }

  /** PATCHes only the fields given. */
  async updatePullRequest(number: number, fields: Partial<PullRequestFields>): Promise<PullRequest> {
    const updated = await this.#send('PATCH', `${this.#pullsPath()}/${number}`, fields, [200]);
    return this.#pullRequest(updated, 'PATCH');
  }

  async close(): Promise<void> {
    await this.#agent.close();
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

  async #send(method: 'GET' | 'POST' | 'PATCH', endpoint: string, body: object | undefined, expected: number[]): Promise<unknown> {
    const url = new URL(this.#base.href.replace(/\/$/, '') + endpoint);
    const where = `${method} ${url.origin}${url.pathname}`;
    let response;
    try {
      response = await request(url, {
        method,
        dispatcher: this.#agent,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.#token}`,
          'user-agent': 'readme-gen',
          'x-github-api-version': API_VERSION,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).message;
      throw new RemoteError(`GitHub API: ${where} failed: ${redact(String(code), [this.#token])}`, { cause: error });
    }
    const text = await readText(response.body);
    if (!expected.includes(response.statusCode)) {
      throw new RemoteError(`GitHub API: ${where} answered ${response.statusCode}${describeError(text, this.#token)}${hint(response.statusCode)}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RemoteError(`GitHub API: ${where} answered ${response.statusCode} with a body that is not JSON`);
    }
  }
}

async function readText(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy?.();
      throw new RemoteError(`GitHub API: a response over ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GitHub's own explanation: `message`, and each `errors[].message`. */
function describeError(text: string, token: string): string {
  let parsed: { message?: unknown; errors?: { message?: unknown; code?: unknown }[] } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return '';
  }
  const parts = [parsed?.message, ...(Array.isArray(parsed?.errors) ? parsed.errors.map((error) => error?.message ?? error?.code) : [])].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
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
