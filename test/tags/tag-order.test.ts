import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globMatches, isShownTag } from '../../src/tags/tag-filter.js';
import { compareTags } from '../../src/tags/tag-order.js';

describe('tag order', () => {
  test('latest, then versions newest and most specific first, then the rest by name', () => {
    const tags = ['edge', '1.2', 'v1.10.0', '1.2.3', 'latest', '1', '1.2.3-rc.1', 'dev', '1.9.9', '0.9'];
    assert.deepEqual([...tags].sort(compareTags), ['latest', 'v1.10.0', '1.9.9', '1.2.3', '1.2.3-rc.1', '1.2', '1', '0.9', 'dev', 'edge']);
  });

  test('is a total order: sorting twice, from any start, gives the same list', () => {
    const tags = ['b', 'a', '2', '10', 'latest', '2.0', 'v2'];
    const once = [...tags].sort(compareTags);
    assert.deepEqual([...tags].reverse().sort(compareTags), once);
  });
});

describe('tag filter', () => {
  test("always leaves out cosign's tags", () => {
    for (const tag of [`sha256-${'a'.repeat(64)}`, `sha256-${'a'.repeat(64)}.sig`, 'x.att', 'x.sbom', 'x.sig']) {
      assert.equal(isShownTag(tag, []), false, tag);
    }
    assert.equal(isShownTag('latest', []), true);
  });

  test('takes exact names and * ? globs', () => {
    assert.equal(isShownTag('latest-dev', ['latest-*']), false);
    assert.equal(isShownTag('latest', ['latest-*']), true);
    assert.equal(isShownTag('nightly', ['nightly']), false);
    assert.equal(globMatches('v?.0', 'v1.0'), true);
    assert.equal(globMatches('v?.0', 'v10.0'), false);
    assert.equal(globMatches('1.*', '1x2'), false, 'a dot in the pattern is a dot');
  });
});
