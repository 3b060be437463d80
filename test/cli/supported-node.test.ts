import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import { isSupportedNode } from '../../src/cli/supported-node.js';

test('the supported releases are those of engines: ^22.22.2 || >=24.15.0', () => {
  for (const version of ['22.22.2', 'v22.23.5', '22.30.0', '24.15.0', '24.21.0', '25.0.0', '26.10.0']) assert.ok(isSupportedNode(version), version);
  for (const version of ['20.20.0', '22.22.1', '22.9.0', '23.11.0', '24.14.1', '18.20.8']) assert.ok(!isSupportedNode(version), version);
});

test('engines in package.json says the same', () => {
  const { engines } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(engines.node, '^22.22.2 || >=24.15.0');
});

test('on an unsupported Node the command says which Node it needs and exits 2', { skip: existsSync('/usr/bin/node') ? false : 'no system node to try' }, (t) => {
  const system = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (isSupportedNode(system)) return t.skip(`the system node (${system}) is supported`);
  const run = spawnSync('/usr/bin/node', [packageFile('dist', 'src', 'cli', 'bin.js'), '--version'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, new RegExp(`^readme-gen: needs Node\\.js 22\\.22\\.2 or a later 22\\.x, or 24\\.15 or later; this is ${system.replace(/\./g, '\\.')} \\(/usr/bin/node\\)`));
});
