import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { GUARD_EXIT_CODE } from './loopback-guard.js';

/** The guard runCli loads: it must stop a connection that would leave the machine, and only that. */
function snapshotOf(t: Parameters<typeof temporaryDirectory>[0], host: string) {
  const dir = temporaryDirectory(t);
  writeFileSync(path.join(dir, 'readme-gen.yaml'), `name: app\nlocation: ${host}/acme/app\nstate: state.json\n`);
  return runCli(['snapshot', '--quiet', '--cache-dir', path.join(dir, 'cache')], dir);
}

test('a connection to a host that is not loopback ends readme-gen with exit 97, naming the host', (t) => {
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): even without the guard nothing would answer.
  const run = snapshotOf(t, '192.0.2.1:5000');
  assert.equal(run.status, GUARD_EXIT_CODE, run.stderr);
  assert.match(run.stderr, /loopback guard: this test process tried to connect to 192\.0\.2\.1; tests only talk to 127\.0\.0\.1/);
});

test('loopback, and names that never resolve, pass through to readme-gen’s own error (exit 3)', (t) => {
  for (const host of ['127.0.0.1:9', 'registry.invalid']) {
    const run = snapshotOf(t, host);
    assert.equal(run.status, 3, `${host}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /loopback guard/);
  }
});
