import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unifiedDiff } from '../../src/diff/unified-diff.js';

describe('unifiedDiff', () => {
  test('equal texts give an empty string', () => {
    const text = '# Title\n\nBody.\n';

    const diff = unifiedDiff('README.md', text, text);

    assert.equal(diff, '');
  });

  test('a changed line is one hunk: the old line with -, the new with +, three lines of context', () => {
    const before = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';
    const after = 'one\ntwo\nthree\nFOUR\nfive\nsix\nseven\n';

    const diff = unifiedDiff('README.md', before, after);

    assert.ok(diff.includes('@@ -1,7 +1,7 @@\n one\n two\n three\n-four\n+FOUR\n five\n six\n seven\n'), diff);
    assert.ok(diff.endsWith('seven\n'));
  });

  test("the file names carry git's a/ and b/ prefixes", () => {
    const diff = unifiedDiff('docs/README.md', 'a\n', 'b\n');

    assert.match(diff, /^--- a\/docs\/README\.md$/m);
    assert.match(diff, /^\+\+\+ b\/docs\/README\.md$/m);
  });

  // jsdiff 9 prints no "Index:" line when the two names differ, only a "=====" rule.
  test('a diff starts with the --- a/NAME and +++ b/NAME lines, as git prints it', () => {
    const diff = unifiedDiff('README.md', 'old\n', 'new\n');

    assert.ok(diff.startsWith('--- a/README.md\n+++ b/README.md\n@@ '), JSON.stringify(diff.slice(0, 80)));
  });
});
