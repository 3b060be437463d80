/**
 * Every invalid config or state file, run through the built binary: exit code 2
 * and one line on stderr that names the file, the line:col, the key and what is
 * wrong. No stack trace: that is what --debug is for.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { type CliRun, runCli, temporaryDirectory } from '../helpers/run-cli.js';

const EXAMPLE_STATE = packageFile('fixtures', 'glibc-dynamic', 'state.json');

/** A valid config: every case below adds one line to it, or replaces one of its lines. */
const VALID_CONFIG = ['name: glibc-dynamic', 'location: cgr.dev/chainguard/glibc-dynamic', 'state: state.json'];

interface ExpectedError {
  /** The file the message must start with, as the user named it. */
  file: string;
  /** `line:col` of the offending key or value; undefined for errors about a whole file. */
  at?: string;
  /** The key path, printed right after the position. */
  key?: string;
  /** What the message must say is wrong. */
  says: RegExp;
}

/**
 * The contract for bad input: exit 2, nothing on stdout, exactly one line on
 * stderr, shaped `readme-gen: FILE:LINE:COL: KEY: PROBLEM`.
 */
function assertOneLineError(run: CliRun, expected: ExpectedError): void {
  assert.equal(run.status, 2, `exit code; stderr was: ${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^readme-gen: [^\n]+\n$/, 'stderr is exactly one line');
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  if (expected.at === undefined) {
    assert.ok(run.stderr.includes(expected.file), `stderr names ${expected.file}; was: ${run.stderr}`);
  } else {
    assert.ok(run.stderr.startsWith(expectedHead(expected)), `stderr starts with "${expectedHead(expected)}"; was: ${run.stderr}`);
  }
  assert.match(run.stderr, expected.says);
}

/** `readme-gen: FILE:LINE:COL: KEY:` */
function expectedHead(expected: ExpectedError): string {
  let head = `readme-gen: ${expected.file}`;
  if (expected.at !== undefined) head += `:${expected.at}`;
  if (expected.key !== undefined) head += `: ${expected.key}`;
  return `${head}:`;
}

/** A temp dir holding the example's state.json, the way a real image repository holds its state. */
function imageDirectory(t: { after: (fn: () => void) => void }): string {
  const dir = temporaryDirectory(t);
  copyFileSync(EXAMPLE_STATE, path.join(dir, 'state.json'));
  return dir;
}

/** 1-based line and column where `needle` starts in `text`, as the messages print them. */
function lineColOf(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `test setup: ${JSON.stringify(needle)} is in the file`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1) ?? '').length + 1}`;
}

interface ConfigCase {
  title: string;
  /** The config's lines; most cases are VALID_CONFIG plus the offending line(s). */
  config: string[];
  /** Other files the config names, by path relative to the config. */
  files?: Record<string, string>;
  at: string;
  key?: string;
  says: RegExp;
}

const CONFIG_CASES: ConfigCase[] = [
  // One case per key with a wrong type or value.
  {
    title: 'name is a number',
    config: ['name: 42', VALID_CONFIG[1]!, VALID_CONFIG[2]!],
    at: '1:7',
    key: 'name',
    says: /must be a string, not the number 42$/m,
  },
  {
    title: 'name is empty',
    config: ['name: ""', VALID_CONFIG[1]!, VALID_CONFIG[2]!],
    at: '1:7',
    key: 'name',
    says: /must not be empty$/m,
  },
  {
    title: 'location is not registry/repository',
    config: [VALID_CONFIG[0]!, 'location: Not A Location', VALID_CONFIG[2]!],
    at: '2:11',
    key: 'location',
    says: /: "Not A Location": contains whitespace; write registry\/repository, e\.g\. cgr\.dev\/chainguard\/glibc-dynamic$/m,
  },
  // What people paste as a location, each said in words with the location to write.
  {
    title: 'location is an image URL',
    config: [VALID_CONFIG[0]!, 'location: https://ghcr.io/org/app', VALID_CONFIG[2]!],
    at: '2:11',
    key: 'location',
    says: /: "https:\/\/ghcr\.io\/org\/app": drop the scheme "https:\/\/"; write ghcr\.io\/org\/app \(a location is registry\/repository, not a URL\)$/m,
  },
  {
    title: 'location has a tag',
    config: [VALID_CONFIG[0]!, 'location: ghcr.io/org/app:1.0', VALID_CONFIG[2]!],
    at: '2:11',
    key: 'location',
    says: /: "ghcr\.io\/org\/app:1\.0": drop the tag ":1\.0"; write ghcr\.io\/org\/app \(readme-gen reads every tag and digest of the repository\)$/m,
  },
  {
    title: 'location has a digest',
    config: [VALID_CONFIG[0]!, `location: ghcr.io/org/app@sha256:${'0'.repeat(64)}`, VALID_CONFIG[2]!],
    at: '2:11',
    key: 'location',
    says: /: drop the digest; write ghcr\.io\/org\/app \(/,
  },
  {
    title: 'location has capitals',
    config: [VALID_CONFIG[0]!, 'location: ghcr.io/Org/App', VALID_CONFIG[2]!],
    at: '2:11',
    key: 'location',
    says: /: "ghcr\.io\/Org\/App": lowercase "Org\/App"; write ghcr\.io\/org\/app \(repository names are lowercase\)$/m,
  },
  {
    title: 'location names a registry and no repository',
    config: [VALID_CONFIG[0]!, 'location: ghcr.io', VALID_CONFIG[2]!],
    at: '2:11',
    key: 'location',
    says: /: "ghcr\.io": names the registry ghcr\.io but no repository; add it, e\.g\. ghcr\.io\/org\/app$/m,
  },
  {
    title: 'repo is not a URL',
    config: [...VALID_CONFIG, 'repo: github.com/acme/image'],
    at: '4:7',
    key: 'repo',
    says: /"github\.com\/acme\/image" does not match .*e\.g\. https:\/\/github\.com\/org\/image/,
  },
  {
    title: 'template is neither a built-in name nor a path',
    config: [...VALID_CONFIG, 'template: fancy'],
    at: '4:11',
    key: 'template',
    says: /"fancy" is neither a built-in template \(default, distroless\) nor a path/,
  },
  {
    title: 'exclude-tags is a string instead of a list',
    config: [...VALID_CONFIG, 'exclude-tags: latest-*'],
    at: '4:15',
    key: 'exclude-tags',
    says: /must be a list, not the string "latest-\*"$/m,
  },
  {
    title: 'built-with names a tool with an empty name',
    config: [...VALID_CONFIG, 'built-with: [apko, ""]'],
    at: '4:20',
    key: 'built-with[1]',
    says: /must not be empty$/m,
  },
  {
    title: 'ci-workflow is a path, not a workflow file name',
    config: [...VALID_CONFIG, 'repo: https://github.com/acme/image', 'ci-workflow: .github/workflows/release.yaml'],
    at: '5:14',
    key: 'ci-workflow',
    says: /"\.github\/workflows\/release\.yaml" does not match .*e\.g\. release\.yaml/,
  },
  {
    title: 'ci-workflow without repo, whose workflows the badge links into',
    config: [...VALID_CONFIG, 'ci-workflow: release.yaml'],
    at: '4:14',
    key: 'ci-workflow',
    says: /the badge links into repo's workflows, and repo is not set; set repo \(the GitHub repository\) or remove ci-workflow$/m,
  },
  {
    title: 'cosign-output is not a known generation',
    config: [...VALID_CONFIG, 'cosign-output: v2'],
    at: '4:16',
    key: 'cosign-output',
    says: /"v2" is not allowed; use one of "oids-only", "with-workflow-names", "current"$/m,
  },
  {
    title: 'primary-tag is not a valid tag',
    config: [...VALID_CONFIG, 'primary-tag: bad tag!'],
    at: '4:14',
    key: 'primary-tag',
    says: /"bad tag!" does not match /,
  },
  {
    title: 'identity has an unknown sub-key',
    config: [
      ...VALID_CONFIG,
      'identity:',
      '  certificate-identity: https://github.com/acme/image/.github/workflows/release.yaml@refs/heads/main',
      '  subject: someone',
    ],
    at: '6:3',
    key: 'identity.subject',
    says: /unknown key "subject"; remove it or check its spelling/,
  },
  {
    title: 'wording has an unknown sub-key',
    config: [...VALID_CONFIG, 'wording:', '  generator: https://github.com/acme/readme-generator', '  signed: Acme images'],
    at: '6:3',
    key: 'wording.signed',
    says: /unknown key "signed"; remove it or check its spelling/,
  },
  {
    title: 'output is empty',
    config: [...VALID_CONFIG, 'output: ""'],
    at: '4:9',
    key: 'output',
    says: /must not be empty$/m,
  },
  // An unknown key names the known key it is nearest to, at any depth; none when nothing is close.
  {
    title: 'exclude_tags for exclude-tags',
    config: [...VALID_CONFIG, 'exclude_tags: [nightly]'],
    at: '4:1',
    key: 'exclude_tags',
    says: /: unknown key "exclude_tags"; did you mean "exclude-tags"\?$/m,
  },
  {
    title: 'primary_tag for primary-tag',
    config: [...VALID_CONFIG, 'primary_tag: latest'],
    at: '4:1',
    key: 'primary_tag',
    says: /: unknown key "primary_tag"; did you mean "primary-tag"\?$/m,
  },
  {
    title: 'identitiy for identity',
    config: [
      ...VALID_CONFIG,
      'identitiy:',
      '  certificate-identity: https://github.com/acme/image/.github/workflows/release.yaml@refs/heads/main',
    ],
    at: '4:1',
    key: 'identitiy',
    says: /: unknown key "identitiy"; did you mean "identity"\?$/m,
  },
  {
    title: 'a misspelt key under identity',
    config: [...VALID_CONFIG, 'identity:', '  certificate_oidc_issuer: https://token.actions.githubusercontent.com'],
    at: '5:3',
    key: 'identity.certificate_oidc_issuer',
    says: /: unknown key "certificate_oidc_issuer"; did you mean "certificate-oidc-issuer"\?$/m,
  },
  {
    title: 'a misspelt key under wording',
    config: [...VALID_CONFIG, 'wording:', '  generater: https://github.com/acme/readme-generator'],
    at: '5:3',
    key: 'wording.generater',
    says: /: unknown key "generater"; did you mean "generator"\?$/m,
  },
  // The document as a whole.
  {
    title: 'an unknown top-level key, at its own line, near no known key',
    config: [...VALID_CONFIG, 'colour: blue', 'output: README.md'],
    at: '4:1',
    key: 'colour',
    says: /unknown key "colour"; remove it or check its spelling/,
  },
  {
    title: 'the required key name is missing',
    config: [VALID_CONFIG[1]!, VALID_CONFIG[2]!],
    at: '1:1',
    key: 'name',
    says: /required key "name" is missing/,
  },
  {
    title: 'invalid YAML syntax: an unquoted ": " inside a value',
    config: [...VALID_CONFIG, 'description: Note: run it as root'],
    at: '4:14',
    says: /not valid YAML: Nested mappings are not allowed in compact mappings$/m,
  },
  {
    title: 'a duplicate key, at its second occurrence',
    config: [...VALID_CONFIG, 'output: README.md', 'name: other-image'],
    at: '5:1',
    key: 'name',
    says: /duplicate key; it is already set above, keep one$/m,
  },
  {
    title: 'description and description-file both set',
    config: [...VALID_CONFIG, 'description: Inline text.', 'description-file: DESCRIPTION.md'],
    files: { 'DESCRIPTION.md': 'Text from a file.\n' },
    at: '5:19',
    key: 'description-file',
    says: /description is also set \(line 4\); keep one of them$/m,
  },
  {
    title: 'description-file does not exist',
    config: [...VALID_CONFIG, 'description-file: docs/missing.md'],
    at: '4:19',
    key: 'description-file',
    says: /cannot read \S*docs\/missing\.md \(ENOENT\)/,
  },
  // Where the trusted root comes from.
  {
    title: 'tuf-mirror beside trusted-root (a pinned root is never refreshed)',
    config: [...VALID_CONFIG, 'trusted-root: trusted_root.json', 'tuf-mirror: https://tuf.example.com'],
    at: '5:13',
    key: 'tuf-mirror',
    says: /: trusted-root pins the trusted root, so it is never refreshed through TUF; keep one of them$/m,
  },
  {
    title: 'tuf-mirror over plain http to a host that is not loopback',
    config: [...VALID_CONFIG, 'tuf-mirror: http://tuf.example.com/repo'],
    at: '4:13',
    key: 'tuf-mirror',
    says: /: http:\/\/tuf\.example\.com: use https \(plain http only on a loopback host\)$/m,
  },
  {
    title: 'usage-file does not exist',
    config: [...VALID_CONFIG, 'usage-file: USAGE.md'],
    at: '4:13',
    key: 'usage-file',
    says: /cannot read \S*\/USAGE\.md \(ENOENT\)/,
  },
];

describe('an invalid readme-gen.yaml', () => {
  for (const example of CONFIG_CASES) {
    test(`${example.title}: exit 2, one line naming readme-gen.yaml:${example.at}${example.key ? ` and ${example.key}` : ''}`, (t) => {
      // Arrange
      const dir = imageDirectory(t);
      writeFileSync(path.join(dir, 'readme-gen.yaml'), `${example.config.join('\n')}\n`);
      for (const [name, content] of Object.entries(example.files ?? {})) writeFileSync(path.join(dir, name), content);

      // Act
      const run = runCli(['render'], dir);

      // Assert
      assertOneLineError(run, {
        file: 'readme-gen.yaml',
        at: example.at,
        ...(example.key === undefined ? {} : { key: example.key }),
        says: example.says,
      });
    });
  }

  test('the valid config the cases start from renders (so each failure above is the added line’s)', (t) => {
    // Arrange
    const dir = imageDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `${VALID_CONFIG.join('\n')}\n`);

    // Act
    const run = runCli(['render'], dir);

    // Assert
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^# glibc-dynamic\n/);
    assert.doesNotMatch(run.stdout, /## Build|built with|apko/, 'no built-with, no claim about how the image is built');
    assert.doesNotMatch(run.stdout, /Source:/, 'no repo, no source link');
  });

  for (const [key, wording] of [
    ['wording.generator', ['  signed-images: Acme images']],
    ['wording.signed-images', ['  generator: https://github.com/acme/readme-generator']],
  ] as const) {
    test(`the distroless template without ${key}: exit 2, one line naming ${key} and the config file`, (t) => {
      // Arrange
      const dir = imageDirectory(t);
      const config = [...VALID_CONFIG, 'description: An image.', 'template: distroless', 'wording:', ...wording];
      writeFileSync(path.join(dir, 'readme-gen.yaml'), `${config.join('\n')}\n`);

      // Act
      const run = runCli(['render'], dir);

      // Assert
      assertOneLineError(run, {
        file: 'readme-gen.yaml',
        says: new RegExp(
          `^readme-gen: template distroless \\(or a partial it calls\\), line \\d+:\\d+: ${key.replace('.', '\\.')} is not set; set it in readme-gen\\.yaml$`,
          'm',
        ),
      });
    });
  }

  test('a config named by --config is named by that path', (t) => {
    // Arrange
    const dir = imageDirectory(t);
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'image.yaml'), `${[...VALID_CONFIG, 'cosign-output: v2'].join('\n')}\n`);

    // Act
    const run = runCli(['render', '--config', 'conf/image.yaml'], dir);

    // Assert
    assertOneLineError(run, { file: 'conf/image.yaml', at: '4:16', key: 'cosign-output', says: /"v2" is not allowed/ });
  });

  test('--template with an unknown built-in name is named as the flag', (t) => {
    // Arrange
    const dir = imageDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `${VALID_CONFIG.join('\n')}\n`);

    // Act
    const run = runCli(['render', '--template', 'fancy'], dir);

    // Assert
    assertOneLineError(run, { file: '--template', says: /^readme-gen: --template: "fancy" is neither a built-in template/ });
  });
});

