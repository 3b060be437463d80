import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { packageFile } from '../../src/package-root.js';
import { KNOWN_BUILD_TOOLS } from '../../src/render/build-tools.js';
import { renderReadme } from '../../src/render/render-readme.js';
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

function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('| `'));
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

  test("lists every platform of a digest with that platform's own manifest digest", () => {
    const [latest] = tableRows(rendered);
    for (const [platform, digest] of [
      ['linux/amd64', 'a1'],
      ['linux/arm64', 'a2'],
      ['linux/arm/v7', 'a3'],
    ] as const) {
      assert.ok(latest?.includes(`\`${platform}\` \`sha256:${digest.repeat(32)}\``), platform);
    }
  });

  test("links a signed digest to its exact Rekor entry, from the signature's bundle", () => {
    const [latest, older] = tableRows(rendered);
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
