import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import type { ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { serializeState } from '../../src/state/serialize-state.js';

const stateFiles = [
  packageFile('fixtures', 'glibc-dynamic', 'state.json'),
  packageFile('fixtures', 'multi-arch', 'state.json'),
  ...readdirSync(packageFile('fixtures', 'corpus')).map((name) => packageFile('fixtures', 'corpus', name, 'state.json')),
];

describe('state serialisation', () => {
  test('every committed state is in canonical form: load then serialise gives the same bytes', () => {
    for (const file of stateFiles) {
      assert.equal(serializeState(loadState(file, path.dirname(file))), readFileSync(file, 'utf8'), file);
    }
  });

  test('does not depend on the order things were found in', () => {
    const state = loadState(stateFiles[1] ?? '', '/');
    const shuffled: ImageState = {
      images: Object.fromEntries(Object.entries(state.images).reverse()) as ImageState['images'],
      tags: [...state.tags].reverse(),
      repository: state.repository,
      schemaVersion: 1,
    };
    assert.equal(serializeState(shuffled), serializeState(state));
  });

  test('keeps platform and signature order, which the registry defines', () => {
    const text = readFileSync(stateFiles[1] ?? '', 'utf8');
    assert.ok(text.indexOf('"architecture": "amd64"') < text.indexOf('"architecture": "arm64"'));
    assert.ok(text.indexOf('"architecture": "arm64"') < text.indexOf('"architecture": "arm"'));
  });
});
