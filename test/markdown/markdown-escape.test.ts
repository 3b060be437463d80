import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Nodes } from 'mdast';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { WORD_JOINER, fencedCode, inlineCode, inlineText, markdownLink } from '../../src/markdown/markdown-escape.js';

const HOSTILE = [
  'a|b',
  '`tick` and ``double``',
  '```\nfenced\n```',
  '[link](https://evil.example)',
  'https://evil.example/autolink www.evil.example mail@evil.example',
  '<img src=x onerror=alert(1)> <!-- comment --> &amp;',
  '| fake | row |\n| --- | --- |',
  'line\r\nbreak\u2028sep\u0000nul\u007fdel',
  '*emph* _under_ ~~strike~~ # heading',
];

function nodesOf(markdown: string): Nodes[] {
  return [...walk(parseMarkdown(markdown))];
}

function count(nodes: Nodes[], type: Nodes['type']): number {
  return nodes.filter((node) => node.type === type).length;
}

/** What a value looks like once control characters are made visible. */
function visible(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, '\uFFFD');
}

describe('inlineCode', () => {
  for (const value of HOSTILE) {
    test(`stays one cell of one row: ${JSON.stringify(value)}`, () => {
      const nodes = nodesOf(`| a | b |\n| - | - |\n| ${inlineCode(value)} | second |\n`);
      assert.equal(count(nodes, 'table'), 1);
      assert.equal(count(nodes, 'tableRow'), 2);
      assert.equal(count(nodes, 'tableCell'), 4);
      assert.equal(count(nodes, 'link'), 0);
      assert.equal(count(nodes, 'html'), 0);
      const codes = nodes.filter((node) => node.type === 'inlineCode');
      assert.equal(codes.length, 1);
      assert.equal(codes[0]?.type === 'inlineCode' && codes[0].value.trim(), visible(value).trim());
    });
  }

  test('an empty value renders as nothing rather than stray backticks', () => {
    assert.equal(inlineCode(''), '');
  });
});

describe('inlineText', () => {
  for (const value of HOSTILE) {
    test(`is plain text: ${JSON.stringify(value)}`, () => {
      const nodes = nodesOf(`${inlineText(value)}\n`);
      assert.equal(count(nodes, 'paragraph'), 1);
      for (const type of ['link', 'html', 'emphasis', 'strong', 'delete', 'inlineCode', 'table', 'heading'] as const) {
        assert.equal(count(nodes, type), 0, `no ${type}`);
      }
      const text = nodes
        .flatMap((node) => (node.type === 'text' ? [node.value] : []))
        .join('')
        .replaceAll(WORD_JOINER, '');
      assert.equal(text, value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' '));
    });
  }
});

describe('markdownLink', () => {
  for (const value of HOSTILE) {
    test(`is one link, in a table cell too, with the text and destination given: ${JSON.stringify(value)}`, () => {
      const url = `https://example.com/${value}`;
      const nodes = nodesOf(`| a |\n| - |\n| ${markdownLink(value, url)} |\n`);
      assert.equal(count(nodes, 'tableRow'), 2);
      assert.equal(count(nodes, 'tableCell'), 2);
      for (const type of ['html', 'emphasis', 'strong', 'delete', 'inlineCode', 'image'] as const)
        assert.equal(count(nodes, type), 0, `no ${type}`);
      const links = nodes.filter((node) => node.type === 'link');
      assert.equal(links.length, 1);
      const [link] = links;
      assert.ok(link?.type === 'link');
      assert.equal(
        link.url,
        url.replace(/[\s\u0000-\u001f\u007f-\u009f]/g, (char) => encodeURIComponent(char)),
        'spaces and controls percent-encoded, nothing else changed',
      );
      const text = [...walk(link)].flatMap((node) => (node.type === 'text' ? [node.value] : [])).join('');
      assert.equal(text, value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' '));
    });
  }

  test('writes a plain URL bare, and its text unescaped where nothing needs it', () => {
    assert.equal(
      markdownLink('https://github.com/acme/image', 'https://github.com/acme/image'),
      '[https://github.com/acme/image](https://github.com/acme/image)',
    );
  });
});

describe('fencedCode', () => {
  for (const value of HOSTILE) {
    test(`holds the value verbatim in one code block: ${JSON.stringify(value)}`, () => {
      const nodes = nodesOf(`before\n\n${fencedCode(value)}\n\n## after\n`);
      const code = nodes.filter((node) => node.type === 'code');
      assert.equal(code.length, 1);
      assert.equal(code[0]?.type === 'code' && code[0].value, value.replace(/\u0000/g, '\uFFFD'));
      assert.equal(count(nodes, 'heading'), 1, 'the heading after the block is still a heading');
      assert.equal(count(nodes, 'html'), 0);
    });
  }

  test('uses the plain three-backtick fence when the content has no backticks', () => {
    assert.equal(fencedCode('x'), '```\nx\n```');
    assert.equal(fencedCode('x', 'sh'), '```sh\nx\n```');
  });
});
