/**
 * Where an image lives (parseLocation) and how a registry asks for
 * credentials (parseChallenges): pure functions, but a wrong answer sends a
 * request — and perhaps a password — to the wrong host or over plain HTTP.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExitCode, InputError } from '../../src/errors.js';
import { parseChallenges } from '../../src/registry/auth-challenge.js';
import { apiBase, locationProblem, parseLocation } from '../../src/registry/image-location.js';

describe('parseLocation: Docker Hub', () => {
  test('a one-segment name is an official image: library/ on registry-1.docker.io, over https', () => {
    assert.deepEqual(parseLocation('alpine'), {
      registry: 'docker.io',
      apiHost: 'registry-1.docker.io',
      repository: 'library/alpine',
      scheme: 'https',
    });
  });

  test('docker.io, index.docker.io and registry-1.docker.io are one registry, credentials looked up as docker.io', () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      assert.deepEqual(
        parseLocation(`${host}/alpine`),
        { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'library/alpine', scheme: 'https' },
        host,
      );
    }
  });

  test('a user or organisation name gets no library/, and library/ is not doubled', () => {
    assert.equal(parseLocation('docker.io/bitnami/redis').repository, 'bitnami/redis');
    assert.equal(parseLocation('bitnami/redis').repository, 'bitnami/redis');
    assert.equal(parseLocation('bitnami/redis').registry, 'docker.io');
    assert.equal(parseLocation('docker.io/library/alpine').repository, 'library/alpine');
  });

  test('a first segment without a dot, a port or localhost is a Docker Hub namespace, not a host', () => {
    const location = parseLocation('acme/app');
    assert.equal(location.registry, 'docker.io');
    assert.equal(location.apiHost, 'registry-1.docker.io');
    assert.equal(location.repository, 'acme/app');
  });
});

describe('parseLocation: other registries', () => {
  test('ghcr.io keeps its host and the whole path', () => {
    assert.deepEqual(parseLocation('ghcr.io/acme/tools/app'), {
      registry: 'ghcr.io',
      apiHost: 'ghcr.io',
      repository: 'acme/tools/app',
      scheme: 'https',
    });
  });

  test('gcr.io/google.com/project/img: the host is gcr.io, and the dotted second segment is part of the repository', () => {
    assert.deepEqual(parseLocation('gcr.io/google.com/project/img'), {
      registry: 'gcr.io',
      apiHost: 'gcr.io',
      repository: 'google.com/project/img',
      scheme: 'https',
    });
  });

  test('a host with a port', () => {
    const location = parseLocation('registry.example.com:5000/team/app');
    assert.equal(location.registry, 'registry.example.com:5000');
    assert.equal(location.apiHost, 'registry.example.com:5000');
    assert.equal(location.scheme, 'https');
    assert.equal(apiBase(location), 'https://registry.example.com:5000/v2/team/app');
  });

  test('apiBase addresses Docker Hub through registry-1.docker.io', () => {
    assert.equal(apiBase(parseLocation('alpine')), 'https://registry-1.docker.io/v2/library/alpine');
  });
});

describe('parseLocation: http only where nothing leaves the machine, or where the user said so', () => {
  const plain: [string, string, string][] = [
    ['localhost/app', 'localhost', 'app'],
    ['localhost:5000/acme/app', 'localhost:5000', 'acme/app'],
    ['127.0.0.1:5000/acme/app', '127.0.0.1:5000', 'acme/app'],
    ['127.0.0.1/acme/app', '127.0.0.1', 'acme/app'],
    ['127.1.2.3:80/app', '127.1.2.3:80', 'app'],
    ['[::1]:5000/acme/app', '[::1]:5000', 'acme/app'],
    ['[::1]/app', '[::1]', 'app'],
    ['registry.localhost:5000/app', 'registry.localhost:5000', 'app'],
  ];
  for (const [input, registry, repository] of plain) {
    test(`${input} is loopback: http`, () => {
      assert.deepEqual(parseLocation(input), { registry, apiHost: registry, repository, scheme: 'http' });
    });
  }

  test('hosts that only look like loopback stay on https', () => {
    for (const input of [
      '127.0.0.1.nip.io/app',
      'localhost.example.com/app',
      'notlocalhost:5000/app',
      '128.0.0.1:5000/app',
      '10.0.0.1:5000/app',
      '[::2]:5000/app',
    ]) {
      assert.equal(parseLocation(input).scheme, 'https', input);
    }
  });

  test('a host named in insecureRegistries gets http; another host, or the same host named differently, does not', () => {
    assert.equal(parseLocation('registry.internal:5000/app', ['registry.internal:5000']).scheme, 'http');
    assert.equal(parseLocation('registry.internal/app', ['registry.internal']).scheme, 'http');
    assert.equal(parseLocation('registry.internal:5000/app', ['other.internal:5000']).scheme, 'https');
    assert.equal(parseLocation('registry.internal:5000/app', ['registry.internal:5001']).scheme, 'https');
    assert.equal(parseLocation('registry.internal:5000/app').scheme, 'https');
  });
});

describe('parseLocation: invalid locations are bad input (exit 2)', () => {
  const invalid = [
    '',
    'docker.io/Alpine',
    'ghcr.io/Acme/app',
    'ghcr.io/acme/',
    'ghcr.io/acme//app',
    'ghcr.io/-app',
    'ghcr.io/app-',
    'ghcr.io/acme/app:latest',
    'ghcr.io/acme/app@sha256:abc',
    'ghcr.io/acme/a..b',
    'ghcr.io/acme/a___b',
    'ghcr.io/acme/app name',
    'ghcr.io/',
    '/app',
  ];
  for (const input of invalid) {
    test(JSON.stringify(input), () => {
      assert.throws(
        () => parseLocation(input),
        (error: unknown) => {
          assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
          assert.equal(error.exitCode, ExitCode.badInput);
          assert.equal(error.message, `location: ${locationProblem(input)}`, 'the message is the one locationProblem gives');
          assert.ok(input === '' || error.message.startsWith(`location: ${JSON.stringify(input)}: `), error.message);
          return true;
        },
      );
    });
  }

  test('separators that the name grammar allows are accepted', () => {
    assert.equal(parseLocation('ghcr.io/acme/my_app').repository, 'acme/my_app');
    assert.equal(parseLocation('ghcr.io/acme/my__app').repository, 'acme/my__app');
    assert.equal(parseLocation('ghcr.io/acme/my---app').repository, 'acme/my---app');
    assert.equal(parseLocation('ghcr.io/acme/my.app').repository, 'acme/my.app');
  });
});

describe('locationProblem: what is wrong, in words, with the location to write instead', () => {
  const cases: [string, RegExp][] = [
    [
      'https://ghcr.io/org/app',
      /^"https:\/\/ghcr\.io\/org\/app": drop the scheme "https:\/\/"; write ghcr\.io\/org\/app \(a location is registry\/repository, not a URL\)$/,
    ],
    ['http://127.0.0.1:5000/app', /^"http:\/\/127\.0\.0\.1:5000\/app": drop the scheme "http:\/\/"; write 127\.0\.0\.1:5000\/app /],
    [
      'ghcr.io/org/app:1.0',
      /^"ghcr\.io\/org\/app:1\.0": drop the tag ":1\.0"; write ghcr\.io\/org\/app \(readme-gen reads every tag and digest of the repository\)$/,
    ],
    ['alpine:3.19', /^"alpine:3\.19": drop the tag ":3\.19"; write alpine /],
    ['127.0.0.1:5000/app:latest', /: drop the tag ":latest"; write 127\.0\.0\.1:5000\/app /],
    [`ghcr.io/org/app@sha256:${'a'.repeat(64)}`, /": drop the digest; write ghcr\.io\/org\/app \(readme-gen reads every tag and digest/],
    ['ghcr.io/Org/App', /^"ghcr\.io\/Org\/App": lowercase "Org\/App"; write ghcr\.io\/org\/app \(repository names are lowercase\)$/],
    [
      'https://ghcr.io/Org/App:1.0@sha256:abc',
      /^"https:\/\/ghcr\.io\/Org\/App:1\.0@sha256:abc": drop the scheme "https:\/\/", drop the digest, drop the tag ":1\.0", lowercase "Org\/App"; write ghcr\.io\/org\/app \(/,
    ],
    ['ghcr.io', /^"ghcr\.io": names the registry ghcr\.io but no repository; add it, e\.g\. ghcr\.io\/org\/app$/],
    ['localhost:5000', /^"localhost:5000": names the registry localhost:5000 but no repository/],
    ['https://ghcr.io', /^"https:\/\/ghcr\.io": drop the scheme "https:\/\/"; names the registry ghcr\.io but no repository/],
    ['ghcr.io/', /^"ghcr\.io\/": no repository after ghcr\.io\/; add it, e\.g\. ghcr\.io\/org\/app$/],
    ['', /^is empty; write registry\/repository, e\.g\. /],
    ['Not A Location', /^"Not A Location": contains whitespace; write registry\/repository, e\.g\. /],
    ['ghcr.io/acme//app', /: an empty path segment \("\/\/", or a "\/" at the start or end\)/],
    [
      'ghcr.io/acme/a..b',
      /: "a\.\.b" is not a valid repository name part: lowercase letters and digits, separated by one "\.", "_", "__" or any number of "-"$/,
    ],
    ['user@ghcr.io/app', /: the registry "user@ghcr\.io" is not a host name or address \(with an optional :port\)$/],
  ];
  for (const [input, says] of cases) {
    test(JSON.stringify(input), () => {
      assert.match(locationProblem(input) ?? '(valid)', says);
    });
  }

  test('every fix it proposes is itself a valid location, parsed as the user meant it', () => {
    for (const [input] of cases) {
      const proposed = / write (\S+) \(/.exec(locationProblem(input) ?? '')?.[1];
      if (proposed === undefined) continue;
      assert.equal(locationProblem(proposed), undefined, `${input} → ${proposed}`);
    }
    assert.deepEqual(parseLocation('ghcr.io/org/app'), { registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'org/app', scheme: 'https' });
  });

  test('registry hosts with ports, IPv6 addresses and Docker Hub short names are valid', () => {
    for (const input of [
      'alpine',
      'library/alpine',
      'docker.io/org/app',
      '127.0.0.1:5000/app',
      'localhost:5000/acme/app',
      '[::1]:5000/app',
      'gcr.io/google.com/project/img',
      'cgr.dev/chainguard/glibc-dynamic',
    ]) {
      assert.equal(locationProblem(input), undefined, input);
    }
  });
});

describe('parseChallenges', () => {
  test("Docker Hub's Bearer challenge: the comma inside the quoted scope does not split it", () => {
    assert.deepEqual(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      ),
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' },
        },
      ],
    );
  });

  test('several challenges in one header, in order (quay: Basic then Bearer)', () => {
    assert.deepEqual(parseChallenges('Basic realm="quay.io", Bearer realm="https://quay.io/v2/auth",service="quay.io"'), [
      { scheme: 'basic', params: { realm: 'quay.io' } },
      { scheme: 'bearer', params: { realm: 'https://quay.io/v2/auth', service: 'quay.io' } },
    ]);
  });

  test('several challenges with commas inside quoted values (codeberg: Bearer with a two-action scope, then Basic)', () => {
    assert.deepEqual(
      parseChallenges(
        'Bearer realm="https://codeberg.org/v2/token",service="container_registry",scope="repository:a/b:pull,push", Basic realm="Gitea, the registry"',
      ),
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://codeberg.org/v2/token', service: 'container_registry', scope: 'repository:a/b:pull,push' },
        },
        { scheme: 'basic', params: { realm: 'Gitea, the registry' } },
      ],
    );
  });

  test('escaped quotes and backslashes in a quoted value are unescaped, and do not end the value', () => {
    assert.deepEqual(parseChallenges('Basic realm="say \\"hi\\", then \\\\ go", charset="UTF-8"'), [
      { scheme: 'basic', params: { realm: 'say "hi", then \\ go', charset: 'UTF-8' } },
    ]);
  });

  test('an error parameter after the realm stays with its challenge', () => {
    assert.deepEqual(
      parseChallenges('Bearer realm="https://r/token",service="s",scope="repository:a/b:pull",error="insufficient_scope", Basic realm="r"'),
      [
        { scheme: 'bearer', params: { realm: 'https://r/token', service: 's', scope: 'repository:a/b:pull', error: 'insufficient_scope' } },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    );
  });

  test('schemes and parameter names are case-insensitive; values keep their case', () => {
    assert.deepEqual(parseChallenges('BEARER Realm="https://Auth.Example/Token",SERVICE="Reg"'), [
      { scheme: 'bearer', params: { realm: 'https://Auth.Example/Token', service: 'Reg' } },
    ]);
  });

  test('unquoted values, spaces around = and commas', () => {
    assert.deepEqual(parseChallenges('Bearer realm = https://r.example/token , service=reg , Basic realm=x'), [
      { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'reg' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  test('an empty quoted value, and a scheme with no parameters', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://r/token",scope=""'), [
      { scheme: 'bearer', params: { realm: 'https://r/token', scope: '' } },
    ]);
    assert.deepEqual(parseChallenges('Basic'), [{ scheme: 'basic', params: {} }]);
  });

  test('an empty header has no challenges', () => {
    assert.deepEqual(parseChallenges(''), []);
    assert.deepEqual(parseChallenges('   '), []);
  });
});
