/**
 * planPullRequest from values alone: the states and READMEs of consecutive
 * fixtures/corpus cases (the same image, glibc-dynamic, as its README was
 * committed over time) stand for the base branch and the refreshed files. No
 * git, no registry, no GitHub: what test/commands/pr.test.ts checks end to
 * end, checked here on the plan itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { packageFile } from '../../src/package-root.js';
import { type PlanImage, type PlanInput, planPullRequest } from '../../src/pr/plan.js';
import type { ImageState } from '../../src/state/image-state.js';

interface Case {
  state: string;
  readme: string;
}

function corpus(name: string): Case {
  const file = (base: string) => readFileSync(packageFile('fixtures', 'corpus', name, base), 'utf8');
  return { state: file('state.json'), readme: file('expected.md') };
}

/** latest moved to a new digest, signed by another workflow */
const BEFORE_SIGNER_CHANGE = corpus('008-7f0afbd');
const AFTER_SIGNER_CHANGE = corpus('009-6662ed0');
/** three migration tags added, latest moved */
const BEFORE_MIGRATION_TAGS = corpus('074-7887be0');
const AFTER_MIGRATION_TAGS = corpus('075-6747c53');

const OLD_SIGNER = 'https://github.com/distroless/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main';
const NEW_SIGNER = 'https://github.com/chainguard-images/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main';
const FOOTER =
  '<sub>Opened by `readme-gen pr`. Each run rebuilds `readme-gen/update` from `main` and force-pushes it, so commits added to it by hand are lost; change the config or template on `main` instead.</sub>\n';

/** An image whose base holds `before` (undefined: nothing) and whose refresh gave `after`, its files under `dir`. */
function image(before: Case | undefined, after: Case, options: { name?: string; dir?: string } = {}): PlanImage {
  const prefix = options.dir === undefined ? '' : `${options.dir}/`;
  return {
    name: options.name ?? 'glibc-dynamic',
    location: 'cgr.dev/chainguard/glibc-dynamic',
    primaryTag: 'latest',
    state: JSON.parse(after.state) as ImageState,
    files: [
      { path: `${prefix}README.md`, kind: 'readme', content: after.readme, before: before?.readme },
      { path: `${prefix}state.json`, kind: 'state', content: after.state, before: before?.state },
    ],
  };
}

function input(images: PlanImage[]): PlanInput {
  return { base: 'main', baseCommit: 'c0ffee'.repeat(6) + 'c0ff', branch: 'readme-gen/update', repository: 'acme/app', images };
}

