/**
 * The original generator's flags (--repo --name --location --description
 * --exclude-tags) override readme-gen.yaml, or replace it when there is none,
 * so that readme-gen is a drop-in for the original's CI step.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ConfigFile } from '../../src/config/readme-gen-config.js';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

const EXAMPLE_DIR = packageFile('fixtures', 'glibc-dynamic');
const EXAMPLE_CONFIG = parseYaml(readFileSync(path.join(EXAMPLE_DIR, 'readme-gen.yaml'), 'utf8')) as ConfigFile;

/** Lines of the Signing section's cosign JSON (inside the fence after "Output:"), by index. */
function signedJsonLines(readme: string): { first: number; last: number; text: string } {
  const lines = readme.split('\n');
  const output = lines.indexOf('Output:');
  assert.ok(output >= 0 && lines[output + 1] === '```', 'the README has an "Output:" fence');
  const close = lines.indexOf('```', output + 2);
  const first = lines.findIndex((line, index) => index > output + 1 && index < close && line.startsWith('['));
  assert.ok(first > 0 && close > first, 'the fence holds a JSON array');
  return { first, last: close - 1, text: lines.slice(first, close).join('\n') };
}

/**
 * Replaces `from` with `to` in `line`, except inside the strings in `keep`:
 * other configured values that contain `from` (the name is part of the
 * location and the repo URL) and that the flag under test does not change.
 */
function replaceOutside(line: string, from: string, to: string, keep: readonly string[]): string {
  const protectedValues = keep.filter((value) => value !== from && value.includes(from));
  if (protectedValues.length === 0) return line.replaceAll(from, to);
  const escaped = protectedValues.sort((a, b) => b.length - a.length).map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return line
    .split(new RegExp(`(${escaped.join('|')})`))
    .map((segment, index) => (index % 2 === 1 ? segment : segment.replaceAll(from, to)))
    .join('');
}

/**
 * What the README should become when a flag changes a value: the default
 * render with each old value replaced on the lines where it appears, except in
 * the signed JSON, which is data the signature covers and must not change.
 */
function withReplacements(readme: string, replacements: readonly [string, string][], keep: readonly string[]): string {
  const json = signedJsonLines(readme);
  return readme
    .split('\n')
    .map((line, index) =>
      index >= json.first && index <= json.last
        ? line
        : replacements.reduce((out, [from, to]) => replaceOutside(out, from, to, keep), line),
    )
    .join('\n');
}

/** Indices of the lines that differ; both texts must have the same number of lines. */
function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(b.length, a.length, 'same number of lines');
  return a.flatMap((line, index) => (line === b[index] ? [] : [index]));
}

/** Every configured string value; an override must not touch one of these that merely contains the overridden value. */
const OTHER_VALUES = [
  EXAMPLE_CONFIG.name,
  EXAMPLE_CONFIG.location,
  EXAMPLE_CONFIG.repo,
  EXAMPLE_CONFIG.description,
  EXAMPLE_CONFIG.wording?.generator,
  EXAMPLE_CONFIG.wording?.['signed-images'],
].filter((value): value is string => value !== undefined);

const PRIMARY_TAG = EXAMPLE_CONFIG['primary-tag'] ?? 'latest';
const NEW_LOCATION = 'registry.example.com/acme/other';

interface OverrideCase {
  flag: string;
  value: string;
  /** [old, new] pairs, old as it is in the example config. */
  replacements: [string, string][];
  /** Lines the new README must hold, as the brief for each value lists them. */
  mustShow: string[];
}

const OVERRIDE_CASES: OverrideCase[] = [
  {
    flag: '--name',
    value: 'other-image',
    replacements: [[EXAMPLE_CONFIG.name, 'other-image']],
    mustShow: ['# other-image'],
  },
  {
    flag: '--location',
    value: NEW_LOCATION,
    // The registry host is shown on its own too ("The image is available on `cgr.dev`").
    replacements: [
      [EXAMPLE_CONFIG.location, NEW_LOCATION],
      [EXAMPLE_CONFIG.location.split('/')[0]!, 'registry.example.com'],
    ],
    mustShow: [
      `docker pull ${NEW_LOCATION}:${PRIMARY_TAG}`,
      'The image is available on `registry.example.com`:',
      `COSIGN_EXPERIMENTAL=1 cosign verify ${NEW_LOCATION}:${PRIMARY_TAG} | jq`,
      `Verification for ${NEW_LOCATION}:${PRIMARY_TAG} --`,
    ],
  },
  {
    flag: '--repo',
    value: 'https://github.com/acme/other',
    replacements: [[EXAMPLE_CONFIG.repo!, 'https://github.com/acme/other']],
    mustShow: [
      '[![CI status](https://github.com/acme/other/actions/workflows/release.yaml/badge.svg)](https://github.com/acme/other/actions/workflows/release.yaml)',
    ],
  },
  {
    flag: '--description',
    value: 'Another description.',
    replacements: [[EXAMPLE_CONFIG.description!, 'Another description.']],
    mustShow: ['Another description.'],
  },
];

