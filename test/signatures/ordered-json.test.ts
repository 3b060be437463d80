import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type JsonValue, formatGoCompact, formatJq, fromParsedSorted } from '../../src/signatures/ordered-json.js';

describe('Go json.Marshal form', () => {
  test('escapes <, > and & and the line separators as Go does', () => {
    assert.equal(formatGoCompact('<a href="x">&\u2028\u2029</a>'), '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028\\u2029\\u003c/a\\u003e"');
  });

  test('escapes control characters with \\u, except \\n \\r \\t', () => {
    assert.equal(formatGoCompact('\n\r\t\u0001\b'), '"\\n\\r\\t\\u0001\\u0008"');
  });

  test('sorts map keys by bytes, integer-like keys included', () => {
    assert.equal(formatGoCompact(fromParsedSorted({ b: 1, '10': 2, a: null, '9': [true, 'x'] })), '{"10":2,"9":[true,"x"],"a":null,"b":1}');
  });

  test('prints an empty object and array compactly', () => {
    assert.equal(formatGoCompact(fromParsedSorted({ o: {}, a: [] })), '{"a":[],"o":{}}');
  });
});

describe('jq pretty form', () => {
  test('indents by two spaces with ": " after keys', () => {
    assert.equal(formatJq(fromParsedSorted({ a: { b: [1, 'two'] } })), '{\n  "a": {\n    "b": [\n      1,\n      "two"\n    ]\n  }\n}');
  });

  test('keeps the given key order', () => {
    assert.equal(
      formatJq(
        new Map([
          ['z', 1],
          ['a', 2],
        ]),
      ),
      '{\n  "z": 1,\n  "a": 2\n}',
    );
  });

  test('escapes DEL, which JSON.stringify leaves alone, and leaves <, > and & alone', () => {
    assert.equal(formatJq('\u007f<&>'), '"\\u007f<&>"');
  });

  test('prints empty containers as {} and []', () => {
    assert.equal(
      formatJq(
        new Map<string, JsonValue>([
          ['o', new Map()],
          ['a', []],
        ]),
      ),
      '{\n  "o": {},\n  "a": []\n}',
    );
  });
});
