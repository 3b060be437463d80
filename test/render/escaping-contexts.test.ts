import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { renderTemplate } from '../../src/render/render-template.js';

/** A template of its own, with `partials`, rendered in process. */
function render(source: string, view: object, partials: Record<string, string> = {}): string {
  return renderTemplate(
    { label: 'test.hbs', builtIn: false, source, partials: new Map(Object.entries(partials)), partialLabels: new Map() },
    view,
  );
}

/** What GitHub's parser reads from `markdown`: each code span's and code block's value, and the text. */
function read(markdown: string): { code: string[]; blocks: string[]; text: string } {
  const nodes = [...walk(parseMarkdown(markdown))];
  return {
    code: nodes.flatMap((node) => (node.type === 'inlineCode' ? [node.value] : [])),
    blocks: nodes.flatMap((node) => (node.type === 'code' ? [node.value] : [])),
    text: nodes.flatMap((node) => (node.type === 'text' ? [node.value] : [])).join(''),
  };
}

const VALUE = `a&b <c> "d" 'e' =f`;

describe('one escaping rule per context', () => {
  test('prose: {{x}} is HTML-escaped, and reads as the value', () => {
    const markdown = render('Value: {{x}}\n', { x: VALUE });
    assert.equal(markdown, 'Value: a&amp;b &lt;c&gt; &quot;d&quot; &#x27;e&#x27; &#x3D;f\n');
    assert.equal(read(markdown).text, `Value: ${VALUE}`);
  });

  test('a code span: {{x}} is shown as it is, not as &amp;', () => {
    const markdown = render('Run `tool {{x}}` now\n', { x: VALUE });
    assert.equal(markdown, `Run \`tool ${VALUE}\` now\n`);
    assert.deepEqual(read(markdown).code, [`tool ${VALUE}`]);
  });

  test('a fenced block: {{x}} is shown as it is, in backtick and tilde fences', () => {
    for (const fence of ['```', '~~~~']) {
      const markdown = render(`${fence}sh\ndocker pull {{x}}\n${fence}\n\nAfter: {{x}}\n`, { x: VALUE });
      assert.deepEqual(read(markdown).blocks, [`docker pull ${VALUE}`], fence);
      assert.match(markdown, /After: a&amp;b/, 'prose after the fence is escaped again');
    }
  });

  test('a multi-line value in a fence keeps its lines', () => {
    const markdown = render('```\n{{x}}\n```\n', { x: 'one & two\n  three <4>' });
    assert.deepEqual(read(markdown).blocks, ['one & two\n  three <4>']);
  });

  test("a code span in a table row: a value's pipe is escaped, so the row keeps its cells", () => {
    const markdown = render('| A | B |\n| - | - |\n{{#each rows}}\n| `{{this}}` | x |\n{{/each}}\n', { rows: ['a|b&c'] });
    assert.equal(markdown.split('\n')[2], '| `a\\|b&c` | x |');
    assert.deepEqual(read(markdown).code, ['a|b&c']);
  });

  test('a code span in prose: a pipe is left as it is', () => {
    assert.equal(render('`{{x}}`\n', { x: 'a|b' }), '`a|b`\n');
  });

  test('control characters in a code span are made visible, not line ends', () => {
    assert.equal(render('`{{x}}`\n', { x: 'a\nb\u001b' }), '`a\uFFFDb\uFFFD`\n');
  });

  test('an escaped backtick opens no code span, so what follows is prose', () => {
    assert.equal(render('\\`{{x}}\n', { x: '<b>' }), '\\`&lt;b&gt;\n');
  });

  test('a double-backtick span holds single backticks of the template', () => {
    assert.deepEqual(read(render('``a ` {{x}}``\n', { x: '&' })).code, ['a ` &']);
  });

  test('a span opened inside {{#if}} continues after the block', () => {
    assert.equal(render('{{#if on}}`{{/if}}{{x}}`\n', { on: true, x: '&' }), '`&`\n');
  });

  test('a code span in the content of a partial block, and in a partial, is code too', () => {
    const partials = { box: '> {{> @partial-block}}\n', pull: '`docker pull {{x}}`' };
    assert.equal(render('{{#> box}}`{{x}}`{{/box}}{{> pull}}\n', { x: '&' }, partials), '> `&`\n`docker pull &`\n');
  });

  test('{{{x}}} stays raw and a helper call in code is not HTML-escaped', () => {
    assert.equal(render('`{{{x}}}` `{{lookup this "x"}}`\n', { x: '&' }), '`&` `&`\n');
  });

  test('a value with a backtick in a code span is refused, naming the line and the helper that fits', () => {
    assert.throws(
      () => render('# Title\n\nPull `{{x}}` now\n', { x: 'a`b' }),
      (error: unknown) =>
        error instanceof InputError &&
        /^template test\.hbs, line 3:6: \{\{x\}\} holds a backtick, .*; write \{\{code x\}\} instead of `\{\{x\}\}`$/.test(error.message),
    );
  });

  test('a value that would close the fence is refused, pointing at {{fence}}', () => {
    assert.throws(
      () => render('```\n{{x}}\n```\n', { x: 'a\n```\nb' }),
      (error: unknown) =>
        error instanceof InputError && /line 2:0: \{\{x\}\} holds a line that would close .*\{\{fence x\}\}/.test(error.message),
    );
  });

  test('a field a config key sets is named by that key in code too', () => {
    const settings = { source: 'readme-gen.yaml', keyOf: new Map([['ciWorkflow', 'ci-workflow']]) };
    const set = { label: 'test.hbs', builtIn: false, source: 'Badge: `{{ciWorkflow}}`\n', partials: new Map(), partialLabels: new Map() };
    assert.throws(
      () => renderTemplate(set, {}, settings),
      (error: unknown) =>
        error instanceof InputError && error.message === 'template test.hbs, line 1:8: ci-workflow is not set; set it in readme-gen.yaml',
    );
  });

  test('a field that is not set is still an error in code, not a blank', () => {
    assert.throws(
      () => render('`{{missing}}`\n', {}),
      (error: unknown) => error instanceof InputError && /line 1:1: "missing" is not set/.test(error.message),
    );
  });
});
