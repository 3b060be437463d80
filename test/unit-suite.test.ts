import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageFile } from '../src/package-root.js';
import { allTests, unitTests } from './unit-suite.js';

/** Test-side modules that start what the unit set must not need. */
const SERVICES: Record<string, string> = {
  'harness/registry-server.ts': 'starts docker-registry',
  'harness/github-server.ts': 'serves a git remote',
  'harness/composite-action.ts': 'runs the GitHub Action against a registry and a git remote',
};

/** Programs a unit test must not run itself, quoted as a spawn would name them. */
const PROGRAMS = /'(pre-commit|npm|npx|docker-registry)'/;

/** Relative imports (static and dynamic) of a test-side module, as paths relative to test/. */
function testImports(file: string): string[] {
  const source = readFileSync(packageFile('test', file), 'utf8');
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g)]
    .map(([, specifier]) => path.normalize(path.join(path.dirname(file), specifier)).replace(/\.js$/, '.ts'))
    .filter((imported) => !imported.startsWith('..'));
}

/** `file` and every test-side module it reaches through imports. */
function reachedFrom(file: string): Set<string> {
  const reached = new Set<string>();
  const pending = [file];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (reached.has(next)) continue;
    reached.add(next);
    pending.push(...testImports(next));
  }
  return reached;
}

test('the unit set is some of the tests, and none it names is missing', () => {
  const all = new Set(allTests());
  const unit = unitTests();
  assert.ok(unit.length > 0);
  for (const file of unit) assert.ok(all.has(file), `test/${file} is in the unit set but is not a test file`);
  assert.ok(unit.length < all.size, 'the unit set is not the whole suite');
});

test('no test in the unit set starts a registry, a git remote, pre-commit or npm', () => {
  for (const file of unitTests()) {
    for (const module of reachedFrom(file)) {
      const service = SERVICES[module];
      assert.equal(
        service,
        undefined,
        `test/${file} reaches test/${module}, which ${service}: take it out of UNIT_TESTS in test/unit-suite.ts`,
      );
      const program = PROGRAMS.exec(readFileSync(packageFile('test', module), 'utf8'));
      assert.ok(
        program === null,
        `test/${module} (reached from test/${file}) runs ${program?.[1]}: take test/${file} out of UNIT_TESTS in test/unit-suite.ts`,
      );
    }
  }
});

test('the check sees the tests that do need a service: each service is reached from one of the others', () => {
  const unit = new Set(unitTests());
  const others = allTests().filter((file) => !unit.has(file));
  for (const service of Object.keys(SERVICES))
    assert.ok(
      others.some((file) => reachedFrom(file).has(service)),
      `no test reaches test/${service}`,
    );
  assert.ok(
    others.some((file) => PROGRAMS.test(readFileSync(packageFile('test', file), 'utf8'))),
    'no test runs pre-commit or npm',
  );
});
