import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseApiUrl, repositoryFrom, repositoryFromUrl } from '../../src/integrations/github.js';
import { redact } from '../../src/integrations/redact.js';

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
