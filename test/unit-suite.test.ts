import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageFile } from '../src/package-root.js';
import { allTests, unitTests } from './unit-suite.js';

/**
 * What the unit set must not need, as the test-side code that needs it shows:
 * the program it names to spawn, or the bare repository a test pushes to.
 * Read in every test module a unit test reaches through its imports, so a
 * harness it uses counts (test/harness/registry-server.ts names docker-registry).
 */
const NEEDS: readonly (readonly [RegExp, string])[] = [
  [/['"]docker-registry['"]/, 'starts docker-registry'],
  [/['"]--bare['"]/, 'makes a git remote (a bare repository) to push to'],
  [/['"]pre-commit['"]/, 'runs pre-commit'],
  [/['"](npm|npx)['"]/, 'runs npm'],
];

/** Relative imports (static and dynamic) of a test-side module, as paths relative to test/. */
function testImports(file: string): string[] {
  const source = readFileSync(packageFile('test', file), 'utf8');
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g)]
    .map(([, specifier]) => path.normalize(path.join(path.dirname(file), specifier ?? '')).replace(/\.js$/, '.ts'))
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
      const source = readFileSync(packageFile('test', module), 'utf8');
      for (const [pattern, need] of NEEDS) {
        assert.doesNotMatch(
          source,
          pattern,
          `test/${module}, reached from test/${file}, ${need}: take test/${file} out of UNIT_TESTS in test/unit-suite.ts`,
        );
      }
    }
  }
});

test('the check sees the tests that do: each need is found from one of the other tests', () => {
  const unit = new Set(unitTests());
  const reached = new Set(
    allTests()
      .filter((file) => !unit.has(file))
      .flatMap((file) => [...reachedFrom(file)]),
  );
  const sources = [...reached].map((module) => readFileSync(packageFile('test', module), 'utf8'));
  for (const [pattern, need] of NEEDS)
    assert.ok(
      sources.some((source) => pattern.test(source)),
      `no test ${need}`,
    );
});
