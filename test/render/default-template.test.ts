import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { packageFile } from '../../src/package-root.js';
import { KNOWN_BUILD_TOOLS } from '../../src/render/build-tools.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { renderTemplate } from '../../src/render/render-template.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import type { ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * fixtures/multi-arch: a multi-arch image rendered with our own template.
 * expected.md is generated, then reviewed: UPDATE_GOLDEN=1 rewrites it on
 * purpose, never to make a failing test pass.
 */
const dir = packageFile('fixtures', 'multi-arch');
const expectedFile = packageFile('fixtures', 'multi-arch', 'expected.md');

function renderFixture(): string {
  const config = loadConfig({ cwd: dir });
  assert.ok(config.statePath);
  return renderReadme(config, loadState(config.statePath, dir), loadTemplateSet(config.template), loadTrust()).markdown;
}

/** The rows of the README's `index`th table (0: the tags table, 1: the folded full digests), as source lines. */
function tableRows(markdown: string, index = 0): string[] {
  const tables: string[][] = [];
  let previous = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('| ') && !previous.startsWith('| ')) tables.push([]);
    if (line.startsWith('| `')) tables.at(-1)?.push(line);
    previous = line;
  }
  return tables[index] ?? [];
}

describe('the default template', () => {
  const rendered = renderFixture();

  test('matches the reviewed golden file', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, rendered);
    assert.ok(existsSync(expectedFile), 'fixtures/multi-arch/expected.md is missing: run the tests with UPDATE_GOLDEN=1 and review it');
    assert.equal(rendered, readFileSync(expectedFile, 'utf8'));
  });

  test('orders rows latest first, then versions newest first, then other tags', () => {
    assert.deepEqual(
      tableRows(rendered).map((row) => row.split(' | ')[0]),
      ['| `latest` `2.36.1` `2.36`', '| `2.35.4` `2.35`', '| `edge`'],
    );
  });

  test('leaves out cosign signature tags', () => {
    assert.doesNotMatch(rendered, /\.sig`/);
  });

  test('the tags table: platforms on one line, compressed size, last updated with its source, signed, short digest', () => {
    assert.ok(
      rendered.includes(
        '\n| Tags | Platforms | Size | Updated | Signed | Digest |\n| ---- | --------- | ---- | ------- | :----: | ------ |\n',
      ),
    );
    assert.deepEqual(tableRows(rendered), [
      '| `latest` `2.36.1` `2.36` | `amd64` `arm64` `arm/v7` | 2.1\u2060–\u20602.4\u00a0MB | 2022-09-19 (signed) | [✔](https://search.sigstore.dev/?logIndex=3531608) | `f2203a550c14` |',
      '| `2.35.4` `2.35` | `amd64` `arm64` | 2.3\u2060–\u20602.4\u00a0MB | 2022-08-30 | — | `353535353535` |',
      '| `edge` | `amd64` | 2.4\u00a0MB | — | — | `edededededed` |',
    ]);
  });

  test('above the table: the architectures, and the pull by tag and pinned to its digest, each in a fenced block', () => {
    assert.match(
      rendered,
      /\n## Get it\n\nArchitectures: `amd64` `arm64` `arm\/v7`\n\n```sh\ndocker pull registry\.example\.com\/acme\/glibc-dynamic:latest\n```\n\nPinned to the digest `latest` points to now[^\n]*:\n\n```sh\ndocker pull registry\.example\.com\/acme\/glibc-dynamic@sha256:f2203a550c14ec547a9483219e769150fbba11c7f31ce295c7b0412b139285ee\n```\n/,
    );
  });

  test('the signing facts: signer workflow linked to its repository, trigger, commit linked, log entry linked, date', () => {
    assert.ok(
      rendered.includes(
        [
          '- **Signer:** the `.github/workflows/release.yaml` workflow of [distroless/glibc-dynamic](https://github.com/distroless/glibc-dynamic), at `refs/heads/main`',
          '- **Trigger:** `schedule`',
          '- **Commit:** [95dda92156661666d99c1236102b748077571d26](https://github.com/distroless/glibc-dynamic/commit/95dda92156661666d99c1236102b748077571d26)',
          '- **Log entry:** [Rekor entry 3531608](https://search.sigstore.dev/?logIndex=3531608)',
          '- **Signed on:** 2022-09-19 02:51 UTC',
        ].join('\n'),
      ),
    );
  });

  test('full digests, per-platform digests and sizes are folded below the table', () => {
    assert.match(
      rendered,
      /\n<details>\n<summary>Full digests, per platform, with sizes<\/summary>\n\n\| Tags \| Digest \| Platforms \| Transparency log \|\n/,
    );
  });

  test("the folded table lists every platform of a digest with that platform's own manifest digest and size", () => {
    const [latest] = tableRows(rendered, 1);
    for (const [platform, digest] of [
      ['linux/amd64', 'a1'],
      ['linux/arm64', 'a2'],
      ['linux/arm/v7', 'a3'],
    ] as const) {
      assert.match(latest ?? '', new RegExp(`\`${platform}\` \`sha256:${digest.repeat(32)}\` 2\\.\\d MB`), platform);
    }
  });

  test("links a signed digest to its exact Rekor entry, from the signature's bundle", () => {
    const [latest, older] = tableRows(rendered, 1);
    assert.ok(latest?.includes('[Rekor entry 3531608](https://search.sigstore.dev/?logIndex=3531608)'));
    assert.ok(older?.endsWith('| unsigned |'));
    assert.doesNotMatch(rendered, /rekor\.tlog\.dev/);
  });

  test('gives a verify command that names the identity and issuer', () => {
    assert.match(
      rendered,
      /cosign verify \\\n {2}--certificate-identity=https:\/\/github\.com\/distroless\/glibc-dynamic\/\.github\/workflows\/release\.yaml@refs\/heads\/main \\\n {2}--certificate-oidc-issuer=https:\/\/token\.actions\.githubusercontent\.com \\\n {2}registry\.example\.com\/acme\/glibc-dynamic:latest\n/,
    );
  });
});

