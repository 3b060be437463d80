import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ExitCode, InputError, RemoteError } from '../../src/errors.js';
import { GitHubClient, parseApiUrl, repositoryFrom, repositoryFromUrl } from '../../src/integrations/github.js';
import { redact } from '../../src/integrations/redact.js';
import { type GitHubServer, startGitHubServer } from '../harness/github-server.js';

describe('which repository, which API', () => {
  test('owner/repo from the usual origin URLs, credentials or not', () => {
    for (const url of [
      'https://github.com/acme/app.git',
      'https://github.com/acme/app',
      'https://x-access-token:ghs_secret@github.com/acme/app.git',
      'git@github.com:acme/app.git',
      'ssh://git@github.com/acme/app.git',
      'ssh://git@ghe.example.com:2222/acme/app',
    ]) {
      assert.deepEqual(repositoryFromUrl(url), { owner: 'acme', repo: 'app' }, url);
    }
    assert.equal(repositoryFromUrl('/tmp/remote.git'), undefined);
    assert.equal(repositoryFromUrl('https://gitlab.example.com/group/sub/app.git'), undefined);
  });

  test('GITHUB_REPOSITORY wins over origin, and must be owner/repo', () => {
    assert.deepEqual(repositoryFrom('acme/app', 'https://github.com/other/thing'), { owner: 'acme', repo: 'app' });
    assert.deepEqual(repositoryFrom(undefined, 'https://github.com/other/thing'), { owner: 'other', repo: 'thing' });
    assert.throws(() => repositoryFrom('acme', undefined), InputError);
  });

  test('--api-url: https, or http on loopback only; no credentials in it', () => {
    assert.equal(parseApiUrl('https://api.github.com').origin, 'https://api.github.com');
    assert.equal(parseApiUrl('https://ghe.example.com/api/v3').pathname, '/api/v3');
    assert.equal(parseApiUrl('http://127.0.0.1:8080').port, '8080');
    assert.equal(parseApiUrl('http://127.0.0.2:8080').hostname, '127.0.0.2', 'all of 127.0.0.0/8 is loopback');
    assert.equal(parseApiUrl('http://[::1]:8080').hostname, '[::1]');
    assert.throws(() => parseApiUrl('http://api.github.com'), /use https/);
    assert.throws(() => parseApiUrl('https://user:pass@api.github.com'), /must not hold credentials/);
    assert.throws(() => parseApiUrl('api.github.com'), /not a URL/);
  });

  test('redact hides URL credentials and known secrets', () => {
    assert.equal(
      redact("fatal: unable to access 'https://x-access-token:ghs_abc@github.com/acme/app.git/': 403", []),
      "fatal: unable to access 'https://***@github.com/acme/app.git/': 403",
    );
    assert.equal(redact('token ghs_abcdef in text', ['ghs_abcdef']), 'token *** in text');
  });
});

