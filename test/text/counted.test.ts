import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counted } from '../../src/text/counted.js';

test('a count agrees in number with its noun: one is singular, zero and many are plural, irregular plurals as given', () => {
  assert.deepEqual(
    [counted(1, 'README'), counted(0, 'README'), counted(2, 'README'), counted(1, 'entry', 'entries'), counted(3, 'entry', 'entries')],
    ['1 README', '0 READMEs', '2 READMEs', '1 entry', '3 entries'],
  );
});
