import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Nodes } from 'mdast';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { parseSimpleSigningPayload, encodeSimpleSigningPayload } from '../../src/signatures/simple-signing-payload.js';
import type { ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * A signing annotation is text anyone with a signing key chooses. Whatever it
 * holds, the README must have exactly the structure the template defines.
 */
const HOSTILE = [
  '```',
  '</details>',
  '| injected | row |',
  '[click me](https://evil.example) https://evil.example/bare www.evil.example',
  '<img src=x onerror=alert(1)><script>alert(1)</script><!-- -->',
  '````\n## Injected heading',
].join('\n');

const dir = packageFile('fixtures', 'multi-arch');

function withHostileAnnotation(state: ImageState): ImageState {
  const copy = structuredClone(state);
  for (const image of Object.values(copy.images)) {
    for (const signature of image.signatures) {
      if (signature.format !== 'cosign') continue;
      const payload = parseSimpleSigningPayload(Buffer.from(signature.payload, 'base64'), 'test');
      payload.optional = new Map([...(payload.optional ?? []), ['note', HOSTILE]]);
      signature.payload = encodeSimpleSigningPayload(payload).toString('base64');
    }
  }
  return copy;
}

function structure(markdown: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of walk(parseMarkdown(markdown))) counts[node.type] = (counts[node.type] ?? 0) + 1;
  return counts;
}

function codeBlocks(markdown: string): string[] {
  return [...walk(parseMarkdown(markdown))].flatMap((node: Nodes) => (node.type === 'code' ? [node.value] : []));
}

describe('a hostile signing annotation stays inert', () => {
  const base = loadConfig({ cwd: dir });
  assert.ok(base.statePath);
  const clean = loadState(base.statePath, dir);
  const hostile = withHostileAnnotation(clean);

  for (const template of ['default', 'distroless'] as const) {
    test(`in the ${template} template`, () => {
      const config: ResolvedConfig = { ...base, template, wording: { generator: 'https://example.com/gen', signedImages: 'Acme images' } };
      const templates = loadTemplateSet(template);
      const before = renderReadme(config, clean, templates);
      const after = renderReadme(config, hostile, templates);

      assert.notEqual(after, before, 'the annotation is printed');
      assert.deepEqual(structure(after), structure(before), 'same nodes of every kind: no extra link, HTML, row, heading or code block');
      const holding = codeBlocks(after).filter((block) => block.includes('"note"'));
      assert.equal(holding.length, 1, 'the annotation sits in the cosign output block');
      assert.ok(holding[0]?.includes(JSON.stringify(HOSTILE)), 'printed as a JSON string, as cosign | jq prints it');
    });
  }
});