describe('the original flags override the config', () => {
  let dir: string;
  let defaultReadme: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-test-'));
    copyFileSync(path.join(EXAMPLE_DIR, 'readme-gen.yaml'), path.join(dir, 'readme-gen.yaml'));
    copyFileSync(path.join(EXAMPLE_DIR, 'state.json'), path.join(dir, 'state.json'));
    const run = runCli(['render'], dir);
    assert.equal(run.status, 0, run.stderr);
    defaultReadme = run.stdout;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const example of OVERRIDE_CASES) {
    test(`${example.flag} ${example.value} changes exactly the lines that show that value, not the signed JSON`, () => {
      // Arrange
      const expected = withReplacements(defaultReadme, example.replacements, OTHER_VALUES);
      const linesShowingValue = changedLines(defaultReadme, expected);
      assert.ok(linesShowingValue.length > 0, 'test setup: the default README shows the value');

      // Act
      const run = runCli(['render', example.flag, example.value], dir);

      // Assert
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(changedLines(defaultReadme, run.stdout), linesShowingValue);
      assert.equal(run.stdout, expected);
      const lines = run.stdout.split('\n');
      for (const line of example.mustShow) assert.ok(lines.includes(line), `the README has the line ${JSON.stringify(line)}`);
      assert.equal(signedJsonLines(run.stdout).text, signedJsonLines(defaultReadme).text, 'the signed JSON is unchanged');
    });
  }

  test('--location leaves docker-reference, which the signature covers, as signed', () => {
    // Arrange
    const signedReference = (readme: string) =>
      (JSON.parse(signedJsonLines(readme).text) as { critical: { identity: { 'docker-reference': string } } }[])[0]?.critical.identity[
        'docker-reference'
      ];

    // Act
    const run = runCli(['render', '--location', NEW_LOCATION], dir);

    // Assert
    assert.equal(run.status, 0, run.stderr);
    assert.equal(signedReference(run.stdout), signedReference(defaultReadme));
    assert.notEqual(signedReference(run.stdout), NEW_LOCATION);
  });

  test('single-dash forms (Go flag syntax) work like the double-dash ones', () => {
    // Arrange
    const doubleDash = runCli(
      [
        'render',
        '--name',
        'other-image',
        '--location',
        NEW_LOCATION,
        '--repo',
        'https://github.com/acme/other',
        '--description',
        'Another.',
      ],
      dir,
    );
    assert.equal(doubleDash.status, 0, doubleDash.stderr);
    assert.notEqual(doubleDash.stdout, defaultReadme, 'test setup: the flags change the README');

    for (const args of [
      ['-name', 'other-image', '-location', NEW_LOCATION, '-repo', 'https://github.com/acme/other', '-description', 'Another.'],
      ['-name=other-image', `-location=${NEW_LOCATION}`, '-repo=https://github.com/acme/other', '-description=Another.'],
    ]) {
      // Act
      const run = runCli(['render', ...args], dir);

      // Assert
      assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, doubleDash.stdout, args.join(' '));
    }
  });
});

