import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type CommandInvocation, parseCommandLine } from '../../src/cli/args.js';
import { COMMANDS, COMMAND_NAMES, FLAGS, flagsOf } from '../../src/cli/flags.js';
import { DEFAULT_TOKEN_ENV } from '../../src/cli/run-pr.js';
import { DEFAULT_BRANCH } from '../../src/commands/pr.js';
import { DEFAULT_CONFIG_FILE } from '../../src/config/discover-configs.js';
import { DEFAULT_OUTPUT_FILE, loadConfig, signatureSettingsFromFlags } from '../../src/config/load-config.js';
import type { OverridableKey, ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { DEFAULT_HTTP_OPTIONS } from '../../src/http/http-client.js';
import { DEFAULT_API_URL } from '../../src/integrations/github.js';
import { packageFile } from '../../src/package-root.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { fileStamps } from '../reliability/invariants.js';

/**
 * One table (src/cli/flags.ts) declares every flag: which commands take it,
 * its help, its default and the config key it overrides. These tests hold the
 * parser, the help and the overrides to that table.
 */

const flagNames = [...new Set(FLAGS.map((flag) => flag.name))];
const owners = (name: string) => COMMAND_NAMES.filter((command) => flagsOf(command).some((flag) => flag.name === name));

/** A config and state that render offline; its registry is a closed loopback port, so nothing could leave this machine. */
function workspace(t: Parameters<typeof temporaryDirectory>[0]): string {
  const dir = temporaryDirectory(t);
  const fixture = packageFile('fixtures', 'multi-arch');
  for (const file of ['state.json', 'USAGE.md']) cpSync(path.join(fixture, file), path.join(dir, file));
  const config = readFileSync(path.join(fixture, 'readme-gen.yaml'), 'utf8')
    .replace(/^location: .*$/m, 'location: 127.0.0.1:1/acme/glibc-dynamic')
    .replace(/^output: .*$/m, 'output: README.md');
  writeFileSync(path.join(dir, 'readme-gen.yaml'), config);
  return dir;
}

function invocation(argv: string[]): CommandInvocation {
  const parsed = parseCommandLine(argv);
  assert.ok(parsed.command !== 'help' && parsed.command !== 'version', `${argv.join(' ')} is a command`);
  return parsed;
}

describe('the flag table', () => {
  test('a name has one type, one short form and one multiplicity; short forms are unique', () => {
    for (const name of flagNames) {
      const entries = FLAGS.filter((flag) => flag.name === name);
      assert.equal(new Set(entries.map((flag) => `${flag.type} ${flag.short} ${flag.multiple}`)).size, 1, `--${name}`);
      const commands = entries.flatMap((flag) => flag.commands);
      assert.equal(new Set(commands).size, commands.length, `--${name} has one meaning per command`);
    }
    const shorts = FLAGS.filter((flag) => flag.short !== undefined).map((flag) => `${flag.short} ${flag.name}`);
    assert.equal(new Set(shorts.map((entry) => entry.split(' ')[0])).size, new Set(shorts).size);
  });

  test('the defaults help shows are the ones the code uses', () => {
    const defaultOf = (name: string) => FLAGS.find((flag) => flag.name === name)?.default;
    assert.equal(defaultOf('concurrency'), `${DEFAULT_HTTP_OPTIONS.concurrency} on HTTP/1.1, ${DEFAULT_HTTP_OPTIONS.streams} on HTTP/2`);
    assert.equal(defaultOf('timeout'), String(DEFAULT_HTTP_OPTIONS.timeoutMs / 1000));
    assert.equal(defaultOf('branch'), DEFAULT_BRANCH);
    assert.equal(defaultOf('token-env'), DEFAULT_TOKEN_ENV);
    assert.match(defaultOf('api-url') ?? '', new RegExp(`else ${DEFAULT_API_URL.replace(/\./g, '\\.')}$`));
    assert.equal(defaultOf('config'), DEFAULT_CONFIG_FILE);
    assert.equal(defaultOf('output'), DEFAULT_OUTPUT_FILE);
  });
});

describe('each command takes exactly its own flags', () => {
  test('every command refuses every flag of another command, naming the command it belongs to; nothing is written', (t) => {
    const dir = workspace(t);
    const before = fileStamps(dir);
    let runs = 0;
    for (const command of COMMAND_NAMES) {
      for (const name of flagNames.filter((flag) => !owners(flag).includes(command))) {
        const type = FLAGS.find((flag) => flag.name === name)?.type;
        const args = [command, ...(command === 'verify' ? ['README.md'] : []), `--${name}`, ...(type === 'string' ? ['x'] : [])];
        const run = runCli(args, dir);
        const names = owners(name);
        const owner = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
        const expected = `readme-gen: --${name} is a flag of readme-gen ${owner}, not of readme-gen ${command}; see readme-gen ${command} --help\n`;
        assert.deepEqual([run.status, run.stderr, run.stdout], [2, expected, ''], args.join(' '));
        runs++;
      }
    }
    assert.ok(runs > 40, `${runs} refusals checked`);
    assert.deepEqual(fileStamps(dir), before);
  });

  test('a short flag of another command is refused under both its names', (t) => {
    const run = runCli(['snapshot', '-w'], workspace(t));
    assert.equal(run.status, 2);
    assert.equal(
      run.stderr,
      'readme-gen: -w (--write) is a flag of readme-gen render, not of readme-gen snapshot; see readme-gen snapshot --help\n',
    );
  });

  test('a flag several other commands share names them all', (t) => {
    const dir = workspace(t);
    assert.equal(
      runCli(['verify', 'README.md', '--concurrency', '4'], dir).stderr,
      'readme-gen: --concurrency is a flag of readme-gen render, snapshot and pr, not of readme-gen verify; see readme-gen verify --help\n',
    );
    assert.equal(
      runCli(['snapshot', '--key', 'cosign.pub'], dir).stderr,
      'readme-gen: --key is a flag of readme-gen render, verify and pr, not of readme-gen snapshot; see readme-gen snapshot --help\n',
    );
  });

  test('a flag no command has is an unknown flag, with the nearest flag of the command; an unknown command lists the commands', (t) => {
    const dir = workspace(t);
    assert.deepEqual(
      [
        runCli(['verify', 'README.md', '--colour'], dir).stderr,
        runCli(['pr', '--dryrun'], dir).stderr,
        runCli(['rendre'], dir).stderr,
        runCli(['bake'], dir).stderr,
      ],
      [
        'readme-gen: unknown flag --colour; see readme-gen verify --help\n',
        'readme-gen: unknown flag --dryrun; did you mean --dry-run?; see readme-gen pr --help\n',
        'readme-gen: unknown command "rendre"; did you mean render? the commands are: render, snapshot, verify, pr (readme-gen --help lists them)\n',
        'readme-gen: unknown command "bake"; the commands are: render, snapshot, verify, pr (readme-gen --help lists them)\n',
      ],
    );
  });
});

describe('help', () => {
  test('readme-gen --help lists the commands and how to get theirs', (t) => {
    const run = runCli(['--help'], workspace(t));
    assert.equal(run.status, 0);
    const lines = run.stdout.split('\n');
    for (const command of COMMANDS)
      assert.ok(
        lines.some((line) => line.startsWith(`  ${command.name} `) && line.trimEnd().endsWith(` ${command.brief}`)),
        command.name,
      );
    assert.match(run.stdout, /readme-gen COMMAND --help shows a command's flags/);
  });

  for (const command of COMMANDS) {
    test(`readme-gen ${command.name} --help: its synopsis, exactly its flags with defaults and config keys, examples`, (t) => {
      const dir = workspace(t);
      const run = runCli([command.name, '--help'], dir);
      assert.equal(run.status, 0, run.stderr);
      assert.ok(run.stdout.startsWith(`Usage: ${command.synopsis}\n`));
      const flagLine = (name: string) => new RegExp(`^ {2}(-\\w, | {4})--${name}\\b`, 'm');
      for (const name of flagNames)
        assert.equal(flagLine(name).test(run.stdout), owners(name).includes(command.name), `--${name} in ${command.name} --help`);
      for (const flag of flagsOf(command.name)) {
        // The help text is wrapped; compare it with whitespace folded.
        const text = run.stdout.replace(/\s+/g, ' ');
        if (flag.default !== undefined) assert.ok(text.includes(`default: ${flag.default}`), `--${flag.name}'s default`);
        if (flag.configKey !== undefined) assert.ok(text.includes(`config: ${flag.configKey})`), `--${flag.name}'s config key`);
      }
      for (const example of command.examples) assert.ok(run.stdout.includes(`\n  ${example.command}\n`), example.command);
      assert.equal(runCli(['help', command.name], dir).stdout, run.stdout, 'readme-gen help COMMAND is the same text');
    });
  }
});

/** A valid value for each config key a flag can set, and where the resolved config holds it. */
const OVERRIDES: Record<
  OverridableKey,
  { value: string; resolved: (config: ResolvedConfig, cwd: string) => unknown; expected?: (cwd: string) => unknown }
> = {
  name: { value: 'other', resolved: (c) => c.name },
  location: { value: 'registry.example.com/acme/other', resolved: (c) => c.location },
  repo: { value: 'https://github.com/acme/other', resolved: (c) => c.repo },
  description: { value: 'Another image.', resolved: (c) => c.description },
  'exclude-tags': { value: 'nightly, *-rc*', resolved: (c) => c.excludeTags, expected: () => ['nightly', '*-rc*'] },
  template: { value: 'distroless', resolved: (c) => c.template },
  output: { value: 'docs/README.md', resolved: (c) => c.outputPath, expected: (cwd) => path.join(cwd, 'docs', 'README.md') },
  state: { value: 'other-state.json', resolved: (c) => c.statePath, expected: (cwd) => path.join(cwd, 'other-state.json') },
  key: { value: 'cosign.pub', resolved: (c) => c.keyPath, expected: (cwd) => path.join(cwd, 'cosign.pub') },
  'trusted-root': { value: 'root.json', resolved: (c) => c.trustedRootPath, expected: (cwd) => path.join(cwd, 'root.json') },
  'tuf-mirror': { value: 'https://tuf.example.com/repo', resolved: (c) => c.tufMirror },
  'tuf-root': { value: 'tuf-root.json', resolved: (c) => c.tufRootPath, expected: (cwd) => path.join(cwd, 'tuf-root.json') },
  'identity.certificate-identity': {
    value: 'https://github.com/acme/other/.github/workflows/release.yaml@refs/heads/main',
    resolved: (c) => c.identity.certificateIdentity,
  },
  'identity.certificate-identity-regexp': { value: '^https://github\\.com/acme/', resolved: (c) => c.identity.certificateIdentityRegexp },
  'identity.certificate-oidc-issuer': {
    value: 'https://token.actions.githubusercontent.com',
    resolved: (c) => c.identity.certificateOidcIssuer,
  },
  'identity.certificate-oidc-issuer-regexp': { value: '^https://token\\.', resolved: (c) => c.identity.certificateOidcIssuerRegexp },
};

describe('flags override the config key the table names', () => {
  for (const flag of FLAGS.filter((entry) => entry.configKey !== undefined)) {
    test(`--${flag.name} sets ${flag.configKey}`, (t) => {
      const dir = workspace(t);
      const override = OVERRIDES[flag.configKey as OverridableKey];
      const expected = override.expected?.(dir) ?? override.value;
      for (const command of flag.commands) {
        const { overrides } = invocation([command, ...(command === 'verify' ? ['README.md'] : []), `--${flag.name}`, override.value]);
        if (command === 'verify') {
          // verify without --all has no config: the flags are its policy, key and trusted root.
          const settings = signatureSettingsFromFlags(dir, overrides);
          const config = {
            identity: settings.identity,
            keyPath: settings.keyPath,
            trustedRootPath: settings.trustedRootPath,
            tufMirror: settings.tufMirror,
          } as ResolvedConfig;
          assert.deepEqual(override.resolved(config, dir), expected, `verify --${flag.name}`);
        } else {
          assert.deepEqual(override.resolved(loadConfig({ cwd: dir, overrides }), dir), expected, `${command} --${flag.name}`);
        }
      }
    });
  }
});
