import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import Handlebars from 'handlebars';
import type { ListItem } from 'mdast';
import { loadConfig } from '../../src/config/load-config.js';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { packageFile } from '../../src/package-root.js';
import { readmeView } from '../../src/render/render-readme.js';
import { renderTemplate, templateEnvironment } from '../../src/render/render-template.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { loadState } from '../../src/state/load-state.js';

/** The README's helper list: each item's first code span names the helper; its last two are an example and what it gives. */
function documentedHelpers(): { signature: string; example: string; output: string }[] {
  const readme = readFileSync(packageFile('README.md'), 'utf8');
  const region = /<!-- helpers:start -->\n([\s\S]*?)<!-- helpers:end -->/.exec(readme)?.[1];
  assert.ok(region !== undefined, 'README.md has a helpers region');
  const items = [...walk(parseMarkdown(region))].filter((node): node is ListItem => node.type === 'listItem');
  return items.map((item) => {
    const code = [...walk(item)].flatMap((node) => (node.type === 'inlineCode' ? [node.value] : []));
    assert.ok(code.length >= 3, `a helper item has a signature, an example and its output: ${JSON.stringify(code)}`);
    return { signature: code[0] as string, example: code.at(-2) as string, output: (code.at(-1) as string).replace(/⏎/g, '\n') };
  });
}

const dir = packageFile('fixtures', 'multi-arch');
const config = loadConfig({ cwd: dir });
const { view } = readmeView(config, loadState(config.statePath as string, dir), loadTrust());

describe("the README's helper list", () => {
  const documented = documentedHelpers();

  for (const { signature, example, output } of documented) {
    test(`${signature}: ${example} gives what the README says`, () => {
      const rendered = renderTemplate(
        { label: 'example', builtIn: false, source: example, partials: new Map(), partialLabels: new Map() },
        view,
      );
      assert.equal(rendered, output);
    });
  }

  test('documents every helper readme-gen registers', () => {
    const own = new Set(Object.keys(Handlebars.create().helpers));
    // Names starting with @ are escapeByContext's, which no template can call.
    const registered = Object.keys(templateEnvironment().helpers).filter((name) => !own.has(name) && !name.startsWith('@'));
    const named = new Set(documented.map(({ signature }) => /^\{\{(\w+)/.exec(signature)?.[1]));
    assert.deepEqual(
      registered.filter((name) => !named.has(name)),
      [],
      'helpers without an example in README.md',
    );
    assert.ok(registered.length >= 8);
  });
});