/** The example's state plus tags the original tool's exclusions apply to. */
function stateWithExtraTags(): string {
  const state = JSON.parse(readFileSync(path.join(EXAMPLE_DIR, 'state.json'), 'utf8')) as { tags: { name: string }[] };
  const [latest] = state.tags;
  assert.ok(latest, 'test setup: the example state has a tag');
  state.tags.push({ ...latest, name: 'latest-glibc' }, { ...latest, name: 'migration' });
  state.tags.sort((a, b) => (a.name < b.name ? -1 : 1));
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** The original tool's CI step, as flags. */
const ORIGINAL_CI_FLAGS = [
  '--name',
  'other-image',
  '--location',
  NEW_LOCATION,
  '--repo',
  'https://github.com/acme/other',
  '--description',
  'Another description.',
  '--state',
  'state.json',
];

describe('without a config file, the original flags stand in for it', () => {
  test('the five flags plus --state render the distroless template with the original tool’s settings', (t) => {
    // Arrange: the equivalent config spells out what the original tool did implicitly.
    const flagsOnly = temporaryDirectory(t);
    writeFileSync(path.join(flagsOnly, 'state.json'), stateWithExtraTags());
    const withConfig = temporaryDirectory(t);
    writeFileSync(path.join(withConfig, 'state.json'), stateWithExtraTags());
    writeFileSync(
      path.join(withConfig, 'readme-gen.yaml'),
      [
        'name: other-image',
        `location: ${NEW_LOCATION}`,
        'repo: https://github.com/acme/other',
        'description: Another description.',
        'template: distroless',
        'ci-workflow: release.yaml',
        'built-with: [apko]',
        'exclude-tags: [latest-*, root-*, migration]',
        'wording:',
        '  generator: https://github.com/chainguard-images/readme-generator',
        '  signed-images: Chainguard Images',
        '',
      ].join('\n'),
    );

    // Act
    const run = runCli(['render', ...ORIGINAL_CI_FLAGS, '--exclude-tags', 'migration'], flagsOnly);
    const fromConfig = runCli(['render', '--state', 'state.json'], withConfig);

    // Assert
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.equal(fromConfig.status, 0, fromConfig.stderr);
    assert.equal(run.stdout, fromConfig.stdout);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], '# other-image');
    assert.ok(
      lines.includes('Note: Do NOT edit directly, this file was generated using https://github.com/chainguard-images/readme-generator'),
    );
    assert.ok(lines.includes('## Get It!'), 'the distroless template’s heading');
    assert.ok(lines.includes(`docker pull ${NEW_LOCATION}:latest`));
    assert.ok(lines.includes('All Chainguard Images are signed using [Sigstore](https://sigstore.dev)!'));
  });

  test('without --repo, no CI badge (its link would lead nowhere) and still the Build section', (t) => {
    // Arrange
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'state.json'), stateWithExtraTags());
    const withoutRepo = [...ORIGINAL_CI_FLAGS];
    withoutRepo.splice(withoutRepo.indexOf('--repo'), 2);
    const withRepo = runCli(['render', ...ORIGINAL_CI_FLAGS], dir);

    // Act
    const run = runCli(['render', ...withoutRepo], dir);

    // Assert
    assert.ok(!withoutRepo.includes('https://github.com/acme/other'), 'test setup: --repo and its value are left out');
    assert.equal(withRepo.status, 0, withRepo.stderr);
    assert.equal(run.status, 0, run.stderr);
    const badge =
      '[![CI status](https://github.com/acme/other/actions/workflows/release.yaml/badge.svg)](https://github.com/acme/other/actions/workflows/release.yaml)\n\n';
    assert.ok(withRepo.stdout.includes(badge), 'test setup: with --repo the badge is there');
    assert.equal(run.stdout, withRepo.stdout.replace(badge, ''));
    assert.ok(run.stdout.endsWith('\n## Build\n\nThis image is built with [apko](https://github.com/chainguard-dev/apko).\n\n'));
  });

  test('--exclude-tags migration leaves that tag out of the table', (t) => {
    // Arrange
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'state.json'), stateWithExtraTags());
    const tagCells = (readme: string) => readme.split('\n').filter((line) => line.startsWith('| `'));

    // Act
    const withoutFlag = runCli(['render', ...ORIGINAL_CI_FLAGS], dir);
    const withFlag = runCli(['render', ...ORIGINAL_CI_FLAGS, '--exclude-tags', 'migration'], dir);
    const withGoFlag = runCli(['render', ...ORIGINAL_CI_FLAGS, '-exclude-tags=migration'], dir);

    // Assert
    assert.equal(withoutFlag.status, 0, withoutFlag.stderr);
    assert.equal(withFlag.status, 0, withFlag.stderr);
    assert.match(tagCells(withoutFlag.stdout).join('\n'), /^\| `latest` `migration` \|/, 'shown when not excluded');
    assert.match(tagCells(withFlag.stdout).join('\n'), /^\| `latest` \|/, 'left out when excluded');
    assert.equal(withGoFlag.stdout, withFlag.stdout, 'the single-dash form excludes it too');
    for (const readme of [withoutFlag.stdout, withFlag.stdout]) {
      assert.doesNotMatch(readme, /latest-glibc/, 'latest-* is left out, as the original tool did');
    }
  });

  test('--name without --location: exit 2, one line naming --location', (t) => {
    // Arrange
    const dir = temporaryDirectory(t);
    writeFileSync(path.join(dir, 'state.json'), stateWithExtraTags());

    // Act
    const run = runCli(['render', '--name', 'other-image', '--state', 'state.json'], dir);

    // Assert
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^readme-gen: --location: required when there is no readme-gen\.yaml in \S+; pass both --name and --location/);
    assert.match(run.stderr, /^[^\n]+\n$/, 'exactly one line');
  });
});
