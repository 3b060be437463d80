import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { isSupportedNode } from '../../src/cli/supported-node.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';

test('the supported releases are those of engines: ^22.22.2 || >=24.15.0', () => {
  for (const version of ['22.22.2', 'v22.23.5', '22.30.0', '24.15.0', '24.21.0', '25.0.0', '26.10.0'])
    assert.ok(isSupportedNode(version), version);
  for (const version of ['20.20.0', '22.22.1', '22.9.0', '23.11.0', '24.14.1', '18.20.8']) assert.ok(!isSupportedNode(version), version);
});

test('engines in package.json says the same', () => {
  const { engines } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(engines.node, '^22.22.2 || >=24.15.0');
});

const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const unsupportedSystemNode =
  systemVersion === ''
    ? 'no system node to try'
    : isSupportedNode(systemVersion)
      ? `the system node (${systemVersion}) is supported`
      : false;

test(
  'on an unsupported Node, an installed readme-gen (no Node of its own) says which Node it needs and exits 2',
  { skip: unsupportedSystemNode },
  (t) => {
    // The package as npm installs it: dist/ without this checkout's node_modules.
    const installed = temporaryDirectory(t);
    cpSync(packageFile('dist', 'src', 'cli'), path.join(installed, 'dist', 'src', 'cli'), { recursive: true });
    writeFileSync(path.join(installed, 'package.json'), '{"type":"module"}\n');
    const run = runCli(['--version'], process.cwd(), {}, { node: SYSTEM_NODE, bin: path.join(installed, 'dist', 'src', 'cli', 'bin.js') });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      new RegExp(
        `^readme-gen: needs Node\\.js 22\\.22\\.2 or a later 22\\.x, or 24\\.15 or later; this is ${systemVersion.replace(/\./g, '\\.')} \\(/usr/bin/node\\)`,
      ),
    );
  },
);

test(
  'on an unsupported Node, this checkout runs on the Node it brings: the bundled example renders byte for byte',
  { skip: unsupportedSystemNode },
  () => {
    const run = runCli(['render', '--config', 'fixtures/glibc-dynamic/readme-gen.yaml'], packageFile(), {}, { node: SYSTEM_NODE });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, readFileSync(packageFile('fixtures', 'corpus', '006-4675c89', 'expected.md'), 'utf8'));
  },
);
