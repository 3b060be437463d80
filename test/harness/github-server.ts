/**
 * GitHub's REST API cannot run here, so this loopback server implements the
 * part `readme-gen pr` uses — list a branch's open pull requests, create one,
 * edit one — with GitHub's shapes and refusals, and records every request.
 *
 * Every request must present the token exactly as `Authorization: Bearer
 * <token>`; anything else is answered 401 as GitHub would and recorded as
 * such. The recording keeps the headers without the Authorization value (only
 * whether it was right), so a test can scan everything else for the token.
 */
import { execFileSync } from 'node:child_process';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { LOOPBACK, closeServer, listenOnLoopback } from './loopback.js';

/** GitHub refuses longer pull request bodies with 422. */
export const GITHUB_BODY_LIMIT = 65_536;

export interface RecordedRequest {
  method: string;
  /** path and query, as sent */
  url: string;
  path: string;
  query: Record<string, string>;
  /** every header but Authorization */
  headers: Record<string, string>;
  /** whether Authorization was exactly `Bearer <token>`, absent, or something else */
  authorization: 'valid' | 'missing' | 'invalid';
  body: string;
  /** the status this server answered */
  status: number;
}

export interface FakePullRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
}

export interface GitHubServerOptions {
  token: string;
  owner: string;
  repo: string;
  /** whether the repository has the branch (GitHub refuses a pull request from a missing head) */
  branchExists?: (branch: string) => boolean;
}

/** How an injected failure is answered, beyond its status and message. */
export interface InjectedFailure {
  /** headers to answer with: Retry-After, x-ratelimit-* */
  headers?: Record<string, string>;
  /** how many requests in a row get it (readme-gen retries 5xx and short rate limits); default 1 */
  times?: number;
}

export interface GitHubServer {
  /** http://127.0.0.1:PORT, to pass as --api-url */
  url: string;
  requests: RecordedRequest[];
  pulls: FakePullRequest[];
  /** answer the next request (or `times` requests) with this method with `status` and a GitHub-style error body */
  failNext(method: string, status: number, message: string, failure?: InjectedFailure): void;
  /** requests that were not one of the three endpoints, or were refused for their credentials */
  unexpected(): RecordedRequest[];
  stop(): Promise<void>;
}

export async function startGitHubServer(options: GitHubServerOptions): Promise<GitHubServer> {
  const requests: RecordedRequest[] = [];
  const pulls: FakePullRequest[] = [];
  const failures: { method: string; status: number; message: string; headers: Record<string, string> }[] = [];
  const unexpected: RecordedRequest[] = [];
  const pullsPath = `/repos/${options.owner}/${options.repo}/pulls`;

  const server = createServer((incoming, response) => {
    void readBody(incoming).then((body) => {
      const url = new URL(incoming.url ?? '/', `http://${LOOPBACK}`);
      const { authorization, ...headers } = incoming.headers;
      const record: RecordedRequest = {
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)])),
        authorization: authorization === undefined ? 'missing' : authorization === `Bearer ${options.token}` ? 'valid' : 'invalid',
        body,
        status: 0,
      };
      requests.push(record);
      const answer = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        send(response, status, value, headers);
      };
      if (record.authorization !== 'valid') {
        unexpected.push(record);
        answer(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
        return;
      }
      const failure = failures.findIndex((entry) => entry.method === record.method);
      if (failure >= 0) {
        const [injected] = failures.splice(failure, 1);
        answer(injected?.status ?? 500, { message: injected?.message }, injected?.headers);
        return;
      }
      const [status, value] = route(record);
      if (status === 404 || status === 405) unexpected.push(record);
      answer(status, value);
    });
  });

  function route(request: RecordedRequest): [number, unknown] {
    if (request.path === pullsPath && request.method === 'GET') {
      const head = request.query.head;
      const state = request.query.state ?? 'open';
      const matching = pulls.filter(
        (pull) => (head === undefined || `${options.owner}:${pull.head}` === head) && (state === 'all' || pull.state === state),
      );
      return [200, matching.map(view)];
    }
    if (request.path === pullsPath && request.method === 'POST') {
      const fields = parseJson(request.body);
      if (
        typeof fields?.title !== 'string' ||
        typeof fields.head !== 'string' ||
        typeof fields.base !== 'string' ||
        (fields.body !== undefined && typeof fields.body !== 'string')
      ) {
        return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field' }] }];
      }
      const head = fields.head.replace(new RegExp(`^${options.owner}:`), '');
      if (options.branchExists && !options.branchExists(head))
        return [422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] }];
      const body = fields.body ?? '';
      if (body.length > GITHUB_BODY_LIMIT)
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
          },
        ];
      if (pulls.some((pull) => pull.head === head && pull.state === 'open')) {
        return [
          422,
          {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${options.owner}:${head}.` }],
          },
        ];
      }
      const pull: FakePullRequest = { number: pulls.length + 1, title: fields.title, body, head, base: fields.base, state: 'open' };
      pulls.push(pull);
      return [201, view(pull)];
    }
    const match = new RegExp(`^${pullsPath}/(\\d+)$`).exec(request.path);
    if (match && request.method === 'PATCH') {
      const pull = pulls.find((candidate) => candidate.number === Number(match[1]));
      if (!pull) return [404, { message: 'Not Found' }];
      const fields = parseJson(request.body);
      if (fields === undefined) return [400, { message: 'Problems parsing JSON' }];
      if (typeof fields.body === 'string' && fields.body.length > GITHUB_BODY_LIMIT) return [422, { message: 'Validation Failed' }];
      if (typeof fields.title === 'string') pull.title = fields.title;
      if (typeof fields.body === 'string') pull.body = fields.body;
      if (typeof fields.base === 'string') pull.base = fields.base;
      if (fields.state === 'open' || fields.state === 'closed') pull.state = fields.state;
      return [200, view(pull)];
    }
    return [404, { message: 'Not Found' }];
  }

  function view(pull: FakePullRequest): object {
    return {
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      html_url: `https://github.test/${options.owner}/${options.repo}/pull/${pull.number}`,
      head: { ref: pull.head, label: `${options.owner}:${pull.head}` },
      base: { ref: pull.base, label: `${options.owner}:${pull.base}` },
    };
  }

  const port = await listenOnLoopback(server);
  return {
    url: `http://${LOOPBACK}:${port}`,
    requests,
    pulls,
    failNext(method, status, message, failure = {}) {
      for (let i = 0; i < (failure.times ?? 1); i++) failures.push({ method, status, message, headers: failure.headers ?? {} });
    },
    unexpected: () => [...unexpected],
    stop: () => closeServer(server),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** branchExists for startGitHubServer: whether a branch is on the bare repository the test pushes to, as GitHub would know. */
export function branchExistsIn(remote: string): (branch: string) => boolean {
  return (branch) => {
    try {
      execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: remote, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
}