describe('planPullRequest', () => {
  test('a moved tag and a new signer: the files, one commit of both, and a pull request that says what changed', () => {
    const plan = planPullRequest(input([image(BEFORE_SIGNER_CHANGE, AFTER_SIGNER_CHANGE)]));

    assert.ok(plan.content, 'something to propose');
    assert.deepEqual(plan.files, [
      { path: 'README.md', content: AFTER_SIGNER_CHANGE.readme },
      { path: 'state.json', content: AFTER_SIGNER_CHANGE.state },
    ]);
    assert.deepEqual(
      plan.updates.flatMap((update) => update.files),
      [
        { path: 'README.md', kind: 'readme', before: BEFORE_SIGNER_CHANGE.readme, after: AFTER_SIGNER_CHANGE.readme },
        { path: 'state.json', kind: 'state', before: BEFORE_SIGNER_CHANGE.state, after: AFTER_SIGNER_CHANGE.state },
      ],
    );
    assert.deepEqual([plan.base, plan.branch, plan.repository], ['main', 'readme-gen/update', 'acme/app']);

    const title = 'readme-gen: update glibc-dynamic (latest moved, new signer)';
    assert.equal(plan.content.title, title);
    assert.equal(
      plan.content.commitMessage,
      [
        title,
        '',
        'glibc-dynamic (cgr.dev/chainguard/glibc-dynamic):',
        '- tag latest moved: sha256:27669455acb1 -> sha256:fd601593d7d8',
        `- signer of latest: ${OLD_SIGNER} -> ${NEW_SIGNER}`,
        '',
        'Files: README.md, state.json',
        '',
      ].join('\n'),
    );

    const { body } = plan.content;
    const summary = [
      'readme-gen read the registry for the image below, recorded its state and re-rendered the README against `main`.',
      '### glibc\\-dynamic (`cgr.dev/chainguard/glibc-dynamic`)', // the name is inert Markdown: its punctuation escaped
      '**Tags moved to a new digest**\n\n- `latest`: `sha256:27669455acb1` → `sha256:fd601593d7d8`',
      `**Signing identity** of \`latest\` (the certificate SAN of its latest signature)\n\n- \`${OLD_SIGNER}\` → \`${NEW_SIGNER}\``,
      'Files: `README.md`, `state.json`',
    ].join('\n\n');
    assert.ok(body.startsWith(`${summary}\n\n`), body);
    assert.ok(body.endsWith(`\n\n</details>\n\n${FOOTER}`), body);
    // 11 lines changed, as diff(1) counts them.
    const diff = body.slice(summary.length + 2, body.length - FOOTER.length - 2);
    assert.match(
      diff,
      /^<details><summary>README diff: README\.md \(\+11 −11\)<\/summary>\n\n```diff\n--- a\/README\.md\n\+\+\+ b\/README\.md\n@@ /,
    );
    assert.ok(
      diff.includes(
        '\n-All distroless images are signed using [Sigstore](https://sigstore.dev)!\n+All Chainguard Images are signed using [Sigstore](https://sigstore.dev)!\n',
      ),
    );
    assert.ok(
      diff.includes(
        '\n-      "1.3.6.1.4.1.57264.1.5": "distroless/glibc-dynamic",\n+      "1.3.6.1.4.1.57264.1.5": "chainguard-images/glibc-dynamic",\n',
      ),
    );
    assert.ok(!diff.includes('state.json'), 'the state is summarised, not diffed');
  });

  test('nothing differs from the base: nothing to commit or propose, and the work tree still gets every file', () => {
    const plan = planPullRequest(input([image(AFTER_SIGNER_CHANGE, AFTER_SIGNER_CHANGE)]));

    assert.equal(plan.content, undefined);
    assert.deepEqual(plan.updates, []);
    assert.deepEqual(
      plan.files.map((file) => file.path),
      ['README.md', 'state.json'],
    );
  });

  test("git's view of a file decides: one that differs only as git's filters normalise it is not committed", () => {
    const crlf = image(AFTER_SIGNER_CHANGE, AFTER_SIGNER_CHANGE);
    const [readme, state] = crlf.files as [PlanImage['files'][number], PlanImage['files'][number]];
    crlf.files = [{ ...readme, content: readme.content.replace(/\n/g, '\r\n'), sameAsBase: true }, state];

    const plan = planPullRequest(input([crlf]));

    assert.equal(plan.content, undefined);
    assert.equal(plan.files[0]?.content, readme.content.replace(/\n/g, '\r\n'), 'the work tree keeps what the render gave');
  });

  test('an image new to the base: both files added, and the state recorded afresh', () => {
    const plan = planPullRequest(input([image(undefined, AFTER_SIGNER_CHANGE)]));

    assert.ok(plan.content);
    assert.deepEqual(
      plan.updates.flatMap((update) => update.files.map((file) => [file.path, file.before])),
      [
        ['README.md', undefined],
        ['state.json', undefined],
      ],
    );
    assert.equal(plan.content.title, 'readme-gen: update glibc-dynamic (state recorded)');
    assert.ok(plan.content.commitMessage.includes('\n- no readable state on the base branch; the state is recorded afresh\n'));
    assert.match(plan.content.body, /The base branch has no readable state to compare with, so the state is recorded afresh/);
  });

  test("a base state that breaks the state file's rules (a tag whose digest has no image) is not compared with", () => {
    const broken = JSON.parse(BEFORE_SIGNER_CHANGE.state) as ImageState;
    broken.tags.push({ ...(broken.tags[0] as ImageState['tags'][number]), name: 'orphan', digest: `sha256:${'0'.repeat(64)}` });
    const base = { ...BEFORE_SIGNER_CHANGE, state: JSON.stringify(broken) };

    const plan = planPullRequest(input([image(base, AFTER_SIGNER_CHANGE)]));

    assert.equal(plan.content?.title, 'readme-gen: update glibc-dynamic (state recorded)');
    assert.equal(plan.updates[0]?.changes, undefined);
  });

  test('several images: one commit and one pull request, a section and a README diff each', () => {
    const plan = planPullRequest(
      input([
        image(BEFORE_MIGRATION_TAGS, AFTER_MIGRATION_TAGS, { name: 'one', dir: 'one' }),
        image(BEFORE_SIGNER_CHANGE, AFTER_SIGNER_CHANGE, { name: 'two', dir: 'two' }),
      ]),
    );

    assert.ok(plan.content);
    assert.equal(plan.content.title, 'readme-gen: update one, two');
    assert.equal(
      plan.content.commitMessage,
      [
        'readme-gen: update one, two',
        '',
        'one (cgr.dev/chainguard/glibc-dynamic):',
        '- tag migration added: sha256:dc022e6e1050 (linux/amd64)',
        '- tag migration-20221118 added: sha256:cf9690c4cc99 (linux/amd64)',
        '- tag migration-20221119 added: sha256:dc022e6e1050 (linux/amd64)',
        '- tag latest moved: sha256:a5881c17952a -> sha256:8386d826a73d',
        '',
        'two (cgr.dev/chainguard/glibc-dynamic):',
        '- tag latest moved: sha256:27669455acb1 -> sha256:fd601593d7d8',
        `- signer of latest: ${OLD_SIGNER} -> ${NEW_SIGNER}`,
        '',
        'Files: one/README.md, one/state.json, two/README.md, two/state.json',
        '',
      ].join('\n'),
    );
    const { body } = plan.content;
    assert.ok(
      body.startsWith(
        'readme-gen read the registry for 2 images, recorded its state and re-rendered the README against `main`.\n\n### one (',
      ),
    );
    assert.ok(
      body.includes(
        '### one (`cgr.dev/chainguard/glibc-dynamic`)\n\n**Tags added**\n\n- `migration` → `sha256:dc022e6e1050` (`linux/amd64`)\n- `migration-20221118` → `sha256:cf9690c4cc99` (`linux/amd64`)\n- `migration-20221119` → `sha256:dc022e6e1050` (`linux/amd64`)\n\n**Tags moved to a new digest**\n\n- `latest`: `sha256:a5881c17952a` → `sha256:8386d826a73d`\n\nFiles: `one/README.md`, `one/state.json`\n\n<details><summary>README diff: one/README.md (',
      ),
      body,
    );
    assert.ok(body.includes('\n\n### two (`cgr.dev/chainguard/glibc-dynamic`)\n\n**Tags moved to a new digest**\n\n'));
    assert.equal((body.match(/<details><summary>README diff/g) ?? []).length, 2);
  });

  test('a file two configs write is committed once when they agree on it, and refused when they do not', () => {
    const shared = image(BEFORE_SIGNER_CHANGE, AFTER_SIGNER_CHANGE, { name: 'one' });
    const again = image(BEFORE_SIGNER_CHANGE, AFTER_SIGNER_CHANGE, { name: 'two' });

    const plan = planPullRequest(input([shared, again]));

    assert.deepEqual(
      plan.files.map((file) => file.path),
      ['README.md', 'state.json'],
    );
    assert.deepEqual(
      plan.updates.map((update) => update.name),
      ['one'],
      'the second image has nothing left to commit',
    );

    const differing = image(BEFORE_SIGNER_CHANGE, AFTER_MIGRATION_TAGS, { name: 'two' });
    assert.throws(
      () => planPullRequest(input([shared, differing])),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, 'README.md: two configs write this file with different content; give each its own');
        return true;
      },
    );
  });
});
