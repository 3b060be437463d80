/**
 * The build compiles every shipped template and partial ahead of time
 * (scripts/precompile-templates.ts); render uses a precompiled one only for
 * the exact source it was made from. Whether the precompiled specs render
 * what compiling does is what every golden and corpus test checks, since
 * they now render through them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPrecompiled } from '../../src/render/render-template.js';
import { BUILT_IN_TEMPLATES, loadTemplateSet } from '../../src/render/template-set.js';

for (const template of BUILT_IN_TEMPLATES) {
  test(`the build precompiled the ${template} template and every built-in partial`, () => {
    const set = loadTemplateSet(template);
    assert.equal(isPrecompiled(set.source), true, `template ${template}`);
    for (const [name, source] of set.partials) assert.equal(isPrecompiled(source), true, `partial ${name}`);
  });
}

test('a source edited after the build is not taken for the shipped one', () => {
  const { source } = loadTemplateSet('default');
  assert.equal(isPrecompiled(`${source} `), false);
});