const BUILT_INS = ['default', 'distroless'] as const;
const fixtureConfig = loadConfig({ cwd: dir });
const fixtureState = loadState(fixtureConfig.statePath as string, dir);
const trust = loadTrust();

/** The fixture through a built-in template, with settings changed; distroless gets the wording it needs. */
function renderWith(template: (typeof BUILT_INS)[number], changes: Partial<ResolvedConfig> = {}, state: ImageState = fixtureState): string {
  const config: ResolvedConfig = {
    ...fixtureConfig,
    template,
    wording: { generator: 'https://example.com/generator', signedImages: 'Acme images' },
    ...changes,
  };
  return renderReadme(config, state, loadTemplateSet(template), trust).markdown;
}

/** The fixture's state with `latest` gone and these tags added, each pointing at the digest of an existing tag. */
function stateWithout(latest: 'latest', added: Record<string, string> = {}): ImageState {
  const state = structuredClone(fixtureState);
  state.tags = state.tags.filter((tag) => tag.name !== latest);
  for (const [name, sameAs] of Object.entries(added)) {
    const existing = fixtureState.tags.find((tag) => tag.name === sameAs);
    assert.ok(existing, `test setup: the fixture has ${sameAs}`);
    state.tags.push({ ...existing, name });
  }
  return state;
}

function pullCommand(markdown: string): string | undefined {
  return /^docker pull (\S+)$/m.exec(markdown)?.[1];
}

