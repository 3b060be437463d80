import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  GITHUB_BODY_LIMIT,
  type ImageUpdate,
  commitMessage,
  pullRequestBody,
  pullRequestContent,
  pullRequestTitle,
} from '../../src/pr/pull-request.js';
import type { StateChanges } from '../../src/pr/state-changes.js';
import type { Digest } from '../../src/state/image-state.js';

const A: Digest = `sha256:${'a1'.repeat(32)}`;
const B: Digest = `sha256:${'b2'.repeat(32)}`;
const C: Digest = `sha256:${'c3'.repeat(32)}`;
const CONTEXT = { base: 'main', branch: 'readme-gen/update' };
const OLD_SIGNER = 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main';
const NEW_SIGNER = 'keyless@example.com';

function changes(partial: Partial<StateChanges> = {}): StateChanges {
  return { added: [], removed: [], moved: [], signatures: [], provenance: [], otherChanges: false, ...partial };
}

function update(
  name: string,
  stateChanges: StateChanges | undefined,
  readmeBefore = 'old line\n',
  readmeAfter = 'new line\n',
): ImageUpdate {
  return {
    name,
    location: `registry.test/acme/${name}`,
    files: [
      { path: `${name}/README.md`, kind: 'readme', before: readmeBefore, after: readmeAfter },
      { path: `${name}/state.json`, kind: 'state', before: '{}\n', after: '{"x":1}\n' },
    ],
    changes: stateChanges,
  };
}

const TYPICAL = changes({
  added: [{ tag: '1.1', digest: B, platforms: ['linux/amd64', 'linux/arm64'] }],
  removed: [{ tag: '0.9', digest: C }],
  moved: [{ tag: 'latest', from: A, to: B, platformsAdded: ['linux/arm64'], platformsRemoved: ['linux/386'] }],
  signer: { tag: 'latest', from: OLD_SIGNER, to: NEW_SIGNER },
});

describe('pull request title and commit message', () => {
  test('one image: what changed, counted', () => {
    assert.equal(
      pullRequestTitle([update('app', TYPICAL)]),
      'readme-gen: update app (1 tag added, 1 tag removed, latest moved, new signer)',
    );
    assert.equal(pullRequestTitle([update('app', changes())]), 'readme-gen: update app (README re-rendered)');
    assert.equal(pullRequestTitle([update('app', changes({ otherChanges: true }))]), 'readme-gen: update app (metadata changed)');
    assert.equal(
      pullRequestTitle([update('app', changes({ signatures: [{ digest: A, tags: ['latest'], before: 1, after: 2 }] }))]),
      'readme-gen: update app (signatures of 1 digest changed)',
    );
    assert.equal(pullRequestTitle([update('app', undefined)]), 'readme-gen: update app (state recorded)');
  });

  test('several images: named, then counted', () => {
    assert.equal(pullRequestTitle(['a', 'b', 'c'].map((name) => update(name, TYPICAL))), 'readme-gen: update a, b, c');
    assert.equal(pullRequestTitle(['a', 'b', 'c', 'd'].map((name) => update(name, TYPICAL))), 'readme-gen: update 4 images (a, b, …)');
  });

  test('the commit message says what changed in plain text and lists the files', () => {
    const message = commitMessage('readme-gen: update app (…)', [update('app', TYPICAL)]);

    assert.equal(
      message,
      [
        'readme-gen: update app (…)',
        '',
        'app (registry.test/acme/app):',
        '- tag 1.1 added: sha256:b2b2b2b2b2b2 (linux/amd64, linux/arm64)',
        '- tag 0.9 removed (was sha256:c3c3c3c3c3c3)',
        '- tag latest moved: sha256:a1a1a1a1a1a1 -> sha256:b2b2b2b2b2b2; platforms added linux/arm64; removed linux/386',
        `- signer of latest: ${OLD_SIGNER} -> ${NEW_SIGNER}`,
        '',
        'Files: app/README.md, app/state.json',
        '',
      ].join('\n'),
    );
  });
});