describe('a location given by --location', () => {
  test('with no config file: named as the flag, in the same words', (t) => {
    // Arrange
    const dir = imageDirectory(t);

    // Act
    const run = runCli(['render', '--name', 'app', '--location', 'https://ghcr.io/org/app:1.0', '--state', 'state.json'], dir);

    // Assert
    assertOneLineError(run, {
      file: '--location',
      says: /^readme-gen: --location: "https:\/\/ghcr\.io\/org\/app:1\.0": drop the scheme "https:\/\/", drop the tag ":1\.0"; write ghcr\.io\/org\/app \(/,
    });
  });

  test("over a valid config file: named as the flag, not as the file's line", (t) => {
    // Arrange
    const dir = imageDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `${VALID_CONFIG.join('\n')}\n`);

    // Act
    const run = runCli(['render', '--location', 'ghcr.io'], dir);

    // Assert
    assertOneLineError(run, {
      file: '--location',
      says: /^readme-gen: --location: "ghcr\.io": names the registry ghcr\.io but no repository/,
    });
  });

  test('registry hosts with ports and Docker Hub short names are valid, in the file and as the flag', (t) => {
    for (const location of ['alpine', 'library/alpine', 'docker.io/org/app', '127.0.0.1:5000/app', '[::1]:5000/acme/app']) {
      // Arrange
      const dir = imageDirectory(t);
      writeFileSync(path.join(dir, 'readme-gen.yaml'), `${[VALID_CONFIG[0], `location: "${location}"`, VALID_CONFIG[2]].join('\n')}\n`);

      // Act
      const fromFile = runCli(['render'], dir);
      const fromFlag = runCli(['render', '--location', location], dir);

      // Assert
      for (const run of [fromFile, fromFlag]) {
        assert.equal(run.status, 0, `${location}: ${run.stderr}`);
        assert.match(run.stdout, /^# glibc-dynamic\n/);
      }
    }
  });
});

/** A state with more tags than the example's one: latest, 2.36.1, 2.36, 2.35.4, 2.35, edge and a cosign .sig tag. */
const MULTI_TAG_STATE = packageFile('fixtures', 'multi-arch', 'state.json');
/** The shown tags as the messages list them (in table order), as a regular expression. */
const SHOWN_TAGS = 'latest, 2.36.1, 2.36, 2.35.4, 2.35, edge'.replaceAll('.', '\\.');
const SIGNATURE_TAG = 'sha256-f2203a550c14ec547a9483219e769150fbba11c7f31ce295c7b0412b139285ee.sig';

interface PrimaryTagCase {
  title: string;
  config: string[];
  flags?: string[];
  /** The message, after `readme-gen: `. */
  says: RegExp;
}

const PRIMARY_TAG_CASES: PrimaryTagCase[] = [
  {
    title: 'a tag the registry does not have',
    config: [...VALID_CONFIG, 'primary-tag: stable'],
    says: new RegExp(
      `^readme-gen\\.yaml:4:14: primary-tag: "stable" is not a tag of cgr\\.dev/chainguard/glibc-dynamic; push it, or set primary-tag to a shown tag \\(${SHOWN_TAGS}\\)$`,
    ),
  },
  {
    title: 'a tag an exclude-tags pattern hides',
    config: [...VALID_CONFIG, 'exclude-tags: [nightly, "lat*"]', 'primary-tag: latest'],
    says: /^readme-gen\.yaml:5:14: primary-tag: "latest" is hidden by the exclude-tags pattern "lat\*" \(readme-gen\.yaml:4:15: exclude-tags\); remove that pattern, or set primary-tag to a shown tag \(2\.36\.1, 2\.36, 2\.35\.4, 2\.35, edge\)$/,
  },
  {
    title: 'a tag --exclude-tags hides',
    config: [...VALID_CONFIG, 'primary-tag: edge'],
    flags: ['--exclude-tags', 'edge'],
    says: /^readme-gen\.yaml:4:14: primary-tag: "edge" is hidden by the exclude-tags pattern "edge" \(--exclude-tags\); remove that pattern, or set primary-tag to a shown tag \(latest, /,
  },
  {
    title: 'a cosign signature tag, which no README shows',
    config: [...VALID_CONFIG, `primary-tag: ${SIGNATURE_TAG}`],
    says: new RegExp(
      `^readme-gen\\.yaml:4:14: primary-tag: "${SIGNATURE_TAG.replaceAll('.', '\\.')}" is a cosign signature, attestation or SBOM tag \\(sha256-\\*\\), never shown; set primary-tag to a shown tag \\(${SHOWN_TAGS}\\)$`,
    ),
  },
  {
    title: 'no primary-tag, and exclude-tags hides every tag',
    config: [...VALID_CONFIG, 'exclude-tags: ["*"]'],
    says: /^cgr\.dev\/chainguard\/glibc-dynamic: no tag to show, so no README to render: exclude-tags \(readme-gen\.yaml:4:15: exclude-tags\) leaves out all 7 of its tags; loosen it$/,
  },
];

describe('primary-tag must be a tag the README shows', () => {
  for (const example of PRIMARY_TAG_CASES) {
    test(`${example.title}: exit 2, one line naming primary-tag and what to do; render --write writes nothing`, (t) => {
      // Arrange
      const dir = temporaryDirectory(t);
      copyFileSync(MULTI_TAG_STATE, path.join(dir, 'state.json'));
      writeFileSync(path.join(dir, 'readme-gen.yaml'), `${example.config.join('\n')}\n`);

      // Act
      const run = runCli(['render', '--write', ...(example.flags ?? [])], dir);

      // Assert
      assert.equal(run.status, 2, `exit code; stderr was: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^readme-gen: [^\n]+\n$/, 'stderr is exactly one line');
      assert.match(run.stderr.slice('readme-gen: '.length, -1), example.says);
      assert.equal(existsSync(path.join(dir, 'README.md')), false, 'no README written');
    });
  }

  test('the same config with a tag the README shows renders it in the pull command (so each failure above is the tag’s)', (t) => {
    // Arrange
    const dir = temporaryDirectory(t);
    copyFileSync(MULTI_TAG_STATE, path.join(dir, 'state.json'));
    writeFileSync(
      path.join(dir, 'readme-gen.yaml'),
      `${[...VALID_CONFIG, 'exclude-tags: [nightly, "lat*"]', 'primary-tag: "2.35"'].join('\n')}\n`,
    );

    // Act
    const run = runCli(['render'], dir);

    // Assert
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\n```sh\ndocker pull cgr\.dev\/chainguard\/glibc-dynamic:2\.35\n```\n/);
  });
});

describe('no usable config file', () => {
  test('--config pointing at a missing file names the file and --config', (t) => {
    // Arrange
    const dir = imageDirectory(t);

    // Act
    const run = runCli(['render', '--config', 'missing.yaml'], dir);

    // Assert
    assertOneLineError(run, {
      file: 'missing.yaml',
      says: /^readme-gen: missing\.yaml: config file not found; check the path given to --config$/m,
    });
  });

  test('no readme-gen.yaml and no flags says how to provide one', (t) => {
    // Arrange
    const dir = imageDirectory(t);

    // Act
    const run = runCli(['render'], dir);

    // Assert
    assertOneLineError(run, {
      file: 'readme-gen.yaml',
      says: /^readme-gen: no readme-gen\.yaml in \S+: create one, pass --config FILE, or pass --name and --location/,
    });
  });
});

interface StateCase {
  title: string;
  /** The state file's text, made from the example's state. */
  state: (example: Record<string, unknown>) => string;
  /** line:col, from the text written (so that the case does not depend on the fixture's layout). */
  at: (text: string) => string;
  key?: string;
  says: RegExp;
}

const OTHER_DIGEST = `sha256:${'a'.repeat(64)}`;

const STATE_CASES: StateCase[] = [
  {
    title: 'not JSON at all',
    state: () => 'this is not JSON\n',
    at: () => '1:2',
    says: /not valid JSON: Unexpected token 'h'$/m,
  },
  {
    title: 'a JSON syntax error on a later line',
    state: () => '{\n  "schemaVersion": 1,\n  "tags": [],\n}\n',
    at: () => '4:1',
    says: /not valid JSON: Expected double-quoted property name$/m,
  },
  {
    title: 'JSON without tags',
    state: (example) => JSON.stringify({ ...example, tags: undefined }, null, 2),
    at: () => '1:1',
    key: 'tags',
    says: /required key "tags" is missing/,
  },
  {
    title: 'a tag with an invalid digest',
    state: (example) => {
      const [tag] = example['tags'] as Record<string, unknown>[];
      return JSON.stringify({ ...example, tags: [{ ...tag, digest: 'sha256:not-a-digest' }] }, null, 2);
    },
    at: (text) => lineColOf(text, '"sha256:not-a-digest"'),
    key: 'tags[0].digest',
    says: /"sha256:not-a-digest" does not match \^sha256:\[0-9a-f\]\{64\}\$$/m,
  },
  {
    title: 'a tag whose digest has no images entry',
    state: (example) => {
      const tags = example['tags'] as Record<string, unknown>[];
      return JSON.stringify({ ...example, tags: [...tags, { ...tags[0], name: 'orphan', digest: OTHER_DIGEST }] }, null, 2);
    },
    at: (text) => lineColOf(text, `"${OTHER_DIGEST}"`),
    key: 'tags[1].digest',
    says: new RegExp(`${OTHER_DIGEST} has no entry under images; regenerate the state`),
  },
];

describe('an invalid state file given by --state', () => {
  for (const example of STATE_CASES) {
    test(`${example.title}: exit 2, one line naming the file, line:col${example.key ? ` and ${example.key}` : ''}`, (t) => {
      // Arrange
      const dir = imageDirectory(t);
      writeFileSync(path.join(dir, 'readme-gen.yaml'), `${VALID_CONFIG.join('\n')}\n`);
      const text = example.state(JSON.parse(readFileSync(EXAMPLE_STATE, 'utf8')) as Record<string, unknown>);
      writeFileSync(path.join(dir, 'bad-state.json'), text);

      // Act
      const run = runCli(['render', '--state', 'bad-state.json'], dir);

      // Assert
      assertOneLineError(run, {
        file: 'bad-state.json',
        at: example.at(text),
        ...(example.key === undefined ? {} : { key: example.key }),
        says: example.says,
      });
    });
  }

  test('a missing state file names it', (t) => {
    // Arrange
    const dir = imageDirectory(t);
    writeFileSync(path.join(dir, 'readme-gen.yaml'), `${VALID_CONFIG.join('\n')}\n`);

    // Act
    const run = runCli(['render', '--state', 'missing.json'], dir);

    // Assert
    assertOneLineError(run, { file: 'missing.json', says: /cannot read the state file \(ENOENT\)/ });
  });
});
