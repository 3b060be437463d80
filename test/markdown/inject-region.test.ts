/**
 * applyToReadme against the golden cases in fixtures/inject/<case>/:
 *   input.md   the README on disk before (absent: there is no file yet)
 *   output.md  the file readme-gen should write, byte for byte, or
 *   error.txt  the one-line message of the InputError it should throw.
 * The generated README injected in every case is fixtures/inject/generated.md.
 *
 * Golden files are produced by the code, never by hand: run with
 * UPDATE_GOLDEN=1 to (re)write them, then read every changed file before
 * committing it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { END_MARKER, START_MARKER, applyToReadme } from '../../src/markdown/inject-region.js';
import { packageFile } from '../../src/package-root.js';

const FIXTURES = packageFile('fixtures', 'inject');
const UPDATE_GOLDEN = process.env['UPDATE_GOLDEN'] === '1';
const LABEL = 'README.md';

const generated = readFileSync(path.join(FIXTURES, 'generated.md'), 'utf8');

const cases = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** What applyToReadme does with the input: the text it returns, or the message of the InputError it throws. */
function outcome(input: string | undefined): { output: string } | { error: string } {
  try {
    return { output: applyToReadme(input, generated, LABEL) };
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    throw error;
  }
}

describe('applyToReadme golden cases (fixtures/inject)', () => {
  test('the fixture set is there: generated.md holds a heading and a GFM table, and every case is found', () => {
    assert.match(generated, /^## /m);
    assert.match(generated, /^\|[-| ]+\|$/m);
    assert.ok(generated.endsWith('\n'));
    assert.ok(cases.length >= 15, `expected at least 15 cases in ${FIXTURES}, found ${cases.length}`);
  });

  for (const name of cases) {
    test(name, () => {
      // Arrange
      const dir = path.join(FIXTURES, name);
      const outputFile = path.join(dir, 'output.md');
      const errorFile = path.join(dir, 'error.txt');
      const input = readIfExists(path.join(dir, 'input.md'));

      // Act
      const actual = outcome(input);

      // Assert (or record, under UPDATE_GOLDEN=1)
      if (UPDATE_GOLDEN) {
        rmSync(outputFile, { force: true });
        rmSync(errorFile, { force: true });
        if ('output' in actual) writeFileSync(outputFile, actual.output);
        else writeFileSync(errorFile, `${actual.error}\n`);
        return;
      }
      const expectedOutput = readIfExists(outputFile);
      const expectedError = readIfExists(errorFile);
      assert.ok(
        expectedOutput !== undefined || expectedError !== undefined,
        `${dir} has neither output.md nor error.txt; run the test with UPDATE_GOLDEN=1 to generate it, then read it`,
      );
      assert.ok(expectedOutput === undefined || expectedError === undefined, `${dir} has both output.md and error.txt; keep one`);
      if (expectedError !== undefined) {
        assert.deepEqual(actual, { error: expectedError.replace(/\n$/, '') });
      } else {
        assert.deepEqual(actual, { output: expectedOutput });
      }
    });
  }
});

describe('applyToReadme properties', () => {
  const caseInput = (name: string): string => readFileSync(path.join(FIXTURES, name, 'input.md'), 'utf8');

  test('applying twice gives the same bytes as applying once', () => {
    for (const name of ['markers-with-old-content', 'empty-region', 'crlf', 'no-trailing-newline', 'utf8-bom', 'no-markers']) {
      // Arrange
      const once = applyToReadme(caseInput(name), generated, LABEL);

      // Act
      const twice = applyToReadme(once, generated, LABEL);

      // Assert
      assert.equal(twice, once, `${name}: a second run changed the file`);
    }
  });

  test('no file and a file without markers both become the generated README as it is', () => {
    assert.equal(applyToReadme(undefined, generated, LABEL), generated);
    assert.equal(applyToReadme(caseInput('no-markers'), generated, LABEL), generated);
  });

  test('the bytes up to the start marker line and from the end marker line on are kept', () => {
    for (const name of ['markers-with-old-content', 'empty-region', 'crlf', 'no-trailing-newline', 'utf8-bom']) {
      // Arrange
      const input = caseInput(name);
      const head = input.slice(0, input.indexOf('\n', input.indexOf(START_MARKER)) + 1);
      const tail = input.slice(input.lastIndexOf('\n', input.indexOf(END_MARKER)) + 1);

      // Act
      const output = applyToReadme(input, generated, LABEL);

      // Assert
      assert.ok(output.startsWith(head), `${name}: the text before the region changed`);
      assert.ok(output.endsWith(tail), `${name}: the text after the region changed`);
      assert.ok(output.includes('| `latest` |'), `${name}: the generated table is not in the region`);
    }
  });

  test('a CRLF file gets CRLF on every line, the injected region included', () => {
    const output = applyToReadme(caseInput('crlf'), generated, LABEL);

    assert.doesNotMatch(output, /(^|[^\r])\n/, 'a bare LF in the output');
    assert.ok(output.includes('| `latest` |'));
  });

  test('a byte order mark stays the first character, and the region is set off by exactly one blank line each side', () => {
    const output = applyToReadme(caseInput('utf8-bom'), generated, LABEL);

    assert.ok(output.startsWith('\uFEFF# My image\n'));
    assert.ok(output.includes(`${START_MARKER}\n\n## Tags\n`));
    assert.ok(output.includes(`Generated by readme-gen.\n\n${END_MARKER}\nFooter`));
  });

  test('an error names the file and the line of the offending marker', () => {
    const input = 'Intro.\n\n<!-- readme-gen:start -->\n\ntext\n';

    assert.throws(
      () => applyToReadme(input, generated, 'docs/README.md'),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /^docs\/README\.md:3: /);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
  });
});