describe('pull request body', () => {
  test('says what changed in words, then folds the README diff', () => {
    const body = pullRequestBody([update('app', TYPICAL)], CONTEXT);

    assert.match(body, /^### app \(`registry\.test\/acme\/app`\)$/m);
    assert.match(body, /\*\*Tags added\*\*\n\n- `1\.1` → `sha256:b2b2b2b2b2b2` \(`linux\/amd64`, `linux\/arm64`\)/);
    assert.match(body, /\*\*Tags removed\*\*\n\n- `0\.9` \(was `sha256:c3c3c3c3c3c3`\)/);
    assert.match(body, /\*\*Tags moved to a new digest\*\*\n\n- `latest`: `sha256:a1a1a1a1a1a1` → `sha256:b2b2b2b2b2b2`/);
    assert.match(body, /\*\*Architectures\*\*\n\n- `latest`: added `linux\/arm64`; removed `linux\/386`/);
    assert.ok(
      body.includes(
        `**Signing identity** of \`latest\` (the certificate SAN of its latest signature)\n\n- \`${OLD_SIGNER}\` → \`${NEW_SIGNER}\``,
      ),
    );
    assert.ok(
      body.includes(
        '<details><summary>README diff: app/README.md (+1 −1)</summary>\n\n```diff\n--- a/app/README.md\n+++ b/app/README.md\n',
      ),
    );
    assert.ok(body.includes('-old line\n+new line\n```\n\n</details>'));
    assert.ok(!body.includes('state.json\n+++'), 'the state file is summarised, not diffed');
    assert.match(body, /Each run rebuilds `readme-gen\/update` from `main` and force-pushes it/);
  });

  test('a README with code fences cannot close the diff fence', () => {
    const readme = 'text\n```sh\ndocker run app\n```\n';
    const body = pullRequestBody([update('app', changes(), '', readme)], CONTEXT);

    assert.ok(body.includes('````diff\n'), 'a fence longer than any in the diff');
    assert.ok(body.includes('+```\n````\n\n</details>'));
  });

  test('unsigned on either side, no previous state, and nothing but re-rendering are said plainly', () => {
    const signed = pullRequestBody([update('app', changes({ signer: { tag: 'latest', from: undefined, to: NEW_SIGNER } }))], CONTEXT);
    assert.ok(signed.includes(`- _unsigned_ → \`${NEW_SIGNER}\``));
    assert.match(pullRequestBody([update('app', undefined)], CONTEXT), /no readable state to compare with/);
    assert.match(pullRequestBody([update('app', changes())], CONTEXT), /registry state is unchanged; the README was re-rendered/);
  });

  test('names from the config are inert Markdown', () => {
    const hostile = { ...update('app', changes()), name: '<img src=x onerror=alert(1)> *app*' };
    const body = pullRequestBody([hostile], CONTEXT);

    assert.doesNotMatch(body, /(^|[^\\])<img/m, 'no raw HTML');
    assert.ok(body.includes('\\<img'));
  });

  test('a diff that would pass the limit is dropped with a note; the summary stays', () => {
    const huge = Array.from({ length: 4000 }, (_, i) => `| \`tag-${i}\` | \`${B}\` |`).join('\n');
    const body = pullRequestBody([update('app', TYPICAL, '', huge)], CONTEXT);

    assert.ok(body.length <= GITHUB_BODY_LIMIT);
    assert.ok(!body.includes('```diff'));
    assert.match(
      body,
      /_The README diff of `app\/README\.md` \(\+4000 −0 lines\) is left out: it would take this description past GitHub's 65,536-character limit\. See \*\*Files changed\*\*\._/,
    );
    assert.match(body, /\*\*Tags added\*\*/);
  });

  test('the largest diff goes first, and the smaller ones stay', () => {
    const big = 'x'.repeat(50_000);
    const medium = 'y'.repeat(20_000);
    const body = pullRequestBody(
      [update('big', TYPICAL, '', big), update('medium', TYPICAL, '', medium), update('small', TYPICAL)],
      CONTEXT,
    );

    assert.ok(body.length <= GITHUB_BODY_LIMIT);
    assert.match(body, /README diff of `big\/README\.md`.*is left out/);
    assert.ok(body.includes('<details><summary>README diff: medium/README.md'));
    assert.ok(body.includes('<details><summary>README diff: small/README.md'));
  });

  test('too many changes to list: the lists are shortened, with a count of the rest', () => {
    const added = Array.from({ length: 5000 }, (_, i) => ({
      tag: `nightly-${String(i).padStart(4, '0')}`,
      digest: B,
      platforms: ['linux/amd64'],
    }));
    const body = pullRequestBody([update('app', changes({ added }))], CONTEXT);

    assert.ok(body.length <= GITHUB_BODY_LIMIT, `${body.length}`);
    assert.match(body, /^- … and \d+ more$/m);
    assert.ok(body.includes('`nightly-0000`'));
  });

  test('the limit holds whatever the input, as a last resort by cutting the text', () => {
    const updates = Array.from({ length: 400 }, (_, i) => update(`image-${i}-${'n'.repeat(150)}`, TYPICAL));
    const body = pullRequestBody(updates, CONTEXT);

    assert.ok(body.length <= GITHUB_BODY_LIMIT);
    assert.match(body, /the rest is cut/);
  });

  test('pullRequestContent: title, body and commit message agree', () => {
    const content = pullRequestContent([update('app', TYPICAL)], CONTEXT);

    assert.equal(content.commitMessage.split('\n')[0], content.title);
    assert.equal(content.body, pullRequestBody([update('app', TYPICAL)], CONTEXT));
  });
});

describe('provenance changes in a pull request', () => {
  const moved = changes({
    provenance: [
      { tags: ['latest', '1.0'], what: 'source commit', from: '1'.repeat(40), to: '2'.repeat(40) },
      { tags: ['latest'], what: 'SBOM unsigned' },
    ],
  });

  test('the title says so, the body lists each under Provenance with tags and values as code, the commit message in plain text', () => {
    const updates = [update('app', moved)];
    assert.equal(pullRequestTitle(updates), 'readme-gen: update app (provenance changed)');
    const body = pullRequestBody(updates, CONTEXT);
    assert.ok(
      body.includes(
        `**Provenance**\n\n- provenance of \`latest\`, \`1.0\`: source commit \`${'1'.repeat(40)}\` → \`${'2'.repeat(40)}\`\n- SBOM of \`latest\` is no longer signed`,
      ),
      body,
    );
    assert.ok(commitMessage('t', updates).includes(`- provenance of latest, 1.0: source commit ${'1'.repeat(40)} -> ${'2'.repeat(40)}`));
  });
});
