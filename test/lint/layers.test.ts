/**
 * The layer, cycle and resolution rules of eslint/layers.js, run through
 * ESLint's Node API over fixtures/lint: a miniature src/ whose files break
 * them on purpose, each beside the .expected.json of what ESLint must report.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { packageFile } from '../../src/package-root.js';

interface Reported {
  ruleId: string | null;
  line: number;
  message: string;
}

const FIXTURES = packageFile('fixtures', 'lint');

const results = await new ESLint({ cwd: FIXTURES, overrideConfigFile: path.join(FIXTURES, 'eslint.config.js') }).lintFiles(['src', 'test']);
const reported = new Map(
  results.map((result) => [
    path.relative(FIXTURES, result.filePath),
    result.messages.map(({ ruleId, line, message }): Reported => ({ ruleId, line, message })),
  ]),
);

/** What the fixture's .expected.json says ESLint reports for it; no such file: nothing. */
function expectedFor(file: string): Reported[] {
  const expected = path.join(FIXTURES, file.replace(/\.ts$/, '.expected.json'));
  return existsSync(expected) ? (JSON.parse(readFileSync(expected, 'utf8')) as Reported[]) : [];
}

test('every fixture reports exactly what its .expected.json says', () => {
  assert.ok(reported.size >= 10, `linted ${reported.size} fixture files`);
  for (const [file, messages] of reported) assert.deepEqual(messages, expectedFor(file), file);
});

/** The rule and message ESLint reported for one fixture's single problem. */
function only(file: string): Reported {
  const [first, ...more] = reported.get(file) ?? [];
  assert.ok(first !== undefined && more.length === 0, `${file}: expected one problem, got ${JSON.stringify(reported.get(file))}`);
  return first;
}

test('an upward import is rejected, naming both folders and their layers', () => {
  assert.deepEqual(only('src/registry/upward.ts'), {
    ruleId: 'import-x/no-restricted-paths',
    line: 2,
    message:
      'Unexpected path "../config/config.js" imported in restricted zone. src/registry (layer 3) may not import src/config (layer 6, above it): a folder imports only from itself and lower layers (eslint/layers.js)',
  });
  assert.match(
    only('src/signatures/type-only.ts').message,
    /src\/signatures \(layer 3\) may not import src\/config \(layer 6, above it\)/,
    'a type-only import too',
  );
  assert.match(
    only('src/errors.ts').message,
    /src\/errors\.ts \(layer 0\) may not import src\/text \(layer 1, above it\)/,
    'errors.ts is at the bottom',
  );
});

test('an import between peers of one layer is rejected', () => {
  assert.deepEqual(only('src/registry/peer.ts'), {
    ruleId: 'import-x/no-restricted-paths',
    line: 2,
    message:
      'Unexpected path "../signatures/signature.js" imported in restricted zone. src/registry (layer 3) may not import src/signatures (layer 3, the same layer): a folder imports only from itself and lower layers (eslint/layers.js)',
  });
});

test('a cycle is rejected in each module on it, though the layers allow each import', () => {
  for (const file of ['src/state/first.ts', 'src/state/second.ts']) assert.equal(only(file).ruleId, 'import-x/no-cycle', file);
  assert.equal(only('src/state/first.ts').message, 'Dependency cycle detected');
});

test('downward imports pass, and an import the layer rule could not resolve is an error of its own', () => {
  assert.deepEqual(reported.get('src/config/config.ts'), []);
  assert.deepEqual(only('src/text/unresolved.ts'), {
    ruleId: 'import-x/no-unresolved',
    line: 2,
    message: "Unable to resolve path to module './nowhere.js'.",
  });
});

test("README.md's layer table is eslint/layers.js's", async () => {
  const { LAYERS } = (await import(pathToFileURL(packageFile('eslint', 'layers.js')).href)) as { LAYERS: string[][] };
  const readme = readFileSync(packageFile('README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Layers'), readme.indexOf('### Lint, format and tests'));
  const rows = [...section.matchAll(/^\| (\d) \| (.+) \|$/gm)].map(([, layer, entries]) => ({
    layer: Number(layer),
    entries: [...(entries ?? '').matchAll(/`([^`]+)`/g)].map(([, entry]) => entry),
  }));
  assert.deepEqual(
    rows,
    LAYERS.map((entries, index) => ({ layer: LAYERS.length - 1 - index, entries })),
  );
});
