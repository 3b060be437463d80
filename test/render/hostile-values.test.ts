import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { Nodes } from 'mdast';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { temporaryDirectory } from '../helpers/run-cli.js';
import { createSigningKey, payloadFor, signLegacy } from '../helpers/signing.js';

/**
 * A signing annotation is text anyone with a signing key chooses, and a valid
 * signature can carry it. Whatever it holds, the README must have exactly the
 * structure the template defines.
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

const signingKey = createSigningKey();

/** The state with its latest digest signed (keyed, so no CA is needed) over a payload carrying `optional`. */
function signedWith(state: ImageState, optional: [string, string][]): ImageState {
  const copy = structuredClone(state);
  const latest = copy.tags.find((tag) => tag.name === 'latest')?.digest as Digest;
  const image = copy.images[latest];
  assert.ok(image);
  image.signatures = [signLegacy({ payload: payloadFor(latest, copy.repository, optional), privateKey: signingKey.privateKey })];
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
  const state = loadState(base.statePath, dir);
  const clean = signedWith(state, [['note', 'all good']]);
  const hostile = signedWith(state, [['note', HOSTILE]]);

  for (const template of ['default', 'distroless'] as const) {
    test(`in the ${template} template`, (t) => {
      const keyFile = path.join(temporaryDirectory(t), 'cosign.pub');
      writeFileSync(keyFile, signingKey.publicKeyPem);
      const trust = loadTrust({ keyPath: keyFile });
      const config: ResolvedConfig = { ...base, template, wording: { generator: 'https://example.com/gen', signedImages: 'Acme images' } };
      const templates = loadTemplateSet(template);
      const before = renderReadme(config, clean, templates, trust).markdown;
      const after = renderReadme(config, hostile, templates, trust).markdown;

      assert.notEqual(after, before, 'the annotation is printed');
      assert.deepEqual(structure(after), structure(before), 'same nodes of every kind: no extra link, HTML, row, heading or code block');
      const holding = codeBlocks(after).filter((block) => block.includes('"note"'));
      assert.equal(holding.length, 1, 'the annotation sits in the cosign output block');
      assert.ok(holding[0]?.includes(JSON.stringify(HOSTILE)), 'printed as a JSON string, as cosign | jq prints it');
    });
  }
});