describe('without primary-tag, the pull command names a tag the table shows', () => {
  for (const template of BUILT_INS) {
    test(`${template}: latest when it is shown`, () => {
      assert.equal(pullCommand(renderWith(template)), 'registry.example.com/acme/glibc-dynamic:latest');
    });

    test(`${template}: no latest: the newest release, not a newer pre-release or a per-architecture tag above it in the table`, () => {
      // Arrange: 2.37-rc1 and 2.36.1-arm64 sort above 2.36.1 in the table.
      const state = stateWithout('latest', { '2.37-rc1': '2.35', '2.36.2-arm64': 'edge' });

      // Act
      const rendered = renderWith(template, {}, state);

      // Assert
      const firstRow = rendered.split('\n').find((line) => /^\| `/.test(line));
      assert.match(firstRow ?? '', /^\| [^|]*`2\.37-rc1`/, 'test setup: a pre-release heads the table');
      assert.equal(pullCommand(rendered), 'registry.example.com/acme/glibc-dynamic:2.36.1');
      assert.match(rendered, /\nVerification for registry\.example\.com\/acme\/glibc-dynamic:2\.36\.1 --\n/, 'Signing shows its signature');
    });

    test(`${template}: latest hidden by exclude-tags: the newest release`, () => {
      const rendered = renderWith(template, { excludeTags: ['latest'], excludeTagsSetting: 'readme-gen.yaml:1:1: exclude-tags' });
      assert.equal(pullCommand(rendered), 'registry.example.com/acme/glibc-dynamic:2.36.1');
    });

    test(`${template}: no version tag at all: the first tag of the table`, () => {
      const state = stateWithout('latest');
      state.tags = state.tags.filter((tag) => !/^\d/.test(tag.name));
      state.tags.push({ ...(state.tags.find((tag) => tag.name === 'edge') as ImageState['tags'][number]), name: 'nightly' });
      assert.equal(pullCommand(renderWith(template, {}, state)), 'registry.example.com/acme/glibc-dynamic:edge');
    });
  }
});

describe('tag notes', () => {
  test('shown under the tags table, in the order given, as plain text', () => {
    const config: ResolvedConfig = { ...fixtureConfig };
    const view = { ...renderReadme(config, fixtureState, loadTemplateSet('default'), trust).view };
    const notes = [
      { tag: 'edge', note: 'Built from main every night; it moves.' },
      { tag: 'latest', note: 'The newest release: *moves* with each one.' },
    ];
    const rendered = renderTemplate(loadTemplateSet('default'), { ...view, tagNotes: notes });
    // The note is plain text: its punctuation is escaped (and a word joiner keeps `release:` from starting an autolink).
    assert.ok(
      rendered.includes(
        '| `edededededed` |\n\n- `edge`: Built from main every night\\; it moves\\.\n- `latest`: The newest release\\:\u2060 \\*moves\\* with each one\\.\n\nSize is compressed',
      ),
    );
  });

  test('none: nothing between the table and its legend', () => {
    assert.match(renderWith('default'), /\| `edededededed` \|\n\nSize is compressed/);
  });
});

describe('last updated', () => {
  test("the image's org.opencontainers.image.created when it has one, else the signature's log time, marked", () => {
    const state = structuredClone(fixtureState);
    const latest = state.tags.find((tag) => tag.name === 'latest')?.digest;
    const image = latest && state.images[latest];
    assert.ok(image, 'test setup: the fixture has latest');
    image.annotations = { 'org.opencontainers.image.created': '2024-02-29T23:59:59Z' };
    assert.match(tableRows(renderWith('default', {}, state))[0] ?? '', /\| 2024-02-29 \| \[✔\]/);
    assert.match(tableRows(renderWith('default'))[0] ?? '', /\| 2022-09-19 \(signed\) \| \[✔\]/);
  });
});

describe('built-with', () => {
  for (const template of BUILT_INS) {
    test(`${template}: unset, no Build section and no claim about how the image is built`, () => {
      const rendered = renderWith(template, { builtWith: [] });
      assert.doesNotMatch(rendered, /## Build|built with|apko|melange/);
    });

    test(`${template}: any name, in its order; a known one linked to its project, another as plain text`, () => {
      const rendered = renderWith(template, { builtWith: ['nix', 'BuildKit', 'rules_oci'] });
      assert.match(
        rendered,
        /\n## Build\n\nThis image is built with nix, \[BuildKit\]\(https:\/\/github\.com\/moby\/buildkit\) and \[rules\\_oci\]\(https:\/\/github\.com\/bazel-contrib\/rules_oci\)\.\n/,
      );
    });
  }

  test('the schema names exactly the builders that get a link', () => {
    const schema = JSON.parse(readFileSync(packageFile('src', 'config', 'config.schema.json'), 'utf8')) as {
      properties: { 'built-with': { description: string } };
    };
    const listed = /\(([^)]+)\) are linked/.exec(schema.properties['built-with'].description)?.[1]?.split(', ');
    assert.deepEqual(listed, [...KNOWN_BUILD_TOOLS.keys()].sort());
  });
});

describe('repo', () => {
  test('default: set, a source link under the description', () => {
    const rendered = renderWith('default');
    assert.match(
      rendered,
      /\nBase image with [^\n]*\n\nSource: \[https:\/\/github\.com\/acme\/glibc-dynamic\]\(https:\/\/github\.com\/acme\/glibc-dynamic\)\n\n## Get it\n/,
    );
  });

  test('default: unset, no source line', () => {
    const { repo: _, ...withoutRepo } = fixtureConfig;
    const rendered = renderReadme(withoutRepo, fixtureState, loadTemplateSet('default'), trust).markdown;
    assert.doesNotMatch(rendered, /Source:|github\.com\/acme/);
  });

  test('distroless: set without ci-workflow, no CI badge', () => {
    const rendered = renderWith('distroless');
    assert.doesNotMatch(rendered, /CI status|actions\/workflows/);
  });

  test('distroless: with ci-workflow, the badge of that workflow', () => {
    const rendered = renderWith('distroless', { ciWorkflow: 'build.yml' });
    assert.ok(
      rendered.includes(
        '\n[![CI status](https://github.com/acme/glibc-dynamic/actions/workflows/build.yml/badge.svg)](https://github.com/acme/glibc-dynamic/actions/workflows/build.yml)\n',
      ),
    );
  });
});