describe('GitHub API calls: retries on 5xx and short secondary rate limits, a message naming the limit otherwise', () => {
  const TOKEN = 'ghs_adapter_test_token';
  /** a backoff this short keeps the retried cases fast; the policy is the registry's, only the scale is not */
  const FAST = { backoffMs: 5 };
  let github: GitHubServer;
  let seen: number;

  before(async () => {
    github = await startGitHubServer({ token: TOKEN, owner: 'acme', repo: 'app' });
  });
  after(() => github.stop());
  beforeEach(() => {
    seen = github.requests.length;
  });

  /** What this test sent, as `METHOD status`; every request carried the token as GitHub expects it. */
  function answered(): string[] {
    assert.deepEqual(github.unexpected(), []);
    return github.requests.slice(seen).map((request) => `${request.method} ${request.status}`);
  }

  async function withClient<T>(use: (client: GitHubClient) => Promise<T>): Promise<T> {
    const client = new GitHubClient({ apiUrl: github.url, token: TOKEN, repository: { owner: 'acme', repo: 'app' }, http: FAST });
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  }

  async function failure(call: (client: GitHubClient) => Promise<unknown>): Promise<{ error: RemoteError; ms: number }> {
    const started = performance.now();
    const error = await withClient(call).then(
      () => assert.fail('expected the call to fail'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.exitCode, ExitCode.registry);
    assert.doesNotMatch(error.message, new RegExp(TOKEN));
    return { error, ms: performance.now() - started };
  }

  test('a 502 is retried, and the retry succeeds', async () => {
    github.failNext('GET', 502, 'Server Error');

    const found = await withClient((client) => client.findOpenPullRequest('readme-gen/update'));

    assert.equal(found, undefined);
    assert.deepEqual(answered(), ['GET 502', 'GET 200']);
  });

  test('a secondary rate limit with Retry-After: 1 is waited out and retried', async () => {
    github.failNext('GET', 403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', {
      headers: { 'retry-after': '1' },
    });
    const started = performance.now();

    const found = await withClient((client) => client.findOpenPullRequest('readme-gen/update'));

    assert.equal(found, undefined);
    assert.deepEqual(answered(), ['GET 403', 'GET 200']);
    assert.ok(performance.now() - started >= 950, 'the retry waited the second Retry-After asks for');
  });

  test('a secondary rate limit with Retry-After: 3600 fails at once, saying which limit and when to retry', async () => {
    github.failNext('POST', 403, 'You have exceeded a secondary rate limit.', { headers: { 'retry-after': '3600' } });

    const { error, ms } = await failure((client) => client.createPullRequest('readme-gen/update', { title: 't', body: 'b', base: 'main' }));

    assert.match(
      error.message,
      /^GitHub API: POST http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/app\/pulls answered 403: You have exceeded a secondary rate limit\. \(GitHub's secondary rate limit, .*: it asks to wait 3600 s, longer than readme-gen waits \(60 s\); retry after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)$/,
    );
    const retryAt = Date.parse(/retry after (\S+)\)$/.exec(error.message)?.[1] ?? '');
    assert.ok(Math.abs(retryAt - (Date.now() + 3600_000)) < 60_000, 'the time to retry is an hour from now');
    assert.doesNotMatch(error.message, /token may not write/);
    assert.deepEqual(answered(), ['POST 403']);
    assert.ok(ms < 1000, `took ${Math.round(ms)} ms`);
  });

  test('a secondary rate limit that names no wait fails at once', async () => {
    github.failNext('GET', 403, 'You have exceeded a secondary rate limit.');

    const { error } = await failure((client) => client.findOpenPullRequest('readme-gen/update'));

    assert.match(error.message, /\(GitHub's secondary rate limit, .*: it names no wait, so retry in a minute or more\)$/);
    assert.deepEqual(answered(), ['GET 403']);
  });

  test('the primary rate limit fails without a retry, naming the limit and its reset time', async () => {
    const reset = Math.floor(Date.now() / 1000) + 1800;
    github.failNext('GET', 403, 'API rate limit exceeded for installation ID 1.', {
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    });

    const { error } = await failure((client) => client.findOpenPullRequest('readme-gen/update'));

    assert.match(
      error.message,
      /answered 403: API rate limit exceeded for installation ID 1\. \(GitHub's primary rate limit: .*x-ratelimit-remaining: 0; it resets at (\S+); retry after that\)$/,
    );
    assert.ok(error.message.includes(`it resets at ${new Date(reset * 1000).toISOString()};`), error.message);
    assert.deepEqual(answered(), ['GET 403']);
  });

  test('a plain 403 is a permission refusal: no retry, and the hint about the token', async () => {
    github.failNext('PATCH', 403, 'Resource not accessible by integration');

    const { error } = await failure((client) => client.updatePullRequest(1, { title: 't' }));

    assert.match(
      error.message,
      /PATCH .*\/repos\/acme\/app\/pulls\/1 answered 403: Resource not accessible by integration \(the token may not write pull requests: /,
    );
    assert.doesNotMatch(error.message, /rate limit/);
    assert.deepEqual(answered(), ['PATCH 403']);
  });
});
